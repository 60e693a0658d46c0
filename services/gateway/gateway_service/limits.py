"""A cap on request bodies, so a hostile upload is refused with 413 before it is read into memory."""

import json
from typing import Any

from .errors import ApiError

Scope = dict[str, Any]


def _too_large_message(limit: int) -> str:
    return f"request body larger than {limit} bytes; split the upload"


class BodyTooLarge(ApiError):
    """Raised while the body is read: an HTTPException, so FastAPI passes it on as the 413 instead of a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "too_large", _too_large_message(limit))


def _too_large_body(limit: int) -> bytes:
    return json.dumps({"error": {"code": "too_large", "message": _too_large_message(limit), "details": []}}).encode()


class BodySizeLimit:
    """ASGI middleware: 413 when Content-Length or the bytes actually streamed exceed `limit`."""

    def __init__(self, app: Any, limit: int, upload_limit: int | None = None) -> None:
        self.app = app
        self.limit = limit
        # File uploads (`…/imports`) stream to GridFS in chunks, so they may be far larger than a JSON body.
        self.upload_limit = upload_limit or limit

    def limit_for(self, scope: Scope) -> int:
        return self.upload_limit if str(scope.get("path", "")).endswith("/imports") else self.limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send, limit)

    async def _refuse(self, send: Any, limit: int) -> None:
        body = _too_large_body(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
