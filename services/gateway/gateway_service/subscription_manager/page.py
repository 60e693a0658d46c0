"""The subscriber's own pages (public: the signed link is the credential): `/s/{token}` and `/confirm/{token}`.

Server-rendered, no scripts. Every POST carries a CSRF token bound to a cookie and the link; every request counts
against the link's budget; every change goes to the importer and the page is shown again (post/redirect/get).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from profilehub_shared.contracts.profiles import ProfileWriteAnswered
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.mongo import profiles_collection_name
from profilehub_shared.schemas import Schemas
from profilehub_shared.subscription_links import (
    Link,
    LinkError,
    LinkSigner,
    Purpose,
    check_not_revoked,
    claimed_database_id,
)

from ..errors import ApiError
from .client import ask
from .forms import read_form, shown_fields
from .i18n import error_message
from .render import STATIC, gettext, render
from .safety import CSRF_COOKIE, CSRF_FIELD, SECURITY_HEADERS, csrf_ok, csrf_token, new_csrf_secret
from .views import field_views, subscription_views

router = APIRouter(include_in_schema=False)
DONE = ("saved", "unchanged", "unsubscribe", "unsubscribe_all", "resubscribe", "suspend")
ACTIONS = ("save", "unsubscribe", "unsubscribe_all", "resubscribe", "suspend")
STATUS_OF = {"invalid": 403, "expired": 410, "revoked": 410}


@dataclass
class Visit:
    """A verified link with what it opens."""

    token: str
    link: Link
    database: Database
    profile: dict[str, Any]


class Refused(Exception):
    """The request gets an error page instead: a status and a template context."""

    def __init__(self, status: int, reason: str, language: str | None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.language = status, reason, language


@router.get("/s/assets/page.css")
async def stylesheet() -> Response:
    return FileResponse(STATIC / "page.css", media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


async def language_claimed(request: Request, token: str) -> str | None:
    database_id = claimed_database_id(token)
    database = await Schemas(request.app.state.db).get(database_id) if database_id else None
    return database.settings.subscription_manager.language if database else None


async def visit(request: Request, token: str, purpose: Purpose) -> Visit:
    """The link's database and profile, or Refused: not configured, over budget, tampered, expired, revoked."""
    signer: LinkSigner | None = request.app.state.link_signer
    if signer is None:
        raise Refused(503, "not_configured", await language_claimed(request, token))
    if not request.app.state.link_budget.allow(token):
        raise Refused(429, "too_many", await language_claimed(request, token))
    try:
        link = signer.verify(token, datetime.now(UTC), purpose)
    except LinkError as exc:
        raise Refused(STATUS_OF[exc.reason], exc.reason, await language_claimed(request, token)) from None
    database = await Schemas(request.app.state.db).get(link.database_id)
    profile = None
    if database is not None:
        profile = await request.app.state.db[profiles_collection_name(database.id)].find_one({"_id": link.profile_id})
    if database is None or profile is None:
        raise Refused(410, "gone", database.settings.subscription_manager.language if database else None)
    try:
        check_not_revoked(link, profile)
    except LinkError:
        raise Refused(410, "revoked", database.settings.subscription_manager.language) from None
    return Visit(token, link, database, profile)


def refused_page(refused: Refused) -> Response:
    return render("message.html", refused.language, refused.status, reason=refused.reason)


async def resource_names(request: Request, database: Database) -> dict[str, str]:
    found = request.app.state.db.resources.find({"_id": {"$in": list(database.settings.resource_ids)}})
    return {doc["_id"]: doc.get("name", doc["_id"]) async for doc in found}


async def show(
    request: Request,
    v: Visit,
    status: int = 200,
    done: str | None = None,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    cookie = request.cookies.get(CSRF_COOKIE) or new_csrf_secret()
    response = render(
        "page.html",
        v.database.settings.subscription_manager.language,
        status,
        title=v.database.settings.subscription_manager.title,
        token=v.token,
        done=done,
        csrf=csrf_token(cookie, v.token),
        fields=field_views(v.database, v.profile, typed, errors),
        subscriptions=subscription_views(v.database, v.profile, await resource_names(request, v.database)),
        has_errors=bool(errors),
    )
    set_csrf_cookie(request, response, cookie)
    return response


def set_csrf_cookie(request: Request, response: Response, cookie: str) -> None:
    path = request.url.path
    response.set_cookie(
        CSRF_COOKIE, cookie, httponly=True, samesite="strict", path=path, secure=request.url.scheme == "https"
    )


@router.get("/s/{token}")
async def manage_page(request: Request, token: str, done: str | None = None) -> Response:
    try:
        v = await visit(request, token, "manage")
    except Refused as refused:
        return refused_page(refused)
    return await show(request, v, done=done if done in DONE else None)


def answer_errors(v: Visit, answer: ProfileWriteAnswered) -> dict[str, str]:
    language = v.database.settings.subscription_manager.language
    return {e.field.split(".")[0]: gettext(language, error_message(e.code)) for e in answer.errors}


async def change(request: Request, v: Visit, **what: Any) -> ProfileWriteAnswered:
    return await ask(request.app.state.profiles, v.database.id, v.link.profile_id, **what)


async def apply(request: Request, v: Visit, form: dict[str, str]) -> Response:
    action = form.get("action", "")
    if action == "save":
        reading = read_form(v.database, shown_fields(v.database), form, v.profile)
        language = v.database.settings.subscription_manager.language
        errors = {name: gettext(language, error_message(e.code)) for name, e in reading.errors.items()}
        if errors:
            return await show(request, v, 422, typed=form, errors=errors)
        if not reading.record:
            return RedirectResponse(f"/s/{v.token}?done=unchanged", 303, headers=SECURITY_HEADERS)
        answer = await change(request, v, action="save_fields", values=reading.record)
    elif action in ACTIONS:
        days = int(form["days"]) if form.get("days", "").isdigit() and int(form["days"]) in (14, 30, 60, 90) else None
        if action == "suspend" and days is None:
            return await show(request, v, 422, errors={"days": gettext(None, error_message("not_an_option"))})
        answer = await change(
            request, v, action=action, resource_id=form.get("resource_id"), channel=form.get("channel"), days=days
        )
    else:
        return await show(request, v, 422)
    if answer.outcome == "rejected":
        return await show(request, v, 422, typed=form, errors=answer_errors(v, answer))
    done = "unchanged" if answer.outcome == "unchanged" else "saved" if action == "save" else action
    return RedirectResponse(f"/s/{v.token}?done={done}", 303, headers=SECURITY_HEADERS)


async def posted_form(request: Request, token: str) -> dict[str, str]:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not csrf_ok(request.cookies.get(CSRF_COOKIE), token, values.get(CSRF_FIELD)):
        raise Refused(403, "csrf", await language_claimed(request, token))
    return values


@router.post("/s/{token}")
async def manage_action(request: Request, token: str) -> Response:
    try:
        v = await visit(request, token, "manage")
        form = await posted_form(request, token)
        return await apply(request, v, form)
    except Refused as refused:
        return refused_page(refused)
    except ApiError:  # the importer did not answer in time
        return refused_page(Refused(503, "unavailable", None))


async def confirm_view(request: Request, v: Visit, done: bool = False) -> Response:
    names = await resource_names(request, v.database)
    cookie = request.cookies.get(CSRF_COOKIE) or new_csrf_secret()
    response = render(
        "confirm.html",
        v.database.settings.subscription_manager.language,
        title=v.database.settings.subscription_manager.title,
        token=v.token,
        done=done,
        resource=names.get(v.link.resource_id or "", v.link.resource_id),
        channel=v.link.channel,
        csrf=csrf_token(cookie, v.token),
    )
    set_csrf_cookie(request, response, cookie)
    return response


@router.get("/confirm/{token}")
async def confirm_page(request: Request, token: str) -> Response:
    # Showing the page changes nothing (mail scanners open links); the button confirms.
    try:
        v = await visit(request, token, "confirm")
    except Refused as refused:
        return refused_page(refused)
    return await confirm_view(request, v)


@router.post("/confirm/{token}")
async def confirm_action(request: Request, token: str) -> Response:
    try:
        v = await visit(request, token, "confirm")
        await posted_form(request, token)
        answer = await change(request, v, action="confirm", resource_id=v.link.resource_id, channel=v.link.channel)
    except Refused as refused:
        return refused_page(refused)
    except ApiError:
        return refused_page(Refused(503, "unavailable", None))
    if answer.outcome in ("rejected", "not_found"):
        return refused_page(
            Refused(
                409 if answer.outcome == "rejected" else 410,
                "not_confirmable",
                v.database.settings.subscription_manager.language,
            )
        )
    return await confirm_view(request, v, done=True)
