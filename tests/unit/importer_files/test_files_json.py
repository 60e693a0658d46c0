"""JSON arrays (streamed) and JSON Lines: bad elements and lines are BadRows, broken files FileErrors."""

import json

import pytest

from importer_service.files import FileError

from .helpers import bad, count, header, read, values


@pytest.mark.parametrize("one_way", [False, True])
def test_array_with_a_bad_element_in_the_middle(one_way: bool) -> None:
    data = b'[{"email": "a@x.io"}, {"email" "b@x.io"}, 42, {"email": "c@x.io", "tags": ["x", {"y": 1}]}]'
    rows = read("people.json", data, one_way=one_way)
    assert bad(rows) == [(2, "invalid_json"), (3, "not_an_object")]
    assert rows[1].message == "element 2: invalid JSON: Expecting ':' delimiter"  # type: ignore[union-attr]
    assert values(rows) == [{"email": "a@x.io"}, {"email": "c@x.io", "tags": ["x", {"y": 1}]}]
    assert [r.number for r in rows] == [1, 2, 3, 4]
    assert not any(r.from_text for r in rows if hasattr(r, "from_text"))


def test_array_elements_span_many_chunks() -> None:
    people = [{"email": f"u{i}@x.io", "note": "é" * (i % 300), "n": i * 1234567} for i in range(3000)]
    data = json.dumps(people, indent=2, ensure_ascii=False).encode()
    assert values(read("a.json", data, one_way=True)) == people
    assert count("a.json", data) == 3000


def test_big_element_over_several_chunks() -> None:
    data = json.dumps([{"a": "x" * 300_000}, {"b": 1}]).encode()
    assert values(read("a.json", data, one_way=True)) == [{"a": "x" * 300_000}, {"b": 1}]


def test_unbalanced_array_is_a_file_error() -> None:
    with pytest.raises(FileError) as caught:
        read("a.json", b'[{"a": 1}, {"a": [1, 2}, {"a": 3}')
    assert caught.value.code in {"invalid_json", "truncated"}


@pytest.mark.parametrize("data", [b'[{"a": 1}, {"a": 2', b'[{"a": 1},', b"[", b'[{"a": 1} {"a": 2}]'])
def test_cut_or_broken_arrays_fail_after_the_good_rows(data: bytes) -> None:
    with pytest.raises(FileError):
        read("a.json", data)


def test_empty_array_and_not_an_array() -> None:
    assert read("a.json", b" [ ] ") == []
    with pytest.raises(FileError) as caught:
        read("a.json", b'{\n  "a": 1\n}', format="json")
    assert caught.value.code == "not_an_array"


def test_json_columns_are_every_key_in_order() -> None:
    assert header("a.json", b'[{"email": 1}, {"phone": 2, "email": 3}, 5]') == ["email", "phone"]


def test_jsonl_with_a_bad_line() -> None:
    data = b'{"email": "a@x.io"}\n\n{"email": \n[1]\n   \n{"email": "b@x.io"}\r\n'
    rows = read("people.jsonl", data)
    assert bad(rows) == [(3, "invalid_json"), (4, "not_an_object")]
    assert values(rows) == [{"email": "a@x.io"}, {"email": "b@x.io"}]
    assert [r.number for r in rows] == [1, 3, 4, 6]


def test_jsonl_invalid_utf8_line_and_nan() -> None:
    data = b'{"a": "ok"}\n{"a": "\xff"}\n{"a": 1e999999, "b": NaN}\n'
    rows = read("a.ndjson", data, encoding="utf-8")
    assert bad(rows)[0] == (2, "invalid_utf8")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("data", b'  [{"a": 1}]', [{"a": 1}]),
        ("data.json", b'{"a": 1}\n{"a": 2}\n', [{"a": 1}, {"a": 2}]),
        ("export.txt", b"a;b\n1;2\n", [{"a": "1", "b": "2"}]),
        ("noext", '\ufeff{"a": 1}\n'.encode(), [{"a": 1}]),
    ],
)
def test_format_is_sniffed(name: str, data: bytes, expected: list[dict[str, object]]) -> None:
    assert values(read(name, data)) == expected
