"""What keeps a subscriber's page safe: its response headers, CSRF tokens, and a request budget per link."""

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections import OrderedDict, deque

# Nothing but this origin's stylesheet; no scripts at all; forms post only here; never framed; the link token
# in the URL is never sent to another site as a referrer.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}
CSRF_COOKIE = "sm_csrf"
CSRF_FIELD = "csrf"


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(cookie: str, link_token: str) -> str:
    """The form's token: bound to the browser's cookie and to the link, so neither can be swapped."""
    return hmac.new(cookie.encode(), link_token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(cookie: str | None, link_token: str, sent: str | None) -> bool:
    if not cookie or not sent:
        return False
    return hmac.compare_digest(csrf_token(cookie, link_token), sent)


class LinkBudget:
    """At most `limit` requests per link in any `window` seconds (per gateway process; oldest links forgotten)."""

    def __init__(self, limit: int = 60, window: float = 60.0, links: int = 100_000) -> None:
        self.limit, self.window, self.links = limit, window, links
        self.seen: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, link_token: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        key = hashlib.sha256(link_token.encode()).hexdigest()
        times = self.seen.pop(key, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        self.seen[key] = times
        if len(self.seen) > self.links:
            self.seen.popitem(last=False)
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


# A link token is a credential: access logs show `/s/<link>` instead of it.
TOKEN_PATH = re.compile(r"^/(s|confirm)/(?!assets/)[^/?\s]+")


def redacted(path: str) -> str:
    return TOKEN_PATH.sub(r"/\1/<link>", path)


class RedactLinkTokens(logging.Filter):
    """For uvicorn's access log, whose record arguments are (client, method, path, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redacted(args[2]), *args[3:])
        return True


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactLinkTokens) for f in access.filters):
        access.addFilter(RedactLinkTokens())
