"""Who is calling (SPEC §7): the admin token from the settings, or a group token created by the admin.

A group token sees and changes only objects whose `group` is its group (others look absent: 404); what it
creates gets its group. The admin sees everything and may set any group. Group tokens are stored as SHA-256.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import ApiError

bearer_scheme = HTTPBearer(auto_error=False, description="`Authorization: Bearer <token>`: the admin or a group token")


@dataclass(frozen=True)
class Principal:
    """The caller: the admin (group None, sees all) or a group token."""

    is_admin: bool
    group: str | None = None
    token_id: str | None = None

    def sees(self, group: str | None) -> bool:
        """Whether an object of `group` exists for this caller."""
        return self.is_admin or group == self.group

    def group_for(self, requested: str | None) -> str | None:
        """The group a created or changed object gets: the admin's choice, or the token's own group."""
        return requested if self.is_admin else self.group

    def scope(self, key: str) -> dict[str, Any]:
        """A MongoDB filter limiting a query to what this caller sees (`key` is the group's path)."""
        return {} if self.is_admin else {key: self.group}


ADMIN = Principal(is_admin=True)


def hash_token(secret: str) -> str:
    """How a group token is stored: its SHA-256 in hex (the secret itself is shown once, never stored)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_admin_token(secret: str, admin_token: str) -> bool:
    # compare_digest: the time taken must not tell how much of the secret matched.
    return hmac.compare_digest(secret.encode(), admin_token.encode())


def unauthorized(message: str) -> ApiError:
    # RFC 9110 §15.5.2: a 401 names the scheme to authenticate with.
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="profilehub"'})


async def principal_of(secret: str | None, admin_token: str, db: Any) -> Principal:
    """The caller a bearer secret names; 401 when there is none or it is unknown."""
    if not secret:
        raise unauthorized("missing token: send `Authorization: Bearer <token>`")
    if is_admin_token(secret, admin_token):
        return ADMIN
    doc = await db.tokens.find_one({"hash": hash_token(secret)})
    if doc is None:
        raise unauthorized("unknown or revoked token")
    return Principal(is_admin=False, group=doc["group"], token_id=doc["_id"])


async def authenticate(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Principal:
    """FastAPI dependency: the calling principal."""
    settings = request.app.state.settings
    secret = credentials.credentials if credentials else None
    return await principal_of(secret, settings.profilehub_admin_token.get_secret_value(), request.app.state.db)


async def require_admin(caller: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """FastAPI dependency: the admin only; a group token gets 403."""
    if not caller.is_admin:
        raise ApiError(403, "forbidden", "this operation needs the admin token")
    return caller


Caller = Annotated[Principal, Depends(authenticate)]
Admin = Annotated[Principal, Depends(require_admin)]
