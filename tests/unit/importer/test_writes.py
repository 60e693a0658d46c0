"""Reading, matching and merging records (pure rules, with an in-memory profile writer)."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import bson
import pytest
from bson.codec_options import CodecOptions

from importer_service.change_events import event_ids
from importer_service.domain.matching import MatchingNotUsable
from importer_service.domain.suppression import Listed
from importer_service.repository import writes_of
from importer_service.unique import UniqueGuard, claim_key, unique_names
from importer_service.writes import Incoming, Merged, plan_batch, write_batch
from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.contracts.schema_state import Database, DatabaseSettings
from profilehub_shared.fields import CustomField, StandardFieldSettings

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def database(**extra: Any) -> Database:
    settings = DatabaseSettings.model_validate(
        {
            "name": "shop",
            "subscription_manager": {"title": "t"},
            "resource_ids": ["news"],
            "email_settings": {"from_name": "Shop", "from_email": "a@shop.example"},
        }
    )
    fields = [
        CustomField.model_validate({"name": "plan", "type": "enum", "options": ["free", "pro"], "default": "free"}),
        CustomField.model_validate({"name": "code", "type": "line", "unique": True}),
        CustomField.model_validate({"name": "score", "type": "number"}),
    ]
    return Database(id="db1", settings=settings, custom_fields=fields, created_at=T0, updated_at=T0, **extra)


class MemoryWriter:
    """Profiles in a dict: the rules under test are the importer's, not MongoDB's."""

    def __init__(self, *profiles: dict[str, Any], entries: list[dict[str, Any]] | None = None) -> None:
        self.profiles = {p["_id"]: p for p in profiles}
        self.entries = entries or []  # suppression entries: list_id, kind, value
        self.lookups: list[list[str]] = []

    async def listed(self, list_id: str, values: list[str]) -> Listed:
        self.lookups.append(values)
        return Listed.of(e for e in self.entries if e["list_id"] == list_id and e["value"] in values)

    async def unique_guard(self, db: Database, values: dict[str, list[Any]]) -> UniqueGuard:
        """Holders are the stored profiles (claims are MongoDB's part, tested on the real database)."""
        guard = UniqueGuard(db.id, unique_names(db))
        for p in self.profiles.values():
            for name in guard.names:
                if name in p.get("fields", {}):
                    guard.holders[claim_key(db.id, name, p["fields"][name])] = p["_id"]
        return guard

    async def take_unique(self, guard: UniqueGuard) -> None:
        return None

    async def find(self, database_id: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        [(path, cond)] = query.items()
        wanted = cond["$in"]

        def value(p: dict[str, Any]) -> Any:
            return p.get("fields", {}).get(path[7:]) if path.startswith("fields.") else p.get(path)

        def hit(p: dict[str, Any]) -> bool:
            v = value(p)
            return bool(set(v) & set(wanted)) if isinstance(v, list) else v in wanted

        return [p for p in self.profiles.values() if hit(p)]

    async def save(self, database_id: str, merged: list[Merged]) -> None:
        for w in writes_of(merged):
            if w["create"] is not None:  # encoded once (RawBSONDocument): what MongoDB stores, read as it reads it
                self.profiles[w["id"]] = bson.decode(w["create"].raw, codec_options=CodecOptions(tz_aware=True))
                continue
            p = self.profiles[w["id"]]
            for s in w["set"]:
                if s["path"].startswith("fields."):
                    p.setdefault("fields", {})[s["path"][7:]] = s["value"]
                else:
                    p[s["path"]] = s["value"]
            for path in w["unset"]:
                (p.get("fields", {}) if path.startswith("fields.") else p).pop(path.removeprefix("fields."), None)


def rows(*records: dict[str, Any]) -> list[Incoming]:
    return [Incoming(ref=str(i + 1), values=r, new_id=f"p{i + 1}") for i, r in enumerate(records)]


async def test_new_profile_gets_defaults_and_normalised_values() -> None:
    writer = MemoryWriter()
    result = await write_batch(
        writer, database(), rows({"email": "Ann@EXAMPLE.com", "score": "7"}), WriteOptions(), "import_api"
    )
    assert result.counts == {"created": 1}
    profile = writer.profiles["p1"]
    assert profile["email"] == "ann@example.com"  # stored lower-cased whole: matched case-blind
    assert profile["fields"] == {"plan": "free", "score": 7}
    [event] = result.changes
    assert (event.change, event.profile_id) == ("created", "p1")


async def test_update_leaves_absent_and_empty_fields_unless_clear() -> None:
    existing = {"_id": "x", "email": "a@b.example", "first_name": "Ann", "fields": {"plan": "pro", "score": 3}}
    writer = MemoryWriter(existing)
    result = await write_batch(
        writer,
        database(),
        rows({"email": "a@b.example", "score": "", "first_name": "Bo"}),
        WriteOptions(),
        "import_api",
    )
    assert result.counts == {"updated": 1}
    assert writer.profiles["x"]["fields"] == {"plan": "pro", "score": 3}
    assert writer.profiles["x"]["first_name"] == "Bo"
    cleared = await write_batch(
        writer, database(), rows({"email": "a@b.example", "score": ""}), WriteOptions(empty="clear"), "import_api"
    )
    assert cleared.counts == {"updated": 1}
    assert writer.profiles["x"]["fields"] == {"plan": "pro"}


async def test_same_values_are_unchanged_and_emit_nothing() -> None:
    writer = MemoryWriter({"_id": "x", "email": "a@b.example", "fields": {"score": 3}})
    result = await write_batch(
        writer, database(), rows({"email": "a@b.example", "score": 3}), WriteOptions(), "import_api"
    )
    assert (result.counts, result.changes) == ({"unchanged": 1}, [])


@pytest.mark.parametrize(
    ("mode", "known", "expected"),
    [
        ("upsert", True, "updated"),
        ("upsert", False, "created"),
        ("create_only", True, "unchanged"),
        ("create_only", False, "created"),
        ("update_only", True, "updated"),
        ("update_only", False, "rejected"),
    ],
)
async def test_modes(mode: str, known: bool, expected: str) -> None:
    writer = MemoryWriter(*([{"_id": "x", "email": "a@b.example", "fields": {}}] if known else []))
    result = await write_batch(
        writer, database(), rows({"email": "a@b.example", "first_name": "Z"}), WriteOptions(mode=mode), "import_api"
    )  # type: ignore[arg-type]
    assert result.counts == {expected: 1}


async def test_matching_by_phone_finds_any_of_the_numbers_and_ambiguity_is_rejected() -> None:
    writer = MemoryWriter(
        {"_id": "x", "phones": ["+79161234567"], "fields": {}}, {"_id": "y", "phones": ["+79169999999"], "fields": {}}
    )
    one = await write_batch(
        writer,
        database(),
        rows({"phones": "+7 916 123-45-67", "first_name": "A"}),
        WriteOptions(matching="phone"),
        "import_api",
    )
    assert one.counts == {"updated": 1} and writer.profiles["x"]["first_name"] == "A"
    both = await write_batch(
        writer,
        database(),
        rows({"phones": ["+79161234567", "+79169999999"]}),
        WriteOptions(matching="phone"),
        "import_api",
    )
    assert both.counts == {"rejected": 1}
    assert both.rejected[0].errors[0].code == "ambiguous_match"


async def test_matching_by_unique_custom_field_and_refusing_a_non_unique_one() -> None:
    writer = MemoryWriter({"_id": "x", "fields": {"code": "C-1"}})
    result = await write_batch(
        writer, database(), rows({"code": "C-1", "score": 1}), WriteOptions(matching="field:code"), "import_api"
    )
    assert result.counts == {"updated": 1}
    with pytest.raises(MatchingNotUsable):
        await write_batch(writer, database(), rows({"score": 1}), WriteOptions(matching="field:score"), "import_api")


async def test_required_without_default_rejects_new_profile_but_not_updates() -> None:
    db = database(standard_fields={"first_name": StandardFieldSettings(required=True)})
    writer = MemoryWriter({"_id": "x", "email": "old@b.example", "fields": {}})
    result = await write_batch(
        writer,
        db,
        rows({"email": "new@b.example"}, {"email": "old@b.example", "score": 1}),
        WriteOptions(),
        "import_file",
    )
    assert result.counts == {"rejected": 1, "updated": 1}
    assert result.rejected[0].errors[0].code == "required"


async def test_every_bad_value_of_a_record_is_reported() -> None:
    result = await write_batch(
        MemoryWriter(), database(), rows({"email": "nope", "score": "x", "plan": "gold"}), WriteOptions(), "import_file"
    )
    assert result.counts == {"rejected": 1}
    assert {e.field for e in result.rejected[0].errors} == {"email", "score", "plan"}


async def test_duplicates_in_one_batch_last_wins_and_are_counted() -> None:
    writer = MemoryWriter()
    result = await write_batch(
        writer,
        database(),
        rows({"email": "a@b.example", "score": 1}, {"email": "a@b.example", "score": 2}),
        WriteOptions(),
        "import_file",
        job_id="job1",
    )
    assert result.counts == {"created": 1, "duplicates": 1}
    assert [p["fields"]["score"] for p in writer.profiles.values()] == [2]
    [event] = result.changes
    assert event.change == "created"


async def test_planning_reads_only() -> None:
    writer = MemoryWriter()
    result = await plan_batch(writer, database(), rows({"email": "a@b.example"}), WriteOptions(), "import_file")
    assert result.counts == {"created": 1} and writer.profiles == {}


async def test_subscriptions_only_for_allowed_resources() -> None:
    writer = MemoryWriter()
    result = await write_batch(
        writer,
        database(),
        rows(
            {"email": "a@b.example", "subscriptions": [{"resource_id": "news", "channel": "email"}]},
            {"email": "c@b.example", "subscriptions": [{"resource_id": "other", "channel": "email"}]},
        ),
        WriteOptions(),
        "import_api",
    )
    assert result.counts == {"created": 1, "rejected": 1}
    assert writer.profiles["p1"]["subscriptions"][0]["status"] == "subscribed"


def with_list(db: Database, list_id: str | None) -> Database:
    return db.model_copy(update={"settings": db.settings.model_copy(update={"suppression_list_id": list_id})})


ENTRIES = [
    {"list_id": "L1", "kind": "email", "value": "ann@example.com"},
    {"list_id": "L1", "kind": "domain", "value": "spam-mail.com"},
    {"list_id": "L2", "kind": "email", "value": "bob@example.com"},
]


async def test_new_profiles_are_flagged_from_the_attached_list_only() -> None:
    writer = MemoryWriter(entries=ENTRIES)
    batch = rows({"email": "Ann@Example.com"}, {"email": "x@spam-mail.com"}, {"email": "bob@example.com"})
    await write_batch(writer, with_list(database(), "L1"), batch, WriteOptions(), "import_api")
    assert [writer.profiles[p]["suppressed"] for p in ("p1", "p2", "p3")] == [True, True, False]


async def test_without_a_list_new_profiles_are_not_suppressed_and_nothing_is_looked_up() -> None:
    writer = MemoryWriter(entries=ENTRIES)
    await write_batch(writer, database(), rows({"email": "ann@example.com"}), WriteOptions(), "import_api")
    assert writer.profiles["p1"]["suppressed"] is False
    assert writer.lookups == []


async def test_changing_the_email_to_a_listed_one_flags_and_reports_it() -> None:
    writer = MemoryWriter({"_id": "x", "phones": ["+12025550100"], "suppressed": False, "fields": {}}, entries=ENTRIES)
    result = await write_batch(
        writer,
        with_list(database(), "L1"),
        rows({"phones": "+12025550100", "email": "ann@example.com"}),
        WriteOptions(matching="phone"),
        "import_api",
    )
    assert writer.profiles["x"]["suppressed"] is True
    [event] = result.changes
    assert {c.field: (c.old, c.new) for c in event.changes}["suppressed"] == (False, True)


async def test_updates_that_leave_contacts_alone_do_not_look_the_list_up() -> None:
    writer = MemoryWriter({"_id": "x", "email": "ann@example.com", "suppressed": True, "fields": {}}, entries=ENTRIES)
    await write_batch(
        writer,
        with_list(database(), "L1"),
        rows({"email": "ann@example.com", "score": 1}),
        WriteOptions(),
        "import_api",
    )
    assert writer.lookups == []
    assert writer.profiles["x"]["suppressed"] is True


async def test_a_unique_value_goes_to_the_first_record_of_a_batch_and_later_ones_are_refused() -> None:
    writer = MemoryWriter({"_id": "x", "email": "x@example.com", "fields": {"code": "HELD"}})
    batch = rows(
        {"email": "a@example.com", "code": "C1"},
        {"email": "b@example.com", "code": "C1"},
        {"email": "c@example.com", "code": "HELD"},
        {"email": "x@example.com", "code": "HELD", "score": 3},  # its own value: fine
    )
    result = await write_batch(writer, database(), batch, WriteOptions(), "import_api")
    assert (result.counts["created"], result.counts["updated"], result.counts["rejected"]) == (1, 1, 2)
    assert [(r.ref, r.errors[0].field, r.errors[0].code) for r in result.rejected] == [
        ("2", "code", "duplicate_unique"),
        ("3", "code", "duplicate_unique"),
    ]


async def test_a_changed_unique_value_releases_the_old_one_in_the_write() -> None:
    writer = MemoryWriter({"_id": "x", "email": "x@example.com", "fields": {"code": "OLD"}})
    result = await plan_batch(
        writer, database(), rows({"email": "x@example.com", "code": "NEW"}), WriteOptions(), "import_api"
    )
    [write] = writes_of(result.merged)
    assert write["release"] == [claim_key("db1", "code", "OLD")]


def test_a_database_finds_its_own_fields_also_after_a_copy_with_other_fields() -> None:
    db = database()
    assert db.field("plan") is not None and db.field("nope") is None
    fewer = db.model_copy(update={"custom_fields": [f for f in db.custom_fields if f.name != "plan"]})
    assert fewer.field("plan") is None and fewer.field("score") is not None
    assert db.field("plan") is not None and db == database()  # the lookup table is no part of the model


@pytest.mark.parametrize("count", [0, 1, 5000])
def test_a_batch_s_event_ids_are_random_version_4_and_distinct(count: int) -> None:
    ids = list(event_ids(count))
    assert len(ids) == len(set(ids)) == count
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)


async def test_events_of_one_batch_each_have_their_own_id() -> None:
    batch = [Incoming(ref=str(i), values={"email": f"u{i}@x.example"}, new_id=f"p{i}") for i in range(3)]
    result = await plan_batch(MemoryWriter(), database(), batch, WriteOptions(), "import_file", "job1")
    ids = {json.loads(e["json"])["event_id"] for e in result.events}
    assert len(ids) == len(result.events) == 3
