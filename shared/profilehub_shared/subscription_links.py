"""Signed, expiring, revocable links to a subscriber's own page (and double opt-in confirmations).

A link token is `<payload>.<signature>`, both base64url without padding. The payload names the database, the
profile, the purpose, the expiry and the profile's link nonce (and, for a confirmation, the resource and channel);
the signature is HMAC-SHA256 over it with the subscription-manager secret. Rotating a profile's nonce revokes every
link minted before. Pure: the nonce check against the stored profile is the caller's.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Purpose = Literal["manage", "confirm"]
PURPOSES = ("manage", "confirm")
MAX_TOKEN_CHARS = 2000
NONCE_FIELD = "subscription_manager_nonce"  # on the stored profile; absent means the empty nonce


class LinkError(ValueError):
    """A link that does not open the page; `reason` is `invalid`, `expired` or `revoked`."""

    def __init__(self, reason: Literal["invalid", "expired", "revoked"]) -> None:
        super().__init__(f"the link is {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Link:
    """What a verified token says."""

    database_id: str
    profile_id: str
    purpose: Purpose
    expires_at: datetime
    nonce: str = ""
    resource_id: str | None = None
    channel: str | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "d": self.database_id,
            "p": self.profile_id,
            "k": self.purpose,
            "e": int(self.expires_at.timestamp()),
            "n": self.nonce,
        }
        if self.resource_id is not None:
            payload |= {"r": self.resource_id, "c": self.channel}
        return payload


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text or len(text) % 4 == 1 or not text.isascii():
        raise LinkError("invalid")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise LinkError("invalid") from None


def _link_of(payload: object) -> Link:
    if not isinstance(payload, dict) or payload.get("k") not in PURPOSES:
        raise LinkError("invalid")
    d, p, e, n = payload.get("d"), payload.get("p"), payload.get("e"), payload.get("n", "")
    r, c = payload.get("r"), payload.get("c")
    if not (isinstance(d, str) and isinstance(p, str) and isinstance(n, str)) or type(e) is not int:
        raise LinkError("invalid")
    if payload["k"] == "confirm" and not (isinstance(r, str) and isinstance(c, str)):
        raise LinkError("invalid")
    try:
        expires = datetime.fromtimestamp(e, UTC)
    except (OverflowError, OSError, ValueError):
        raise LinkError("invalid") from None
    return Link(d, p, payload["k"], expires, n, r if isinstance(r, str) else None, c if isinstance(c, str) else None)


class LinkSigner:
    """Mints and verifies link tokens with one secret."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the subscription-manager secret must have at least 16 characters")
        self._key = hashlib.sha256(b"profilehub-subscription-manager:" + secret.encode()).digest()

    def _signature(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def mint(self, link: Link) -> str:
        body = _b64(json.dumps(link.to_payload(), separators=(",", ":"), ensure_ascii=True).encode())
        return f"{body}.{self._signature(body)}"

    def verify(self, token: str, now: datetime, purpose: Purpose) -> Link:
        """The link of a genuine, unexpired token of this purpose; LinkError otherwise."""
        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
            raise LinkError("invalid")
        body, signature = token.split(".")
        if not hmac.compare_digest(self._signature(body).encode(), signature.encode("utf-8", "replace")):
            raise LinkError("invalid")
        try:
            payload = json.loads(_unb64(body))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise LinkError("invalid") from None
        link = _link_of(payload)
        if link.purpose != purpose:
            raise LinkError("invalid")
        if link.expires_at <= now:
            raise LinkError("expired")
        return link


def manage_link(database_id: str, profile: dict[str, Any], now: datetime, days: float) -> Link:
    """The subscription-manager link of a stored profile, valid for `days`."""
    return Link(database_id, profile["_id"], "manage", now + timedelta(days=days), profile.get(NONCE_FIELD, ""))


def check_not_revoked(link: Link, profile: dict[str, Any]) -> None:
    """LinkError('revoked') when the profile's nonce was rotated after the link was minted."""
    if not hmac.compare_digest(link.nonce.encode(), str(profile.get(NONCE_FIELD, "")).encode()):
        raise LinkError("revoked")


def page_url(base_url: str, token: str, purpose: Purpose = "manage") -> str:
    return f"{base_url.rstrip('/')}/{'s' if purpose == 'manage' else 'confirm'}/{token}"


def claimed_database_id(token: str) -> str | None:
    """The database a token claims, unverified: only to choose the language of the error page it gets."""
    try:
        payload = json.loads(_unb64(token.split(".")[0][:MAX_TOKEN_CHARS]))
    except (LinkError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    value = payload.get("d") if isinstance(payload, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


class LinksNotConfigured(ValueError):
    """Links cannot be minted: the setting named in the message is missing."""


def link_minter(settings: Any, database_id: str, now: datetime) -> Callable[[dict[str, Any]], str]:
    """Mints the subscription-manager URL of each stored profile of a database, with a service's settings
    (`subscription_manager_secret`, `subscription_manager_base_url`, `subscription_link_days`)."""
    secret = getattr(settings, "subscription_manager_secret", None)
    base_url = getattr(settings, "subscription_manager_base_url", None)
    if secret is None:
        raise LinksNotConfigured(
            "SUBSCRIPTION_MANAGER_SECRET is not set, so no subscription-manager link can be signed"
        )
    if not base_url:
        raise LinksNotConfigured("SUBSCRIPTION_MANAGER_BASE_URL is not set, so links would point nowhere")
    signer, days = LinkSigner(secret.get_secret_value()), settings.subscription_link_days
    return lambda profile: page_url(base_url, signer.mint(manage_link(database_id, profile, now, days)))
