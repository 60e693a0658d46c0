"""The API that mints subscription-manager and confirmation links (per profile and in bulk) and revokes them."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.subscription_links import Link, LinkSigner, manage_link, page_url

from ..api.deps import Db
from ..api.parameters import plain_parameters
from ..auth import Caller
from ..errors import ApiError, invalid, not_found, responses
from ..store import visible
from .client import ask

router = APIRouter(
    prefix="/api/v1/databases/{database_id}",
    tags=["subscription manager"],
    dependencies=[Depends(plain_parameters)],
    responses=responses(401, 404, 422),
)
Days = Annotated[float | None, Field(None, gt=0, le=3650, description="Validity in days (default: the setting)")]


class LinkOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: Days = None


class BulkLinks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=1000)
    days: Days = None


class ConfirmationLinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_id: str = Field(min_length=1, max_length=200)
    channel: Literal["email", "sms", "push"]
    days: Days = None


class MintedLink(BaseModel):
    profile_id: str
    url: str = Field(description="The page's address, to put in a message to this subscriber")
    expires_at: datetime


class MintedLinks(BaseModel):
    items: list[MintedLink]
    missing: list[str] = Field(description="Asked profile ids the database does not have")


def signer_of(request: Request) -> LinkSigner:
    signer: LinkSigner | None = request.app.state.link_signer
    if signer is None:
        raise ApiError(
            503,
            "not_configured",
            "SUBSCRIPTION_MANAGER_SECRET is not set: the gateway cannot sign subscription-manager links. Set it to "
            "a secret of at least 16 characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            " on the gateway and the exporter; there is no default.",
        )
    return signer


def base_url(request: Request) -> str:
    return request.app.state.settings.subscription_manager_base_url or str(request.base_url)


def validity(request: Request, days: float | None) -> float:
    return days or request.app.state.settings.subscription_link_days


def minted(request: Request, signer: LinkSigner, link: Link) -> MintedLink:
    url = page_url(base_url(request), signer.mint(link), link.purpose)
    return MintedLink(profile_id=link.profile_id, url=url, expires_at=link.expires_at)


async def stored_profile(db: Any, database_id: str, profile_id: str) -> dict[str, Any]:
    profile = await db[profiles_collection_name(database_id)].find_one({"_id": profile_id})
    if profile is None:
        raise not_found("profile", profile_id)
    return dict(profile)


@router.post(
    "/profiles/{profile_id}/subscription-manager-link",
    responses=responses(503),
    summary="Mint a signed, expiring link to the profile's subscription-manager page",
)
async def mint_link(
    request: Request, database_id: str, profile_id: str, db: Db, caller: Caller, body: LinkOptions | None = None
) -> MintedLink:
    signer = signer_of(request)
    await visible(db, "databases", Database, database_id, caller)
    profile = await stored_profile(db, database_id, profile_id)
    link = manage_link(database_id, profile, datetime.now(UTC), validity(request, body.days if body else None))
    return minted(request, signer, link)


@router.post(
    "/subscription-manager-links",
    responses=responses(503),
    summary="Mint subscription-manager links for up to 1000 profiles",
)
async def mint_links(request: Request, database_id: str, body: BulkLinks, db: Db, caller: Caller) -> MintedLinks:
    signer = signer_of(request)
    await visible(db, "databases", Database, database_id, caller)
    wanted = list(dict.fromkeys(body.profile_ids))
    found = db[profiles_collection_name(database_id)].find({"_id": {"$in": wanted}}, batch_size=len(wanted) + 1)
    profiles = {p["_id"]: p async for p in found}
    now, days = datetime.now(UTC), validity(request, body.days)
    items = [
        minted(request, signer, manage_link(database_id, profiles[pid], now, days)) for pid in wanted if pid in profiles
    ]
    return MintedLinks(items=items, missing=[pid for pid in wanted if pid not in profiles])


@router.post(
    "/profiles/{profile_id}/subscription-manager-link/revoke",
    status_code=204,
    responses=responses(504),
    summary="Revoke every subscription-manager and confirmation link minted for the profile so far",
)
async def revoke_links(request: Request, database_id: str, profile_id: str, db: Db, caller: Caller) -> None:
    await visible(db, "databases", Database, database_id, caller)
    answer = await ask(request.app.state.profiles, database_id, profile_id, action="revoke_links")
    if answer.outcome == "not_found":
        raise not_found("profile", profile_id)


@router.post(
    "/profiles/{profile_id}/subscription-confirm-link",
    responses=responses(503),
    summary="Mint a signed double opt-in link that confirms one unconfirmed subscription",
)
async def mint_confirmation_link(
    request: Request, database_id: str, profile_id: str, body: ConfirmationLinkBody, db: Db, caller: Caller
) -> MintedLink:
    signer = signer_of(request)
    database = await visible(db, "databases", Database, database_id, caller)
    if body.resource_id not in database.settings.resource_ids:
        raise invalid("resource_id", body.resource_id, "unknown_resource", "the database does not allow this resource")
    profile = await stored_profile(db, database_id, profile_id)
    link = Link(
        database_id,
        profile_id,
        "confirm",
        datetime.now(UTC) + timedelta(days=validity(request, body.days)),
        profile.get("subscription_manager_nonce", ""),
        body.resource_id,
        body.channel,
    )
    return minted(request, signer, link)
