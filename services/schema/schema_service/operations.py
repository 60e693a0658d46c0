"""One function per schema operation: load, apply the pure rule, store. Returns what changed."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from profilehub_shared.contracts import schema as ops
from profilehub_shared.contracts.schema import Counts, SchemaChangeAnswered, SuppressionListChanged
from profilehub_shared.contracts.schema_state import Database, PromoPool, Resource, SuppressionList

from . import domain
from .entries import normalise_entries
from .errors import Conflict, InvalidChange, NotFound
from .repository import MongoSchemaStore


@dataclass
class Outcome:
    """What an operation did: the answer's payload and the database snapshots to publish."""

    answer: dict[str, Any] = field(default_factory=dict)
    changed: list[Database] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    removed_fields: list[str] = field(default_factory=list)
    lists_changed: list[SuppressionListChanged] = field(default_factory=list)


def derived_id(request_id: uuid.UUID, kind: str) -> str:
    """Ids of created objects derive from the request, so a redelivered request creates nothing twice."""
    return uuid.uuid5(request_id, kind).hex


def now() -> datetime:
    return datetime.now(UTC)


async def load(store: MongoSchemaStore, database_id: str) -> Database:
    db = await store.database(database_id)
    if db is None:
        raise NotFound(f"database {database_id!r} does not exist")
    return db


async def check_references(store: MongoSchemaStore, db: Database) -> None:
    """A database may only point at a suppression list and resources that exist."""
    list_id = db.settings.suppression_list_id
    if list_id and await store.get("suppression_lists", SuppressionList, list_id) is None:
        raise InvalidChange(
            f"suppression list {list_id!r} does not exist",
            [
                {
                    "field": "suppression_list_id",
                    "value": list_id,
                    "code": "not_found",
                    "message": "no such suppression list",
                }
            ],
        )
    for resource_id in db.settings.resource_ids:
        if await store.get("resources", Resource, resource_id) is None:
            raise InvalidChange(
                f"resource {resource_id!r} does not exist",
                [{"field": "resource_ids", "value": resource_id, "code": "not_found", "message": "no such resource"}],
            )


async def save_new(store: MongoSchemaStore, db: Database) -> Outcome:
    existing = await store.database(db.id)
    if existing is not None:  # a redelivered request: it was created already
        return Outcome(answer={"database": existing}, changed=[existing])
    await check_references(store, db)
    await store.save_database(db, new=True)
    return Outcome(answer={"database": db}, changed=[db])


async def create_database(store: MongoSchemaStore, op: ops.CreateDatabase, request_id: uuid.UUID) -> Outcome:
    return await save_new(store, domain.new_database(derived_id(request_id, "database"), op.settings, now()))


async def clone_database(store: MongoSchemaStore, op: ops.CloneDatabase, request_id: uuid.UUID) -> Outcome:
    source = await load(store, op.database_id)
    clone = domain.clone_structure(source, derived_id(request_id, "database"), op.name, now())
    return await save_new(store, clone)


async def save_changed(store: MongoSchemaStore, db: Database, removed: list[str] | None = None) -> Outcome:
    await check_references(store, db)
    await store.save_database(db, new=False)
    return Outcome(answer={"database": db}, changed=[db], removed_fields=removed or [])


async def update_database(store: MongoSchemaStore, op: ops.UpdateDatabase, _: uuid.UUID) -> Outcome:
    return await save_changed(store, domain.update_settings(await load(store, op.database_id), op.changes, now()))


async def record_ml_refresh(store: MongoSchemaStore, op: ops.RecordMlRefresh, _: uuid.UUID) -> Outcome:
    db = await load(store, op.database_id)
    given = (
        ("last_refresh_at", op.last_refresh_at),
        ("next_refresh_at", op.next_refresh_at),
        ("best_hours", op.best_hours),
    )
    times = {k: v for k, v in given if v is not None}
    ml = db.ml.model_copy(update={**times, "enabled": db.settings.ml_enabled})
    if ml == db.ml:
        return Outcome(answer={"database": db})  # a redelivered record changes nothing and announces nothing
    return await save_changed(store, db.model_copy(update={"ml": ml}))


async def delete_database(store: MongoSchemaStore, op: ops.DeleteDatabase, _: uuid.UUID) -> Outcome:
    db = await store.database(op.database_id)
    if db is None:  # deleted already (or never existed): deleting is idempotent
        return Outcome(deleted=[op.database_id])
    domain.ensure_deletable(db, await store.profiles_with_interactions(db.id))
    await store.delete_database(db.id)
    return Outcome(deleted=[db.id])


async def add_field(store: MongoSchemaStore, op: ops.AddField, _: uuid.UUID) -> Outcome:
    db = await load(store, op.database_id)
    return await save_changed(store, domain.add_field(db, op.field, now()))


async def change_field(store: MongoSchemaStore, op: ops.ChangeField, _: uuid.UUID) -> Outcome:
    db = await load(store, op.database_id)
    holding = await store.profiles_with_value(db.id, op.name) if "type" in op.changes else 0
    removed = domain.removed_options(db, op.name, op.changes)
    if removed:
        domain.ensure_options_unused(op.name, removed, await store.profiles_with_value(db.id, op.name, removed))
    if domain.becomes_unique(db, op.name, op.changes):
        domain.ensure_no_duplicates(op.name, await store.profiles_with_duplicates(db.id, op.name))
    return await save_changed(store, domain.change_field(db, op.name, op.changes, holding, now()))


async def remove_field(store: MongoSchemaStore, op: ops.RemoveField, _: uuid.UUID) -> Outcome:
    db = await load(store, op.database_id)
    return await save_changed(store, domain.remove_field(db, op.name, now()), removed=[op.name])


async def set_standard_field(store: MongoSchemaStore, op: ops.SetStandardField, _: uuid.UUID) -> Outcome:
    db = await load(store, op.database_id)
    return await save_changed(store, domain.set_standard_field(db, op.name, op.settings, now()))


async def create_resource(store: MongoSchemaStore, op: ops.CreateResource, request_id: uuid.UUID) -> Outcome:
    resource = Resource(id=derived_id(request_id, "resource"), name=op.name, group=op.group, channels=op.channels)
    if await store.get("resources", Resource, resource.id) is None:
        await store.insert("resources", resource)
    return Outcome(answer={"resource": resource})


async def ensure_unused(store: MongoSchemaStore, key: str, object_id: str, what: str) -> None:
    users = await store.databases_using(key, object_id)
    if users:
        raise Conflict(f"{what} {object_id!r} is used by databases: {', '.join(users)}; detach it first")


async def delete_resource(store: MongoSchemaStore, op: ops.DeleteResource, _: uuid.UUID) -> Outcome:
    await ensure_unused(store, "settings.resource_ids", op.resource_id, "resource")
    await store.delete("resources", op.resource_id)
    return Outcome()


async def create_suppression_list(
    store: MongoSchemaStore, op: ops.CreateSuppressionList, request_id: uuid.UUID
) -> Outcome:
    listing = SuppressionList(
        id=derived_id(request_id, "suppression_list"),
        name=op.name,
        group=op.group,
        counts={"email": 0, "phone": 0, "domain": 0},
    )
    if await store.get("suppression_lists", SuppressionList, listing.id) is None:
        await store.insert("suppression_lists", listing)
    return Outcome(answer={"suppression_list": listing})


async def delete_suppression_list(store: MongoSchemaStore, op: ops.DeleteSuppressionList, _: uuid.UUID) -> Outcome:
    await ensure_unused(store, "settings.suppression_list_id", op.list_id, "suppression list")
    await store.delete("suppression_lists", op.list_id)
    return Outcome()


async def change_suppression_entries(
    store: MongoSchemaStore, op: ops.ChangeSuppressionEntries, _: uuid.UUID
) -> Outcome:
    listing = await store.get("suppression_lists", SuppressionList, op.list_id)
    if listing is None:
        raise NotFound(f"suppression list {op.list_id!r} does not exist")
    entries, invalid = normalise_entries(op.emails, op.phones, op.domains)
    added = removed = duplicates = 0
    for kind, values in entries.items():
        if op.action == "add":
            new, dup = await store.add_entries(op.list_id, kind, values)
            added, duplicates = added + new, duplicates + dup
        else:
            removed += await store.remove_entries(op.list_id, kind, values)
    counts = await store.entry_counts(op.list_id)
    await store.set_counts("suppression_lists", op.list_id, counts)
    changed = [SuppressionListChanged(list_id=op.list_id, added=added, removed=removed)] if added or removed else []
    return Outcome(
        answer={
            "suppression_list": listing.model_copy(update={"counts": counts}),
            "counts": Counts(added=added, removed=removed, duplicates=duplicates, invalid=invalid),
        },
        lists_changed=changed,
    )


async def create_promo_pool(store: MongoSchemaStore, op: ops.CreatePromoPool, request_id: uuid.UUID) -> Outcome:
    pool = PromoPool(
        id=derived_id(request_id, "promo_pool"), name=op.name, group=op.group, counts={"unused": 0, "assigned": 0}
    )
    if await store.get("promo_pools", PromoPool, pool.id) is None:
        await store.insert("promo_pools", pool)
    return Outcome(answer={"promo_pool": pool})


async def delete_promo_pool(store: MongoSchemaStore, op: ops.DeletePromoPool, _: uuid.UUID) -> Outcome:
    await store.delete("promo_pools", op.pool_id)
    return Outcome()


async def add_promo_codes(store: MongoSchemaStore, op: ops.AddPromoCodes, _: uuid.UUID) -> Outcome:
    pool = await store.get("promo_pools", PromoPool, op.pool_id)
    if pool is None:
        raise NotFound(f"promo pool {op.pool_id!r} does not exist")
    codes = list(dict.fromkeys(c.strip() for c in op.codes if c.strip()))
    added, duplicates = await store.add_codes(op.pool_id, codes)
    counts = await store.code_counts(op.pool_id)
    await store.set_counts("promo_pools", op.pool_id, counts)
    return Outcome(
        answer={
            "promo_pool": pool.model_copy(update={"counts": counts}),
            "counts": Counts(added=added, duplicates=duplicates + len(op.codes) - len(codes)),
        }
    )


async def rename_promo_pool(store: MongoSchemaStore, op: ops.RenamePromoPool, _: uuid.UUID) -> Outcome:
    pool = await store.get("promo_pools", PromoPool, op.pool_id)
    if pool is None:
        raise NotFound(f"promo pool {op.pool_id!r} does not exist")
    if pool.name != op.name:
        await store.rename("promo_pools", op.pool_id, op.name)
    return Outcome(answer={"promo_pool": pool.model_copy(update={"name": op.name})})


async def remove_promo_codes(store: MongoSchemaStore, op: ops.RemovePromoCodes, _: uuid.UUID) -> Outcome:
    pool = await store.get("promo_pools", PromoPool, op.pool_id)
    if pool is None:
        raise NotFound(f"promo pool {op.pool_id!r} does not exist")
    codes = None if op.all_unused else list(dict.fromkeys(c.strip() for c in op.codes if c.strip()))
    removed, kept, missing = await store.remove_unused_codes(op.pool_id, codes)
    counts = await store.code_counts(op.pool_id)
    await store.set_counts("promo_pools", op.pool_id, counts)
    return Outcome(
        answer={
            "promo_pool": pool.model_copy(update={"counts": counts}),
            "counts": Counts(removed=removed, kept=kept, missing=missing),
        }
    )


Operation = Callable[[MongoSchemaStore, Any, uuid.UUID], Awaitable[Outcome]]

OPERATIONS: dict[str, Operation] = {
    "create_database": create_database,
    "update_database": update_database,
    "clone_database": clone_database,
    "delete_database": delete_database,
    "add_field": add_field,
    "change_field": change_field,
    "remove_field": remove_field,
    "set_standard_field": set_standard_field,
    "create_resource": create_resource,
    "delete_resource": delete_resource,
    "create_suppression_list": create_suppression_list,
    "delete_suppression_list": delete_suppression_list,
    "change_suppression_entries": change_suppression_entries,
    "record_ml_refresh": record_ml_refresh,
    "create_promo_pool": create_promo_pool,
    "delete_promo_pool": delete_promo_pool,
    "add_promo_codes": add_promo_codes,
    "rename_promo_pool": rename_promo_pool,
    "remove_promo_codes": remove_promo_codes,
}


def answer_of(request_id: uuid.UUID, outcome: Outcome) -> SchemaChangeAnswered:
    return SchemaChangeAnswered(request_id=request_id, **outcome.answer)
