"""Zip and tar.gz archives: their supported member files in name order, every byte paid from a Budget."""

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from .detect import ARCHIVE_EXTENSIONS, member_is_supported
from .rows import FileError
from .source import Budget, Metered, spooled

# What zipfile, gzip and tarfile raise on a cut-off or damaged archive (RuntimeError: an encrypted zip member,
# NotImplementedError: a compression method Python lacks).
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, tarfile.TarError)
XLSX_PARTS = {"[Content_Types].xml", "xl/workbook.xml"}


@contextmanager
def damaged_archive(kind: str) -> Iterator[None]:
    """Turn errors met anywhere while reading an archive or its members into FileError."""
    try:
        yield
    except FileError:
        raise
    except DAMAGED as exc:
        raise FileError("invalid_archive", f"truncated or corrupt {kind} archive: {exc or type(exc).__name__}") from exc


def is_xlsx(file: BinaryIO) -> bool:
    """A zip that is really a workbook (an .xlsx uploaded under another name)."""
    with damaged_archive("zip"):
        names = set(zipfile.ZipFile(file).namelist())
    file.seek(0)
    return names >= XLSX_PARTS


def zip_members(file: BinaryIO, budget: Budget) -> Iterator[tuple[str, BinaryIO]]:
    """Supported member files of a zip, in name order, as streams metered against the budget."""
    archive = zipfile.ZipFile(file)
    files = [i for i in archive.infolist() if not i.is_dir()]
    infos = sorted((i for i in files if member_is_supported(i.filename)), key=lambda i: i.filename)
    budget.check_declared(sum(i.file_size for i in infos))  # zipfile stops at the declared sizes: a true bound
    no_supported_files(infos, [i.filename for i in files])
    for info in infos:
        with archive.open(info) as member:
            yield info.filename, io.BufferedReader(Metered(member, budget))  # type: ignore[arg-type]


def tar_members(stream: BinaryIO, budget: Budget) -> Iterator[tuple[str, BinaryIO]]:
    """Supported member files of a tar.gz, in name order.

    The tar is decompressed once into a spooled file (disk beyond 16 MiB) so members can be taken in name order
    without decompressing the archive again for each one; the budget bounds that copy.
    """
    with spooled(gzip.GzipFile(fileobj=stream), budget) as tar_file, tarfile.open(fileobj=tar_file, mode="r:") as tar:
        files = [m for m in tar.getmembers() if m.isfile()]
        members = sorted((m for m in files if member_is_supported(m.name)), key=lambda m: m.name)
        no_supported_files(members, [m.name for m in files])
        for info in members:
            member = tar.extractfile(info)
            if member is not None:
                with member:
                    yield info.name, member  # type: ignore[misc]


def no_supported_files(members: list[zipfile.ZipInfo] | list[tarfile.TarInfo], names: list[str]) -> None:
    if members:
        return
    message = "the archive holds no CSV, TXT, JSON, JSON Lines or XLSX file"
    nested = [n for n in names if n.lower().endswith(tuple(ARCHIVE_EXTENSIONS))]
    if nested:
        message += f"; archives inside archives are not read: {', '.join(sorted(nested)[:5])}"
    elif names:
        message += f"; it holds {', '.join(sorted(names)[:5])}" + (" …" if len(names) > 5 else "")
    raise FileError("no_supported_files", message)
