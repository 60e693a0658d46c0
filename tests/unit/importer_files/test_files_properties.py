"""Properties: CSV written by csv.writer reads back the same; no bytes make read_rows raise but FileError."""

import csv
import io
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer_service.files import BadRow, FileError, ReadOptions, Row, count_rows, read_rows

from .helpers import OneWayStream, read, values

HEADER = ["email", "first_name", "city", "note"]
printable_rows = st.lists(
    st.fixed_dictionaries({key: st.text(string.printable, max_size=20) for key in HEADER}), max_size=30
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(people=printable_rows, delimiter=st.sampled_from([",", ";", "\t", "|"]), one_way=st.booleans())
def test_csv_written_by_csv_writer_reads_back(people: list[dict[str, str]], delimiter: str, one_way: bool) -> None:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, HEADER, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(people)
    rows = read("people.csv", out.getvalue().encode(), one_way=one_way)
    non_blank = [p for p in people if "".join(p.values()).strip()]  # all-blank records are skipped by design
    assert values(rows) == non_blank
    assert all(isinstance(r, Row) for r in rows)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.sampled_from([b"[", b'[{"a":', b"PK\x03\x04", b"\x1f\x8b\x08", b"\xef\xbb\xbf", b"\xff\xfe", b'"']).flatmap(
            lambda prefix: st.binary(max_size=500).map(lambda tail: prefix + tail)
        ),
    ),
    name=st.sampled_from(["f.csv", "f.txt", "f.json", "f.jsonl", "f.xlsx", "f.zip", "f.tar.gz", "f"]),
    fmt=st.sampled_from(["auto", "csv", "json", "jsonl", "xlsx"]),
    encoding=st.sampled_from([None, "utf-8", "utf-16", "cp1251"]),
    header=st.booleans(),
)
def test_arbitrary_bytes_raise_only_file_errors(
    data: bytes, name: str, fmt: str, encoding: str | None, header: bool
) -> None:
    options = ReadOptions(format=fmt, encoding=encoding, header=header)  # type: ignore[arg-type]
    try:
        rows = list(read_rows(name, OneWayStream(data), options))  # type: ignore[arg-type]
    except FileError:
        return
    assert all(isinstance(r, Row | BadRow) for r in rows)
    assert count_rows(name, io.BytesIO(data), options) == len(rows)
