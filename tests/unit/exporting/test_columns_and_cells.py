"""Export columns resolved against a database, and how each value is written (CSV, JSON Lines, XLSX)."""

import csv
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from profilehub_shared.exporting import ColumnError, open_writer, profile_columns
from profilehub_shared.exporting.cells import XLSX_MAX_TEXT, csv_cell, neutralised, sheet_cell, text_cell
from tests.unit.importer.test_writes import database

T = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
PROFILE: dict[str, Any] = {
    "_id": "p1",
    "email": "ann@shop.example",
    "phones": ["+14155552671"],
    "fields": {"plan": "pro", "score": 3},
    "subscriptions": [
        {"resource_id": "news", "channel": "email", "address": "ann@shop.example", "status": "subscribed"}
    ],
    "created_at": T,
    "ml": {"bst": {"hours": [9], "weekdays": [1], "confidence": 0.5}},
}


def values(names: list[str], profile: dict[str, Any] = PROFILE) -> list[Any]:
    return [c.get(profile) for c in profile_columns(database(), names)]


def test_columns_read_standard_custom_system_and_subscription_values() -> None:
    got = values(["profile_id", "email", "phones", "plan", "score", "subscription.news.email", "created_at", "ml.bst"])
    assert got == ["p1", "ann@shop.example", ["+14155552671"], "pro", 3, "subscribed", T, PROFILE["ml"]["bst"]]


def test_absent_values_are_none_and_absent_flags_false() -> None:
    assert values(["first_name", "code", "updated_at", "subscription.news.sms"]) == [None] * 4
    assert values(["suppressed", "has_interactions"]) == [False, False]


@pytest.mark.parametrize(
    ("names", "code", "field"),
    [
        (["email", "colour"], "unknown_field", "fields[1]"),
        (["email", "email"], "duplicate_field", "fields[1]"),
        (["subscription.other.email"], "unknown_subscription", "fields[0]"),
        (["subscription.news.fax"], "unknown_subscription", "fields[0]"),
        (["subscription.news"], "unknown_subscription", "fields[0]"),
    ],
)
def test_unknown_columns_are_refused_with_the_field_and_reason(names: list[str], code: str, field: str) -> None:
    with pytest.raises(ColumnError) as refused:
        profile_columns(database(), names)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_text_cells_follow_the_export_rules() -> None:
    assert text_cell(None) == ""
    assert text_cell(["a", "b c"], tags=True) == "a,b c"
    assert text_cell(["+1", "+2"]) == '["+1","+2"]'
    assert text_cell({"city": "Oslo", "n": [1]}) == '{"city":"Oslo","n":[1]}'
    assert text_cell(True) == "true" and text_cell(0) == "0" and text_cell(1.5) == "1.5"
    assert text_cell(T) == "2024-01-02T03:04:05+00:00"
    assert text_cell(datetime(2024, 1, 2)) == "2024-01-02T00:00:00+00:00"  # stored times are UTC


def test_sheet_cells_keep_types_and_say_when_they_alter_text() -> None:
    assert sheet_cell(3) == (3, False) and sheet_cell(True) == (True, False) and sheet_cell(None) == (None, False)
    assert sheet_cell("a\x00b") == ("ab", True)
    assert sheet_cell("x" * (XLSX_MAX_TEXT + 1)) == ("x" * XLSX_MAX_TEXT, True)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
CELLS = st.one_of(st.none(), TEXT, st.integers(-(2**53), 2**53), st.booleans(), st.lists(TEXT, max_size=3))


@given(st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=8))
def test_csv_and_jsonl_files_read_back_to_the_same_values(rows: list[list[Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_round_trip(Path(folder), rows)


def check_round_trip(folder: Path, rows: list[list[Any]]) -> None:
    headers = ["a", "b", "c"]
    for fmt in ("csv", "jsonl"):
        path = str(folder / f"out.{fmt}")
        writer = open_writer(fmt, path, headers, neutralise_formulas=False)  # exactly as stored
        for row in rows:
            writer.write(row)
        assert writer.close() == ""
        if fmt == "csv":
            with open(path, newline="", encoding="utf-8") as f:
                back = list(csv.reader(f))
            assert back[0] == headers
            assert back[1:] == [[text_cell(v) for v in row] for row in rows]
        else:
            with open(path, encoding="utf-8") as f:
                back = [json.loads(line) for line in f]
            assert back == [dict(zip(headers, row, strict=True)) for row in rows]


def test_xlsx_file_reads_back_with_types_and_a_note_for_altered_cells(tmp_path: Path) -> None:
    path = str(tmp_path / "out.xlsx")
    writer = open_writer("xlsx", path, ["n", "flag", "text", "tags"], ["text", "flag", "text", "tags"])
    writer.write([7, True, "bell\x07", ["a", "b"]])
    writer.write([None, False, "plain", []])
    note = writer.close()
    assert note.startswith("1 cell(s)")
    sheet = load_workbook(path, read_only=True).active
    # The reader leaves out a row's empty cells at its end.
    assert [list(r) + [None] * (4 - len(r)) for r in sheet.iter_rows(values_only=True)] == [
        ["n", "flag", "text", "tags"],
        [7, True, "bell", "a,b"],
        [None, False, "plain", None],
    ]


HYPERLINK = '=HYPERLINK("http://evil.example","x")'
FORMULA_TEXTS = [HYPERLINK, "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "=1"]


@pytest.mark.parametrize("text", FORMULA_TEXTS)
def test_text_that_would_start_a_formula_gets_a_leading_quote(text: str) -> None:
    assert neutralised(text) == "'" + text
    for kind in ("any", "text"):
        assert csv_cell(kind)(text) == "'" + text
        assert csv_cell(kind, neutralise_formulas=False)(text) == text
    assert sheet_cell(text) == ("'" + text, False)
    assert sheet_cell(text, neutralise_formulas=False) == (text, False)


@pytest.mark.parametrize("text", ["Ann", "a=b", "'quoted", "1-2", " =x", "", "ann@shop.example"])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert neutralised(text) == text and csv_cell("text")(text) == text


def test_numbers_flags_dates_and_json_are_never_neutralised() -> None:
    for kind in ("any", "text"):
        assert csv_cell(kind)(-12) in (-12, "-12") and csv_cell(kind)(-1.5) in (-1.5, "-1.5")
    assert sheet_cell(-12) == (-12, False) and sheet_cell(-1.5) == (-1.5, False)
    assert csv_cell("flag")(False) == "false" and csv_cell("date")(T) == "2024-01-02T03:04:05+00:00"
    assert csv_cell("json")({"a": "=x"}) == '{"a":"=x"}' and csv_cell("json")(["+1"]) == '["+1"]'
    assert csv_cell("tags")(["=cmd", "b"]) == "'=cmd,b"  # tags are text: the first one starts the cell


def write_both(folder: Path, neutralise: bool, rows: list[list[Any]]) -> tuple[list[list[str]], Any]:
    headers, kinds = ["name", "score", "labels"], ["text", "text", "tags"]
    for fmt in ("csv", "xlsx"):
        writer = open_writer(fmt, str(folder / f"out.{fmt}"), headers, kinds, neutralise_formulas=neutralise)
        for row in rows:
            writer.write(row)
        writer.close()
    with open(folder / "out.csv", newline="", encoding="utf-8") as f:
        csv_rows = list(csv.reader(f))
    return csv_rows, load_workbook(folder / "out.xlsx").active


def test_csv_and_xlsx_files_neutralise_formulas_and_keep_numbers(tmp_path: Path) -> None:
    csv_rows, sheet = write_both(tmp_path, True, [[HYPERLINK, -12, ["@x"]], ["#N/A", 7, None]])
    assert csv_rows[1:] == [["'" + HYPERLINK, "-12", "'@x"], ["#N/A", "7", ""]]
    name, score, labels = sheet["A2"], sheet["B2"], sheet["C2"]
    assert (name.data_type, name.value) == ("s", "'" + HYPERLINK)
    assert (score.data_type, score.value) == ("n", -12)
    assert (labels.data_type, labels.value) == ("s", "'@x")
    assert (sheet["A3"].data_type, sheet["A3"].value) == ("s", "#N/A")  # text, not an error cell


def test_with_neutralising_off_text_is_exact_but_xlsx_never_holds_a_formula(tmp_path: Path) -> None:
    csv_rows, sheet = write_both(tmp_path, False, [[HYPERLINK, -12, ["=cmd"]]])
    assert csv_rows[1] == [HYPERLINK, "-12", "=cmd"]
    assert (sheet["A2"].data_type, sheet["A2"].value) == ("s", HYPERLINK)
    assert (sheet["C2"].data_type, sheet["C2"].value) == ("s", "=cmd")
    assert sheet["B2"].value == -12
