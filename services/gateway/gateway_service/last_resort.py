"""The last resort: an error no route foresaw is still a JSON 500 in the one error shape, and the connection lives.

Starlette's own handler answers `Internal Server Error` as plain text and re-raises, and uvicorn then closes the
keep-alive connection under the client. This middleware answers and does not re-raise; the error is logged with
an incident id that the answer carries, so an operator can find it. Every case known to be bad input has its own
4xx; this is only for what nobody thought of.
"""

import logging
import uuid
from typing import Any

from .errors import error_response

log = logging.getLogger(__name__)


class LastResort:
    """ASGI middleware, outermost of the gateway's own."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            incident = uuid.uuid4().hex[:12]
            log.exception("unexpected error in %s %s (incident %s)", scope.get("method"), scope.get("path"), incident)
            if started:  # half an answer is out: only closing the connection tells the client it is broken
                raise
            message = f"unexpected error (incident {incident}, {type(exc).__name__}); the request was not completed"
            await error_response(500, "internal", message)(scope, receive, send)
