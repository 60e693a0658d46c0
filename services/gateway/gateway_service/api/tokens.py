"""`/tokens`: group tokens, created, listed and revoked by the admin. The collection `tokens` is the gateway's."""

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from pymongo.errors import DuplicateKeyError

from ..auth import Admin, hash_token
from ..errors import ApiError, not_found, responses
from .deps import Db
from .models import TokenCreate, TokenCreated, TokenInfo

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=responses(401, 403, 422))


def info_of(doc: dict[str, Any]) -> TokenInfo:
    return TokenInfo(id=doc["_id"], name=doc["name"], group=doc["group"], created_at=doc["created_at"])


def name_taken(name: str) -> ApiError:
    return ApiError(409, "conflict", f"a token named {name!r} exists; choose another name or revoke that token")


@router.post(
    "", status_code=201, responses=responses(409), summary="Create a group token (admin only); the secret is shown once"
)
async def create_token(body: TokenCreate, db: Db, _: Admin) -> TokenCreated:
    """Names are unique, so that a token can be told apart in the list (409 for a name in use)."""
    if await db.tokens.find_one({"name": body.name}, {"_id": 1}) is not None:
        raise name_taken(body.name)
    secret = secrets.token_urlsafe(32)
    doc = {
        "_id": uuid.uuid4().hex,
        "name": body.name,
        "group": body.group,
        "hash": hash_token(secret),
        "created_at": datetime.now(UTC).replace(microsecond=0),  # as MongoDB will give it back
    }
    try:
        await db.tokens.insert_one(doc)  # the unique index decides when two replicas race
    except DuplicateKeyError:
        raise name_taken(body.name) from None
    return TokenCreated(**info_of(doc).model_dump(), token=secret)


@router.get("", summary="List group tokens (admin only; no secrets)")
async def list_tokens(db: Db, _: Admin) -> list[TokenInfo]:
    return [info_of(doc) async for doc in db.tokens.find({}, {"hash": 0}).sort("_id", 1)]


@router.delete("/{token_id}", status_code=204, responses=responses(404), summary="Revoke a group token (admin only)")
async def delete_token(token_id: str, db: Db, _: Admin) -> Response:
    if (await db.tokens.delete_one({"_id": token_id})).deleted_count == 0:
        raise not_found("token", token_id)
    return Response(status_code=204)
