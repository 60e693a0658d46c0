"""Per-value rejection (issue 17): a record keeps its valid values; the matching key, required fields and
subscriptions still reject it. Pure rules over plain data."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from importer_service.domain.records import read_record
from importer_service.files.csv_reader import fitted
from importer_service.writes import Incoming, plan_batch
from profilehub_shared.contracts.profiles import WriteOptions
from profilehub_shared.fields import CustomField
from tests.unit.importer.test_writes import MemoryWriter, database

ROW = {"email": "ann@shop.example", "first_name": "Ann", "score": "four", "plan": "gold", "phones": "12"}


def test_invalid_optional_values_are_skipped_and_named() -> None:
    rec = read_record(database(), ROW, WriteOptions(), from_text=True, skip_invalid=True)
    assert rec.ok and rec.standard == {"email": "ann@shop.example", "first_name": "Ann"}
    assert [(e.field, e.code) for e in rec.skipped] == [
        ("score", "not_an_integer"),
        ("plan", "not_an_option"),
        ("phones", "invalid_phone"),
    ]


def test_an_invalid_matching_key_still_rejects_the_record() -> None:
    rec = read_record(database(), {**ROW, "email": "nope"}, WriteOptions(), from_text=True, skip_invalid=True)
    assert [e.code for e in rec.errors] == ["invalid_email"]
    by_phone = read_record(database(), ROW, WriteOptions(matching="phone"), from_text=True, skip_invalid=True)
    assert [e.field for e in by_phone.errors] == ["phones"]


def test_an_invalid_required_field_still_rejects_the_record() -> None:
    db = database()
    db.custom_fields.append(CustomField.model_validate({"name": "tier", "type": "number", "required": True}))
    rec = read_record(db, {**ROW, "tier": "x"}, WriteOptions(), from_text=True, skip_invalid=True)
    assert [e.field for e in rec.errors] == ["tier"]


def test_without_skipping_every_invalid_value_rejects_the_record() -> None:
    rec = read_record(database(), ROW, WriteOptions(), from_text=True)
    assert len(rec.errors) == 3 and not rec.skipped


async def test_a_batch_counts_records_written_without_some_values() -> None:
    writer = MemoryWriter()
    batch = [Incoming("1", ROW, from_text=True), Incoming("2", {"email": "bob@shop.example"}, from_text=True)]
    result = await plan_batch(writer, database(), batch, WriteOptions(), "import_file", skip_invalid_values=True)
    assert (result.counts["created"], result.counts["skipped_values"], result.counts["rejected"]) == (2, 1, 0)
    [skipped] = result.skipped
    assert skipped.ref == "1" and [e.code for e in skipped.errors] == [
        "not_an_integer",
        "not_an_option",
        "invalid_phone",
    ]


def test_the_row_country_reads_its_national_phone_number() -> None:
    record: dict[str, Any] = {"email": "c@shop.example", "phones": "905-573-0032", "reg_country": "Canada"}
    rec = read_record(database(), record, WriteOptions(default_phone_region="GB"), from_text=True)
    assert rec.standard["phones"] == ["+19055730032"]


@given(cells=st.lists(st.text(max_size=5), max_size=8), width=st.integers(min_value=1, max_value=8))
def test_a_row_is_fitted_to_the_header_or_refused(cells: list[str], width: int) -> None:
    fit = fitted(cells, width)
    if fit is None:
        assert any(c.strip() for c in cells[width:])
    else:
        assert len(fit) == width and fit[: len(cells)] == cells[:width]
        assert all(c == "" for c in fit[len(cells) :]) and all(not c.strip() for c in cells[width:])
