"""Body size cap and chunked bulk uploads."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from gateway_service.bulk import chunks, total
from gateway_service.limits import BodySizeLimit
from profilehub_shared.contracts.schema import Counts


def echo_app(limit: int) -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodySizeLimit, limit=limit)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        return {"size": len(await request.body())}

    return app


@pytest.mark.parametrize(("size", "status"), [(0, 200), (1024, 200), (1025, 413)])
async def test_bodies_over_the_limit_are_refused(size: int, status: int) -> None:
    transport = httpx.ASGITransport(app=echo_app(1024))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        declared = await client.post("/echo", content=b"x" * size)

        async def stream() -> Any:  # no Content-Length: the bytes are counted as they arrive
            for _ in range(size // 100):
                yield b"x" * 100
            yield b"x" * (size % 100)

        streamed = await client.post("/echo", content=stream())
    assert declared.status_code == status and streamed.status_code == status
    if status == 413:
        assert declared.json()["error"]["code"] == "too_large"


def test_uploads_are_cut_into_chunks_and_their_counts_added() -> None:
    assert [len(c) for c in chunks(list(range(4500)), 2000)] == [2000, 2000, 500]
    assert list(chunks([], 2000)) == [[]]
    summed = total([Counts(added=2, duplicates=1, invalid=[{"value": "a"}]), Counts(added=1, removed=3)])
    assert summed == Counts(added=3, removed=3, duplicates=1, invalid=[{"value": "a"}])
