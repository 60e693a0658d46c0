"""`/promo-pools`: account-level pools of promo codes (uploaded as JSON or as text, one code per line)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from profilehub_shared.contracts import schema as ops
from profilehub_shared.contracts.schema_state import PromoPool

from ..auth import Caller
from ..bulk import chunks, total
from ..errors import ApiError, responses
from ..store import listing, object_id_cursor, page, visible
from .deps import Cursors, Db, Schema
from .models import (
    CodesAdded,
    CodesRemoval,
    CodesRemoved,
    CodesUpload,
    NamedCreate,
    PoolChanges,
    PromoCode,
    PromoCodePage,
    PromoPoolPage,
    RemovedCounts,
)
from .paging import Cursor, GroupFilter, Limit

router = APIRouter(prefix="/promo-pools", tags=["promo pools"], responses=responses(401, 422))

UPLOAD_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": CodesUpload.model_json_schema()},
        "text/plain": {"schema": {"type": "string", "description": "One code per line; blank lines are skipped"}},
    },
}


async def uploaded_codes(request: Request) -> list[str]:
    """The codes of a JSON `{"codes": [...]}` or text/plain body, validated alike."""
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        if media == "text/plain":
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ApiError(422, "invalid", f"the text is not valid UTF-8 (byte {exc.start})") from None
            return CodesUpload(codes=[line.strip() for line in text.splitlines() if line.strip()]).codes
        if media == "application/json" or media.endswith("+json"):
            return CodesUpload.model_validate_json(raw).codes
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False), body=None) from None
    raise ApiError(415, "unsupported_media_type", f"send application/json or text/plain, not {media[:100]!r}")


async def counted(db: Any, pool: PromoPool) -> PromoPool:
    """The pool with its codes counted now: bulk updates assign codes without the schema service."""
    counts = {state: await db.promo_codes.count_documents({"pool_id": pool.id, "state": state})
              for state in ("unused", "assigned")}  # fmt: skip
    return pool.model_copy(update={"counts": counts})


@router.get("", summary="List promo pools")
async def list_promo_pools(
    db: Db, caller: Caller, cursors: Cursors, group: GroupFilter = None, limit: Limit = 50, cursor: Cursor = None
) -> PromoPoolPage:
    items, next_cursor = await listing(db, "promo_pools", PromoPool, caller, group, limit, cursor, cursors)
    return PromoPoolPage(items=[await counted(db, p) for p in items], next_cursor=next_cursor)


@router.post("", status_code=201, responses=responses(409, 504), summary="Create a promo pool")
async def create_promo_pool(body: NamedCreate, schema: Schema, caller: Caller) -> PromoPool:
    answer = await schema.apply(ops.CreatePromoPool(name=body.name, group=caller.group_for(body.group)))
    assert answer.promo_pool is not None
    return answer.promo_pool


@router.get("/{pool_id}", responses=responses(404), summary="Get a promo pool with its code counts")
async def get_promo_pool(pool_id: str, db: Db, caller: Caller) -> PromoPool:
    return await counted(db, await visible(db, "promo_pools", PromoPool, pool_id, caller))


@router.patch("/{pool_id}", responses=responses(404, 409, 504), summary="Rename a promo pool")
async def rename_promo_pool(pool_id: str, body: PoolChanges, db: Db, schema: Schema, caller: Caller) -> PromoPool:
    await visible(db, "promo_pools", PromoPool, pool_id, caller)
    answer = await schema.apply(ops.RenamePromoPool(pool_id=pool_id, name=body.name))
    assert answer.promo_pool is not None
    return await counted(db, answer.promo_pool)


@router.delete(
    "/{pool_id}", status_code=204, responses=responses(404, 504), summary="Delete a promo pool and its codes"
)
async def delete_promo_pool(pool_id: str, db: Db, schema: Schema, caller: Caller) -> Response:
    await visible(db, "promo_pools", PromoPool, pool_id, caller)
    await schema.apply(ops.DeletePromoPool(pool_id=pool_id))
    return Response(status_code=204)


@router.post(
    "/{pool_id}/codes",
    responses=responses(404, 415, 504),
    openapi_extra={"requestBody": UPLOAD_BODY},
    summary="Upload codes (JSON or text/plain); codes already in the pool are counted as duplicates",
)
async def add_codes(pool_id: str, request: Request, db: Db, schema: Schema, caller: Caller) -> CodesAdded:
    pool = await visible(db, "promo_pools", PromoPool, pool_id, caller)
    codes = await uploaded_codes(request)
    counts = []
    for chunk in chunks(codes):
        answer = await schema.apply(ops.AddPromoCodes(pool_id=pool_id, codes=list(chunk)))
        pool = answer.promo_pool or pool
        counts.append(answer.counts or ops.Counts())
    return CodesAdded(promo_pool=await counted(db, pool), counts=total(counts))


@router.post(
    "/{pool_id}/codes/remove",
    responses=responses(404, 504),
    summary="Remove unused codes (named, or all); assigned codes stay and are counted",
)
async def remove_codes(pool_id: str, body: CodesRemoval, db: Db, schema: Schema, caller: Caller) -> CodesRemoved:
    pool = await visible(db, "promo_pools", PromoPool, pool_id, caller)
    removed = kept = missing = 0
    for chunk in [[]] if body.all_unused else chunks(body.codes):
        op = ops.RemovePromoCodes(pool_id=pool_id, codes=list(chunk), all_unused=body.all_unused)
        counts = (await schema.apply(op)).counts or ops.Counts()
        removed, kept, missing = removed + counts.removed, kept + counts.kept, missing + counts.missing
    return CodesRemoved(
        promo_pool=await counted(db, pool), counts=RemovedCounts(removed=removed, assigned=kept, missing=missing)
    )


@router.get("/{pool_id}/codes", responses=responses(404), summary="List the codes, optionally in one state")
async def list_codes(
    pool_id: str,
    db: Db,
    caller: Caller,
    cursors: Cursors,
    state: Annotated[Literal["unused", "assigned"] | None, Query(description="Only codes in this state")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PromoCodePage:
    await visible(db, "promo_pools", PromoPool, pool_id, caller)
    query = {"pool_id": pool_id} | ({"state": state} if state else {})
    listing = f"promo_codes:{pool_id}"
    docs, last = await page(db.promo_codes, query, limit, object_id_cursor(cursors.read(listing, cursor)))
    items = [PromoCode(code=d["code"], state=d["state"], profile_id=d.get("profile_id")) for d in docs]
    return PromoCodePage(items=items, next_cursor=cursors.sign(listing, last))
