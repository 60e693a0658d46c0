"""CSV/TXT: encodings, delimiters, quoted newlines, blank lines, header or not, bad rows."""

from typing import Any

import pytest

from importer_service.files import FileError, Row

from .helpers import bad, count, header, read, values


@pytest.mark.parametrize("one_way", [False, True])
def test_bom_semicolon_and_quoted_newlines(one_way: bool) -> None:
    data = '\ufeff email ;name\na@x.io;"Ann\nSmith"\nb@x.io;"Bob ""B"" Jones"\n'.encode()
    rows = read("people.csv", data, one_way=one_way)
    assert values(rows) == [{"email": "a@x.io", "name": "Ann\nSmith"}, {"email": "b@x.io", "name": 'Bob "B" Jones'}]
    assert [r.number for r in rows] == [2, 3]
    assert all(isinstance(r, Row) and r.from_text and r.member is None for r in rows)


def test_cp1251_cyrillic_is_detected() -> None:
    data = "имя;фамилия;город\nИван;Петров;Москва\nОльга;Сидорова;Санкт-Петербург\n".encode("cp1251")
    assert values(read("люди.csv", data)) == [
        {"имя": "Иван", "фамилия": "Петров", "город": "Москва"},
        {"имя": "Ольга", "фамилия": "Сидорова", "город": "Санкт-Петербург"},
    ]


def test_one_invalid_utf8_sequence_rejects_its_row_not_the_encoding() -> None:
    data = "email,name\nb@x.io,Bjørn\n".encode() + b"c@x.io,Caf\xc3\n" + "z@x.io,Zoë\n".encode()
    rows = read("a.csv", data)
    assert values(rows) == [{"email": "b@x.io", "name": "Bjørn"}, {"email": "z@x.io", "name": "Zoë"}]
    assert bad(rows) == [(3, "invalid_utf8")]


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("email,name\na@x.io,Иван\nb@x.io,«ООО ЯЯ»\n", "cp1251"),  # "Я»" happens to be a valid UTF-8 pair
        ("email,name\na@x.io,René\nb@x.io,François\n", "cp1252"),
    ],
)
def test_legacy_text_is_not_taken_for_damaged_utf8(text: str, codec: str) -> None:
    from importer_service.files.detect import detect_encoding

    assert detect_encoding(text.encode(codec)) == codec
    assert bad(read("a.csv", text.encode(codec))) == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(codec: str) -> None:
    text = "name\tcity\nJosé\tKöln\n"
    data = (b"\xfe\xff" if codec == "utf-16-be" else b"") + text.encode(codec)
    assert values(read("a.txt", data)) == [{"name": "José", "city": "Köln"}]


def test_given_encoding_wins_over_detection() -> None:
    assert values(read("a.csv", "a,b\nä,ö\n".encode("latin-1"), encoding="latin-1")) == [{"a": "ä", "b": "ö"}]


def test_empty_lines_are_skipped_but_keep_counting() -> None:
    rows = read("a.csv", b"\n\na,b\n1,2\n\n,\n , \n3,4\n\n")
    assert values(rows) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert [r.number for r in rows] == [4, 8]
    assert count("a.csv", b"\n\na,b\n1,2\n\n , \n3,4\n\n") == 2


def test_header_off_names_columns_from_one() -> None:
    rows = read("a.csv", b"x;y;z\n1;2;3\n", header=False)
    assert values(rows) == [{"1": "x", "2": "y", "3": "z"}, {"1": "1", "2": "2", "3": "3"}]
    assert [r.number for r in rows] == [1, 2]
    assert header("a.csv", b"x;y;z\n", header=False) == ["1", "2", "3"]


def test_a_cell_past_the_header_is_a_bad_row_not_an_error() -> None:
    rows = read("a.csv", b"a,b,c\n1,2,3\n1,2,3,4\n5,6,7\n")
    assert bad(rows) == [(3, "wrong_cell_count")]
    assert rows[1].message == "row 3: 4 cells, header has 3"  # type: ignore[union-attr]
    assert values(rows) == [{"a": "1", "b": "2", "c": "3"}, {"a": "5", "b": "6", "c": "7"}]


def test_missing_trailing_cells_are_empty_and_empty_extra_cells_dropped() -> None:
    rows = read("a.csv", b"a,b,c\n1,2\n1\n4,5,6,,\n")
    assert bad(rows) == []
    assert values(rows) == [{"a": "1", "b": "2", "c": ""}, {"a": "1", "b": "", "c": ""}, {"a": "4", "b": "5", "c": "6"}]


def test_spaces_before_a_quoted_cell_are_skipped() -> None:
    rows = read("a.csv", b'email,first,last\na@x.example, "Foo 3", "Bar, 3"\nb@x.example, Foo,Bar \n')
    assert values(rows) == [
        {"email": "a@x.example", "first": "Foo 3", "last": "Bar, 3"},
        {"email": "b@x.example", "first": " Foo", "last": "Bar "},  # unquoted cells keep theirs: see the field rules
    ]


def test_invalid_utf8_is_localised_to_its_row() -> None:
    data = b"name,city\n" + "Ольга,Москва\n".encode() * 20 + b"Bad\xff,X\n" + "Иван,Тверь\n".encode()
    rows = read("a.csv", data)
    assert bad(rows) == [(22, "invalid_utf8")]
    assert values(rows)[-1] == {"name": "Иван", "city": "Тверь"}


def test_broken_utf16_fails_the_file_cleanly() -> None:
    with pytest.raises(FileError) as caught:
        read("a.csv", "a,b\n1,2\n".encode("utf-16") + b"\x00\xdc\x41")
    assert caught.value.code == "invalid_encoding"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(delimiter: str) -> None:
    data = delimiter.join(["email", "note"]).encode() + b"\n" + f'a@x.io{delimiter}"x, y; z|w\tv"\n'.encode()
    assert values(read("a.txt", data)) == [{"email": "a@x.io", "note": "x, y; z|w\tv"}]


def test_given_delimiter_and_quote_char() -> None:
    assert values(read("a.csv", b"a|b\n'x|y'|2\n", delimiter="|", quotechar="'")) == [{"a": "x|y", "b": "2"}]


def test_header_names_are_stripped_and_duplicates_refused() -> None:
    assert header("a.csv", b" a , b ,\n1,2,3\n") == ["a", "b", "3"]
    with pytest.raises(FileError) as caught:
        read("a.csv", b"email,name,email\n1,2,3\n")
    assert caught.value.code == "duplicate_columns"


@pytest.mark.parametrize("data", [b"", b"\n\n"])
def test_empty_file(data: bytes) -> None:
    if not data:
        with pytest.raises(FileError) as caught:
            read("a.csv", data)
        assert caught.value.code == "empty_file"
    else:
        assert read("a.csv", data) == []


def test_unclosed_quote_cannot_swallow_the_rest_of_the_file() -> None:
    rows = read("a.csv", b'a,b\n"1,2\n' + b"x" * 200_000 + b"\n3,4\n")
    assert bad(rows) == [(2, "unclosed_quote")]  # the lines after it are rows again
    assert values(rows) == [{"a": "x" * 200_000, "b": ""}, {"a": "3", "b": "4"}]


@pytest.mark.parametrize(
    ("text", "expected_bad", "expected_values"),
    [
        ('e,n\na,"Ann\nb,Bob\nc,Cid\n', [(2, "unclosed_quote")], [{"e": "b", "n": "Bob"}, {"e": "c", "n": "Cid"}]),
        ('e,n\na,"Ann\nb,Bob\nc,"Cid"\n', [(2, "unclosed_quote")], [{"e": "b", "n": "Bob"}, {"e": "c", "n": "Cid"}]),
        ('e,n\na,"Ann\nMarie"\nb,Bob\n', [], [{"e": "a", "n": "Ann\nMarie"}, {"e": "b", "n": "Bob"}]),
        ('e,n\na,"b"c\nd,e\n', [(2, "invalid_csv")], [{"e": "d", "n": "e"}]),
        ('e,n\na,"Ann\nb,"Bob\nc,Cid\n', [(2, "unclosed_quote"), (3, "unclosed_quote")], [{"e": "c", "n": "Cid"}]),
    ],
)
def test_a_stray_quote_rejects_its_line_and_keeps_the_others(
    text: str, expected_bad: list[tuple[int, str]], expected_values: list[dict[str, str]]
) -> None:
    rows = read("a.csv", text.encode())
    assert (bad(rows), values(rows)) == (expected_bad, expected_values)
    assert count("a.csv", text.encode()) == len(rows)


def test_cells_as_long_as_the_longest_line_field_are_read() -> None:
    rows = read("a.csv", b"a,b\n" + b"x" * 1_000_000 + b",y\n")
    assert [len(str(v["a"])) for v in values(rows)] == [1_000_000]


def test_a_nul_in_a_header_name_is_refused() -> None:
    with pytest.raises(FileError) as caught:
        read("a.csv", b"email,first\x00name\na@x.io,Ann\n")
    assert caught.value.code == "invalid_header" and "column 2" in caught.value.message


@pytest.mark.parametrize(
    "options", [{"delimiter": ";;"}, {"delimiter": '"'}, {"quotechar": "\n"}, {"encoding": "klingon"}]
)
def test_invalid_options_are_file_errors(options: dict[str, Any]) -> None:
    with pytest.raises(FileError):
        read("a.csv", b"a,b\n1,2\n", **options)


def test_the_cell_limit_covers_the_longest_line_field_there_can_be() -> None:
    import csv

    from importer_service.files import csv_reader
    from profilehub_shared.fields import CustomField

    longest = max(getattr(m, "le", 0) for m in CustomField.model_fields["max_length"].metadata)
    assert longest >= 1_000_000
    assert csv.field_size_limit() >= longest
    assert longest <= csv_reader.MAX_CELL
