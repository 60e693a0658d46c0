"""Telling what a file is from its name and first bytes: format, text encoding, CSV delimiter."""

import codecs
import csv
import io
import json
from typing import Literal

import charset_normalizer

from .rows import FileError, Format

Kind = Literal["csv", "json", "jsonl", "xlsx", "zip", "tgz"]

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
GZIP_MAGIC = b"\x1f\x8b"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls
TEXT_EXTENSIONS: dict[str, Kind] = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
MEMBER_EXTENSIONS = (*TEXT_EXTENSIONS, ".json", ".xlsx", ".xlsm")
ARCHIVE_EXTENSIONS: dict[str, Kind] = {".zip": "zip", ".tar.gz": "tgz", ".tgz": "tgz"}
DELIMITERS = ",;\t|"
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte encodings worth telling apart when a file is not UTF-8; anything else is read as latin-1,
# which never fails. Letting charset-normalizer choose freely gives exotic guesses on short files.
LEGACY_ENCODINGS = ["cp1251", "cp1252"]
UTF8_EVIDENCE = 2  # bad bytes one valid multi-byte character outweighs (see mostly_utf8)


def kind_of(name: str, head: bytes, fmt: Format, encoding: str | None) -> Kind:
    """The reader for a file: archives and XLSX by magic bytes or name, text formats by option, name, content."""
    if not head:
        raise FileError("empty_file", "the file is empty")
    container = container_kind(name.lower(), head)
    if container is not None:
        return container
    if fmt == "xlsx" or (fmt == "auto" and name.lower().endswith((".xlsx", ".xlsm"))):
        raise FileError(
            "invalid_xlsx",
            "the file is not an XLSX workbook: an XLSX file is a zip, and this one does not start like one",
        )
    if fmt != "auto":
        return fmt
    return text_kind(name.lower(), head, encoding)


def container_kind(name: str, head: bytes) -> Kind | None:
    if head.startswith(OLE_MAGIC):
        raise FileError("unsupported_format", "Excel 97-2003 (.xls) files are not supported: save as .xlsx")
    if head.startswith(ZIP_MAGIC):
        return "xlsx" if name.endswith((".xlsx", ".xlsm")) else "zip"
    if head.startswith(GZIP_MAGIC):
        return "tgz"
    for extension, kind in ARCHIVE_EXTENSIONS.items():
        if name.endswith(extension):
            return kind
    return None


def text_kind(name: str, head: bytes, encoding: str | None) -> Kind:
    for extension, kind in TEXT_EXTENSIONS.items():
        if name.endswith(extension):
            return kind
    text = decode_head(head, encoding or detect_encoding(head)).lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "jsonl" if first_line_is_object(text) else "json"
    if text.startswith("[") or name.endswith(".json"):
        return "json"
    return "csv"


def first_line_is_object(text: str) -> bool:
    """JSON Lines rather than one pretty-printed object: the first line alone is a JSON object."""
    try:
        return isinstance(json.loads(text.split("\n", 1)[0]), dict)
    except (ValueError, RecursionError):
        return False


def member_is_supported(name: str) -> bool:
    """Archive members that are read: supported extensions, not macOS metadata or hidden files."""
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and "__MACOSX/" not in name and base.lower().endswith(MEMBER_EXTENSIONS)


def detect_encoding(head: bytes) -> str:
    """BOM first; then UTF-8 if the head decodes as such; then cp1251/cp1252 by charset-normalizer; else latin-1."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding
    if mostly_utf8(head):
        return "utf-8"
    best = charset_normalizer.from_bytes(head, cp_isolation=LEGACY_ENCODINGS).best()
    return best.encoding if best is not None else "latin-1"


def mostly_utf8(head: bytes) -> bool:
    """UTF-8, perhaps with a few damaged bytes: their rows become BadRows (`invalid_utf8`), the rest reads right.

    The rule: UTF-8 unless the head holds bytes that are not UTF-8 and fewer than one valid multi-byte UTF-8
    character per UTF8_EVIDENCE of them. Legacy single-byte text (cp1251, cp1252) forms a valid multi-byte sequence
    only by chance (a capital letter followed by a punctuation byte), about once per hundred non-ASCII letters or
    less; a UTF-8 file with a damaged cell still has its real multi-byte characters (ø, ë, Cyrillic …). A head with
    bad bytes and no multi-byte character at all is legacy text: nothing says UTF-8.
    """
    text = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape").decode(head, final=False)
    if text.isascii():
        return True
    bad = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    multibyte = sum(1 for c in text if c > "\x7f") - bad
    return bad == 0 or multibyte * UTF8_EVIDENCE >= bad


def text_encoding(head: bytes, encoding: str | None) -> str:
    """The given or detected encoding; a given UTF-8 still drops a BOM."""
    if encoding is None:
        return detect_encoding(head)
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise FileError("unknown_encoding", f"unknown text encoding {encoding!r}") from None
    return "utf-8-sig" if name == "utf-8" and head.startswith(codecs.BOM_UTF8) else encoding


def decode_head(head: bytes, encoding: str) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    except LookupError:
        raise FileError("unknown_encoding", f"unknown text encoding {encoding!r}") from None


def detect_delimiter(sample: str, quotechar: str) -> str:
    """The candidate that splits the header into most cells and the next rows into as many; comma by default."""
    lines = sample.splitlines(keepends=True)[:51]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut short
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        widths = record_widths("".join(lines), delimiter, quotechar)
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def record_widths(sample: str, delimiter: str, quotechar: str) -> list[int]:
    try:
        return [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quotechar) if r]
    except csv.Error:
        return []
