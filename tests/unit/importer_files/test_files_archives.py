"""Zip and tar.gz archives of mixed members, in name order; truncation and zip bombs are FileErrors."""

import io
import tarfile
import zipfile

import pytest

from importer_service.files import BadRow, FileError, Row

from .helpers import bad, header, read
from .test_files_xlsx import workbook

MEMBERS = {
    "b/people.csv": b"email;name\na@x.io;Ann\nb@x.io\n",
    "a.jsonl": b'{"email": "c@x.io"}\nnope\n',
    "c.xlsx": workbook(("S", [["email"], ["d@x.io"]])),
    "d.json": b'[{"email": "e@x.io"}]',
    "notes.md": b"# ignored",
    "__MACOSX/._people.csv": b"\0\5\0",
    ".hidden.csv": b"x",
    "empty.csv": b"",
}


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in reversed(members.items()):
            archive.writestr(name, data)
    return out.getvalue()


def tarred(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in reversed(members.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def summary(rows: list[Row | BadRow]) -> list[tuple[str | None, int, object]]:
    return [(r.member, r.number, r.values.get("email") if isinstance(r, Row) else r.code) for r in rows]


EXPECTED = [
    ("a.jsonl", 1, "c@x.io"),
    ("a.jsonl", 2, "invalid_json"),
    ("b/people.csv", 2, "a@x.io"),
    ("b/people.csv", 3, "b@x.io"),  # its missing last cell is empty
    ("c.xlsx", 2, "d@x.io"),
    ("d.json", 1, "e@x.io"),
]


@pytest.mark.parametrize(("name", "pack"), [("upload.zip", zipped), ("upload.tar.gz", tarred), ("u.tgz", tarred)])
@pytest.mark.parametrize("one_way", [False, True])
def test_mixed_members_in_name_order(name: str, pack: object, one_way: bool) -> None:
    data = pack(MEMBERS)  # type: ignore[operator]
    assert summary(read(name, data, one_way=one_way)) == EXPECTED
    assert header(name, data) == ["email", "name"]  # every member's columns, in order of appearance


def test_archives_are_found_by_content_too() -> None:
    assert summary(read("upload", zipped(MEMBERS))) == EXPECTED
    assert summary(read("upload.bin", tarred(MEMBERS))) == EXPECTED


@pytest.mark.parametrize(("name", "pack"), [("upload.zip", zipped), ("upload.tar.gz", tarred)])
@pytest.mark.parametrize("cut", [0.3, 0.7, 0.97])
def test_truncated_archive_is_a_file_error(name: str, pack: object, cut: float) -> None:
    data = pack({"a.csv": b"email\n" + b"".join(b"u%d@x.io\n" % i for i in range(50_000))})  # type: ignore[operator]
    with pytest.raises(FileError) as caught:
        read(name, data[: int(len(data) * cut)])
    assert "truncated or corrupt" in caught.value.message


@pytest.mark.parametrize(("name", "pack"), [("bomb.zip", zipped), ("bomb.tar.gz", tarred)])
def test_zip_bomb_is_refused(name: str, pack: object) -> None:
    data = pack({"a.csv": b"email\n" + b"x" * 5_000_000})  # type: ignore[operator]
    assert len(data) < 50_000
    with pytest.raises(FileError) as caught:
        read(name, data, max_archive_bytes=1_000_000)
    assert caught.value.code == "archive_too_large"


def test_archive_without_supported_files() -> None:
    with pytest.raises(FileError) as caught:
        read("a.zip", zipped({"readme.md": b"x"}))
    assert caught.value.code == "no_supported_files"


def test_rows_are_read_lazily_member_by_member() -> None:
    from importer_service.files import ReadOptions, read_rows

    rows = read_rows("a.zip", io.BytesIO(zipped(MEMBERS)), ReadOptions())
    assert next(rows).member == "a.jsonl"
    rows.close()  # type: ignore[attr-defined]
    assert bad(read("a.zip", zipped(MEMBERS)))[0] == (2, "invalid_json")


@pytest.mark.parametrize(("name", "pack"), [("bomb.zip", zipped), ("bomb.tar.gz", tarred)])
def test_an_archive_may_expand_only_so_many_times_its_size(name: str, pack: object) -> None:
    data = pack({"a.csv": b"email\n" + b"x" * 80_000_000})  # type: ignore[operator]
    assert len(data) < 200_000  # 80 MB from under 200 KB: far beyond what text compresses to
    with pytest.raises(FileError) as caught:
        read(name, data, max_archive_ratio=100)  # at most 100 times its size plus 64 MiB
    assert caught.value.code == "archive_too_large" and "100 times its" in caught.value.message


def test_ordinary_text_archives_are_well_within_the_ratio() -> None:
    data = zipped({"a.csv": b"email\n" + b"".join(b"user%d@shop.example\n" % i for i in range(200_000))})
    assert len(read("a.zip", data, max_archive_ratio=100)) == 200_000


def test_a_nested_archive_is_named_in_the_error() -> None:
    with pytest.raises(FileError) as caught:
        read("outer.zip", zipped({"inner.zip": zipped(MEMBERS)}))
    assert caught.value.code == "no_supported_files" and "inner.zip" in caught.value.message
