"""XLSX generated with openpyxl: numbers, dates, empty cells and rows, sheets, damage."""

import io
from collections.abc import Sequence
from datetime import date, datetime, time

import openpyxl
import pytest

from importer_service.files import FileError, Row

from .helpers import bad, header, read, values


def workbook(*sheets: tuple[str, Sequence[Sequence[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PEOPLE: list[list[object]] = [
    ["email", " score ", "born", "seen", "ratio", "vip", "note"],
    ["a@x.io", 42, date(1990, 5, 17), datetime(2024, 3, 1, 14, 30, 5), 0.25, True, None],
    [None, None, None, None, None, None, None],
    ["b@x.io", 7.0, datetime(2001, 1, 2), time(8, 15), 1e20, False, "  hi "],
    ["c@x.io"],
    [],
    [None, None],
]


@pytest.mark.parametrize("one_way", [False, True])
def test_cells_become_stable_text(one_way: bool) -> None:
    rows = read("people.xlsx", workbook(("People", PEOPLE)), one_way=one_way)
    assert values(rows) == [
        {
            "email": "a@x.io",
            "score": "42",
            "born": "1990-05-17",
            "seen": "2024-03-01T14:30:05",
            "ratio": "0.25",
            "vip": "true",
            "note": "",
        },
        {
            "email": "b@x.io",
            "score": "7",
            "born": "2001-01-02",
            "seen": "08:15:00",
            "ratio": "1e+20",
            "vip": "false",
            "note": "  hi ",
        },
        {"email": "c@x.io", "score": "", "born": "", "seen": "", "ratio": "", "vip": "", "note": ""},
    ]
    assert [r.number for r in rows] == [2, 4, 5]
    assert all(isinstance(r, Row) and r.from_text for r in rows)


def test_sheet_choice_header_off_and_extra_cells() -> None:
    data = workbook(("First", [["x"]]), ("Second", [["a", "b"], [1, 2, 3], [4]]))
    assert header("book.xlsx", data) == ["x"]
    rows = read("book.xlsx", data, sheet="Second")
    assert bad(rows) == [(2, "wrong_cell_count")]
    assert values(rows) == [{"a": "4", "b": ""}]
    assert values(read("book.xlsx", data, sheet="Second", header=False))[0] == {"1": "a", "2": "b"}
    with pytest.raises(FileError) as caught:
        read("book.xlsx", data, sheet="Nope")
    assert caught.value.code == "sheet_not_found"


def test_workbook_under_another_name_is_found() -> None:
    assert values(read("upload.bin", workbook(("S", [["a"], [1]])))) == [{"a": "1"}]


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_workbook_is_a_file_error(cut: float) -> None:
    data = workbook(("S", [["a"], *[[i] for i in range(2000)]]))
    with pytest.raises(FileError) as caught:
        read("book.xlsx", data[: int(len(data) * cut)])
    assert "truncated or corrupt" in caught.value.message


def test_workbook_expanding_too_far_is_refused() -> None:
    with pytest.raises(FileError) as caught:
        read("book.xlsx", workbook(("S", [["a"], ["x" * 10_000]])), max_archive_bytes=5_000)
    assert caught.value.code == "archive_too_large"


def test_old_excel_format_is_named() -> None:
    with pytest.raises(FileError) as caught:
        read("book.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert caught.value.code == "unsupported_format"
