"""A corpus of hostile and careless import files, each built on the fly (no binary blobs in the repository).

Every case names the file as a user would upload it, the import options, and what the import API must answer:
a 422 naming the option before any job exists, or the job's final status, counts, `code` and error-report lines.
Bombs are small on disk and expand to gigabytes: raw deflate blocks of a mebibyte of zeros, each ending in a full
flush (byte-aligned, no back reference across it), repeated; see `zero_deflate`.
"""

import io
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MIB = 1024 * 1024
GB = 1000**3

# Extra fields of the corpus database, beside tests/e2e/importing.FIELDS (which has the unique line field `code`).
CORPUS_FIELDS = [
    {"name": "nick", "type": "line"},  # not unique: matching on it is refused
    {"name": "bio", "type": "line", "max_length": 300_000},
]


@dataclass(frozen=True)
class Outcome:
    """What the job ends with: status, counts (those named), `code`, and (member, row, code) report lines."""

    status: str
    counts: dict[str, int] = field(default_factory=dict)
    code: str = ""
    report: list[tuple[str, str, str]] = field(default_factory=list)
    message_has: str = ""
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # email → values the profile must hold


@dataclass(frozen=True)
class Refused:
    """The upload is answered 422 (before 202) with a detail naming this field and code."""

    field: str
    code: str


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # the class the case counts in
    file_name: str
    build: Callable[[], bytes]
    expect: Outcome | Refused
    options: dict[str, Any] = field(default_factory=dict)


# --- builders ---------------------------------------------------------------------------------------------------


def csv_of(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def tarred(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def deflate_block(data: bytes) -> bytes:
    """Raw deflate of `data`, ending byte-aligned with no reference to what comes before or after it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


FINAL_BLOCK = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty last block


def zero_deflate(prefix: bytes, zeros: int) -> tuple[bytes, int]:
    """Raw deflate of `prefix` + `zeros` zero bytes, and its CRC-32: about 1 KB per MiB."""
    whole, rest = divmod(zeros, MIB)
    mebibyte = deflate_block(bytes(MIB))
    crc = zlib.crc32(prefix)
    zero_mib = bytes(MIB)
    for _ in range(whole):
        crc = zlib.crc32(zero_mib, crc)
    crc = zlib.crc32(bytes(rest), crc)
    return deflate_block(prefix) + mebibyte * whole + deflate_block(bytes(rest)) + FINAL_BLOCK, crc


def zip_bomb(expanded: int, member: str = "a.csv") -> bytes:
    """A zip of one CSV member (`email` header, then zeros) that honestly declares its expanded size."""
    prefix = b"email\n"
    data, crc = zero_deflate(prefix, expanded - len(prefix))
    name = member.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), expanded, len(name), 0)
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), expanded, len(name), 0, 0, 0, 0, 0, 0
    )
    directory_at = len(local) + len(name) + len(data)
    directory = central + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), directory_at, 0)
    return local + name + data + directory + end


def tar_gz_bomb(expanded: int) -> bytes:
    """A tar.gz of one CSV member of `expanded` bytes (`email` header, then zeros); the tar's own padding and
    end blocks are zeros too, so the whole tar is one prefix and a run of zeros."""
    info = tarfile.TarInfo("a.csv")
    info.size = expanded
    prefix = info.tobuf(format=tarfile.USTAR_FORMAT) + b"email\n"
    tar_size = 512 + -(-expanded // 512) * 512 + 1024
    data, crc = zero_deflate(prefix, tar_size - len(prefix))
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + data + struct.pack("<2L", crc, tar_size % 2**32)


def xlsx_of(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def truncated(data: bytes, keep: float) -> bytes:
    return data[: int(len(data) * keep)]


MANY = csv_of("email", *(f"u{i}@shop.example" for i in range(20_000)))
AB_MEMBERS = {
    "a.csv": csv_of("email,first_name", "m1@shop.example,M1", "m2@shop.example,M2"),
    "b.csv": csv_of("email,first_name", "m3@shop.example,M3", "m4@shop.example,M4", "m5@shop.example,M5"),
}
BAD_B_MEMBERS = {
    "a.csv": csv_of("email,score", "m1@shop.example,1", "m2@shop.example,2"),
    "b.csv": csv_of("email,score", "m3@shop.example,3", "m4@shop.example,four", "m5@shop.example,5"),
}
CREATED_5 = Outcome("done", {"total": 5, "processed": 5, "created": 5, "duplicates": 0, "rejected": 0})
BAD_IN_B = Outcome(
    "done",
    {"total": 5, "created": 5, "rejected": 0, "skipped_values": 1},  # m4 is written without its bad score
    report=[("b.csv", "3", "not_an_integer")],
    profiles={"m1@shop.example": {"score": 1}, "m3@shop.example": {"score": 3}},
)
UTF8_ONE_BAD = (
    b"email,first_name\n"
    + "bjorn@shop.example,Bjørn\n".encode()
    + b"broken@shop.example,Caf\xc3\n"
    + "zoe@shop.example,Zoë\n".encode()
)
NUL_VALUE = csv_of("email,first_name", "a@shop.example,A\x00nn", "b@shop.example,Bob")


def big_value_csv() -> bytes:
    return csv_of("email,bio", "long@shop.example," + "x" * 200_000, "short@shop.example,y")


CASES: list[Case] = [
    # Archives: rows of every member, ids unique across members, members named in the report; bombs refused.
    Case("zip-two-members", "archive", "people.zip", lambda: zipped(AB_MEMBERS), CREATED_5),
    Case("tar-gz-two-members", "archive", "people.tar.gz", lambda: tarred(AB_MEMBERS), CREATED_5),
    Case("zip-bad-row-in-second-member", "archive", "people.zip", lambda: zipped(BAD_B_MEMBERS), BAD_IN_B),
    Case("tar-gz-bad-row-in-second-member", "archive", "people.tgz", lambda: tarred(BAD_B_MEMBERS), BAD_IN_B),
    Case("zip-bomb-3gb", "archive", "bomb.zip", lambda: zip_bomb(3 * GB), Outcome("failed", code="archive_too_large")),
    Case(
        "zip-bomb-1.1gb",
        "archive",
        "bomb.zip",
        lambda: zip_bomb(1_100_000_000),
        Outcome("failed", code="archive_too_large"),
    ),
    Case(
        "tar-gz-bomb-2.5gb",
        "archive",
        "bomb.tar.gz",
        lambda: tar_gz_bomb(2_500_000_000),
        Outcome("failed", code="archive_too_large"),
    ),
    Case(
        "tar-gz-truncated",
        "archive",
        "people.tar.gz",
        lambda: truncated(tarred({"a.csv": MANY}), 0.6),
        Outcome("failed", code="invalid_archive", message_has="truncated"),
    ),
    Case(
        "zip-truncated",
        "archive",
        "people.zip",
        lambda: truncated(zipped({"a.csv": MANY}), 0.6),
        Outcome("failed", code="invalid_archive"),
    ),
    Case(
        "zip-only-nested-zip",
        "archive",
        "outer.zip",
        lambda: zipped({"inner.zip": zipped(AB_MEMBERS)}),
        Outcome("failed", code="no_supported_files", message_has="inner.zip"),
    ),
    Case(
        "zip-without-data-files",
        "archive",
        "notes.zip",
        lambda: zipped({"readme.md": b"# notes"}),
        Outcome("failed", code="no_supported_files"),
    ),
    # Formats: the file-level reason and a stable code on the job.
    Case("empty-file", "format", "people.csv", lambda: b"", Outcome("failed", code="empty_file")),
    Case(
        "text-named-xlsx",
        "format",
        "people.xlsx",
        lambda: csv_of("email", "a@shop.example"),
        Outcome("failed", code="invalid_xlsx"),
    ),
    Case(
        "xlsx-truncated",
        "format",
        "people.xlsx",
        lambda: truncated(xlsx_of([["email"], ["a@shop.example"]]), 0.5),
        Outcome("failed", code="invalid_xlsx"),
    ),
    Case(
        "json-truncated",
        "format",
        "people.json",
        lambda: b'[{"email": "a@shop.example"}, {"email": "b@shop',
        Outcome("failed", code="truncated"),
    ),
    Case(
        "json-object-not-array",
        "format",
        "people.json",
        lambda: b'{"email": "a@shop.example",\n "first_name": "Ann"}',
        Outcome("failed", code="not_an_array"),
    ),
    Case(
        "csv-read-as-json",
        "format",
        "people.csv",
        lambda: csv_of("email", "a@shop.example"),
        Outcome("failed", code="not_an_array"),
        {"format": "json"},
    ),
    Case(
        "xls-97",
        "format",
        "people.xls",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        Outcome("failed", code="unsupported_format"),
    ),
    Case(
        "json-element-not-object",
        "format",
        "people.json",
        lambda: b'[{"email": "a@shop.example"}, 42, {"email": "b@shop.example"}]',
        Outcome("done", {"created": 2, "rejected": 1}, report=[("", "2", "not_an_object")]),
    ),
    Case(
        "jsonl-bad-line",
        "format",
        "people.jsonl",
        lambda: b'{"email": "a@shop.example"}\n{"email": \n{"email": "b@shop.example"}\n',
        Outcome("done", {"created": 2, "rejected": 1}, report=[("", "2", "invalid_json")]),
    ),
    Case(
        "json-nested-too-deep",
        "format",
        "people.jsonl",
        lambda: b'{"email": "a@shop.example"}\n' + b'{"x": ' * 100_000 + b"1" + b"}" * 100_000 + b"\n",
        Outcome("done", {"created": 1, "rejected": 1}, report=[("", "2", "invalid_json")]),
    ),
    # Text: quotes, encodings, NULs; nothing silently corrupted, every rejected row reported.
    Case(
        "csv-unclosed-quote-to-end",
        "text",
        "people.csv",
        lambda: csv_of("email,first_name", 'a@shop.example,"Ann', "b@shop.example,Bob", "c@shop.example,Cid"),
        Outcome(
            "done",
            {"created": 2, "rejected": 1},
            report=[("", "2", "unclosed_quote")],
            profiles={"b@shop.example": {"first_name": "Bob"}, "c@shop.example": {"first_name": "Cid"}},
        ),
    ),
    Case(
        "csv-unclosed-quote-closed-later",
        "text",
        "people.csv",
        lambda: csv_of("email,first_name", 'a@shop.example,"Ann', "b@shop.example,Bob", 'c@shop.example,"Cid"'),
        Outcome(
            "done",
            {"created": 2, "rejected": 1},
            report=[("", "2", "unclosed_quote")],
            profiles={"c@shop.example": {"first_name": "Cid"}},
        ),
    ),
    Case(
        "csv-quoted-line-break-kept",
        "text",
        "people.csv",
        lambda: csv_of("email,first_name", 'a@shop.example,"Ann', 'Marie"', "b@shop.example,Bob"),
        Outcome("done", {"created": 2, "rejected": 0}, profiles={"a@shop.example": {"first_name": "Ann\nMarie"}}),
    ),
    Case(
        "utf8-one-invalid-sequence",
        "text",
        "people.csv",
        lambda: UTF8_ONE_BAD,
        Outcome(
            "done",
            {"created": 2, "rejected": 1},
            report=[("", "3", "invalid_utf8")],
            profiles={"bjorn@shop.example": {"first_name": "Bjørn"}, "zoe@shop.example": {"first_name": "Zoë"}},
        ),
    ),
    Case(
        "cp1251-detected",
        "text",
        "people.csv",
        lambda: "email,first_name\nivan@shop.example,Иван\nolga@shop.example,Ольга\n".encode("cp1251"),
        Outcome("done", {"created": 2}, profiles={"olga@shop.example": {"first_name": "Ольга"}}),
    ),
    Case(
        "cp1252-detected",
        "text",
        "people.csv",
        lambda: "email,first_name\nrene@shop.example,René\nfrancois@shop.example,François\n".encode("cp1252"),
        Outcome("done", {"created": 2}, profiles={"rene@shop.example": {"first_name": "René"}}),
    ),
    Case(
        "utf16-with-bom",
        "text",
        "people.csv",
        lambda: "email\tfirst_name\nann@shop.example\tÅsa\n".encode("utf-16"),
        Outcome("done", {"created": 1}, profiles={"ann@shop.example": {"first_name": "Åsa"}}),
    ),
    Case(
        "cp1251-read-as-given-utf8",
        "text",
        "people.csv",
        lambda: "email,first_name\nivan@shop.example,Иван\nann@shop.example,Ann\n".encode("cp1251"),
        Outcome("done", {"created": 1, "rejected": 1}, report=[("", "2", "invalid_utf8")]),
        {"encoding": "utf-8"},
    ),
    Case(
        "nul-in-header",
        "text",
        "people.csv",
        lambda: csv_of("email,first\x00name", "a@shop.example,Ann"),
        Outcome("failed", {"created": 0}, code="invalid_header", message_has="column 2"),
    ),
    Case(
        "nul-in-value",
        "text",
        "people.csv",
        lambda: NUL_VALUE,
        Outcome("done", {"created": 2, "skipped_values": 1}, report=[("", "2", "nul_character")]),
    ),
    Case(
        "nul-in-json-key",
        "text",
        "people.jsonl",
        lambda: b'{"email": "a@shop.example", "x\\u0000y": 1}\n',
        Outcome("done", {"created": 1}, message_has="x\\x00y"),
    ),
    Case(
        "duplicate-columns",
        "text",
        "people.csv",
        lambda: csv_of("email,email", "a@shop.example,b@shop.example"),
        Outcome("failed", code="duplicate_columns"),
    ),
    Case(
        "wrong-cell-count",
        "text",
        "people.csv",
        lambda: csv_of("email,first_name", "a@shop.example,Ann,extra", "b@shop.example,Bob"),
        Outcome("done", {"created": 1, "rejected": 1}, report=[("", "2", "wrong_cell_count")]),
    ),
    Case(
        "cell-of-200k-chars-in-a-long-line-field",
        "text",
        "people.csv",
        big_value_csv,
        Outcome("done", {"created": 2, "rejected": 0}, profiles={"short@shop.example": {"bio": "y"}}),
    ),
    # Options known wrong at upload: 422 naming the option, before any job or stored file.
    *(
        Case(
            case_id, "upload", "p.csv", lambda: csv_of("email,nick,mail", "a@shop.example,x,y"), Refused(at, code), opts
        )
        for case_id, opts, at, code in [
            ("match-on-non-unique", {"options": {"matching": "field:nick"}}, "options.matching", "not_unique"),
            ("match-on-unknown-field", {"options": {"matching": "field:nope"}}, "options.matching", "unknown_field"),
            ("match-profile-id-upsert", {"options": {"matching": "profile_id"}}, "options.matching", "update_only"),
            ("unknown-encoding", {"encoding": "klingon-8"}, "encoding", "unknown_encoding"),
            ("not-a-text-encoding", {"encoding": "rot13"}, "encoding", "unknown_encoding"),
            ("line-break-delimiter", {"delimiter": "\n"}, "delimiter", "invalid_delimiter"),
            ("empty-delimiter", {"delimiter": ""}, "delimiter", "invalid_delimiter"),
            ("delimiter-is-quote", {"delimiter": "'", "quotechar": "'"}, "delimiter", "invalid_delimiter"),
            ("map-to-unknown-field", {"mapping": {"mail": "emial"}}, "mapping.mail", "unknown_field"),
            ("map-to-where", {"mapping": {"mail": "$where"}}, "mapping.mail", "unknown_field"),
            ("map-to-dotted-path", {"mapping": {"mail": "fields.x"}}, "mapping.mail", "unknown_field"),
            (
                "map-to-unknown-resource",
                {"mapping": {"mail": "subscription.nope.email"}},
                "mapping.mail",
                "unknown_resource",
            ),
        ]
    ),
]


def classes() -> dict[str, int]:
    """How many cases each class holds (for the report)."""
    counted: dict[str, int] = {}
    for case in CASES:
        counted[case.kind] = counted.get(case.kind, 0) + 1
    return counted


if __name__ == "__main__":
    for kind, count in classes().items():
        print(f"{kind}: {count}")
    print(f"total: {len(CASES)}")
