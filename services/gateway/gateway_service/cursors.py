"""Signed paging cursors: a cursor is the listing's position, base64url, and an HMAC of listing + position.

A listing reads its position back only from a cursor it signed itself, so a garbage, tampered or foreign cursor
(another listing's, another database's) is a 422 instead of an arbitrary page. The key derives from the admin
token, which every gateway replica shares; changing that token ends the cursors handed out before.
"""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from .errors import invalid

MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CursorSigner:
    key: bytes

    @classmethod
    def for_secret(cls, secret: str) -> "CursorSigner":
        return cls(hashlib.sha256(b"profilehub paging cursors\n" + secret.encode()).digest())

    def _mac(self, listing: str, position: bytes) -> bytes:
        return hmac.new(self.key, listing.encode() + b"\n" + position, hashlib.sha256).digest()[:MAC_BYTES]

    def sign(self, listing: str, position: str | None) -> str | None:
        """The cursor handed out as `next_cursor` (None stays None: the last page)."""
        if position is None:
            return None
        raw = position.encode()
        return f"{_b64(raw)}.{_b64(self._mac(listing, raw))}"

    def read(self, listing: str, cursor: str | None, field: str = "query.cursor") -> str | None:
        """The position a cursor of `listing` names; 422 for any other text."""
        if cursor is None:
            return None
        payload, _, mac = cursor.partition(".")
        try:
            raw, given = _unb64(payload), _unb64(mac)
        except (binascii.Error, ValueError):
            raw, given = b"", b""
        # Only the canonical text of a cursor: base64 lets some last characters vary without changing the bytes.
        canonical = cursor == f"{_b64(raw)}.{_b64(given)}"
        if not mac or not canonical or not hmac.compare_digest(given, self._mac(listing, raw)):
            raise invalid(
                field, cursor, "invalid_cursor", "not a cursor of this listing: pass next_cursor of the previous page"
            )
        return raw.decode()
