"""Bytes to rows: encoding and delimiter detection for CSV, streaming XLSX.

Rows come out in chunks as (line, cells): `line` is where the row starts in the file
(the header is line 1), so an admin can find it; blank lines are skipped, not rows.
Nothing here loads a whole file into memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import operator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from charset_normalizer import from_bytes

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (";", ",", "\t", "|")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
MAX_FIELD_CHARS = 1_000_000

csv.field_size_limit(MAX_FIELD_CHARS)

Row = tuple[int, list[Any]]


class Unreadable(Exception):
    """The file as a whole cannot be read; the message says why, in an admin's words."""


def _utf8_else_cp1252(error: UnicodeError) -> tuple[str, int]:
    """A byte that is not UTF-8 in a file whose first part was: read it as Windows-1252, what Finnish
    Excel writes (the sample that chose UTF-8 may have held only ASCII)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("crm-utf8-else-cp1252", _utf8_else_cp1252)


@dataclass
class SourceFile:
    path: Path
    format: str  # "csv" or "xlsx"
    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    _skip: int = field(default=0, repr=False)

    def rows(self) -> Iterator[Row]:
        return _csv_rows(self) if self.format == "csv" else _xlsx_rows(self)

    def chunks(self, size: int) -> Iterator[list[Row]]:
        rows = self.rows()
        while chunk := list(itertools.islice(rows, size)):
            yield chunk


def open_source(path: Path | str, *, sheet: str | None = None) -> SourceFile:
    """Detect the format (and encoding, delimiter or sheet) and read the header row."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip():
        raise Unreadable("The file is empty")
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("This is an old Excel (.xls) file: save it as .xlsx or CSV and try again")
    if path.suffix.lower() in XLSX_SUFFIXES:
        raise Unreadable("The file is named .xlsx but is not an Excel workbook")
    return _open_csv(path, head)


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in head:
        try:
            head.decode("cp1252")
            return "cp1252"  # what Finnish Excel writes when it is not told otherwise
        except UnicodeDecodeError:
            pass
    best = from_bytes(head).best()
    if best is None:
        raise Unreadable("The file is not text that can be read (is it a spreadsheet or a binary file?)")
    return best.encoding


def _looks_binary(text: str) -> bool:
    controls = sum(1 for char in text if char < " " and char not in "\t\r\n")
    return controls > max(8, len(text) // 100)


def detect_delimiter(sample: str) -> str:
    """The candidate that splits the first records into the same, largest number of fields."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        lines = io.StringIO(sample, newline="")  # '\r' alone ends a line too, as when the file is read
        try:
            records = list(itertools.islice(csv.reader(lines, delimiter=delimiter), 50))
        except csv.Error:
            continue
        records = [record for record in records if record]
        if len(records) > 1:
            records = records[:-1]  # the sample may cut the last record short
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        score = (sum(1 for record in records if len(record) == width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _open_csv(path: Path, head: bytes) -> SourceFile:
    encoding = detect_encoding(head)
    sample = head.decode(encoding, errors="ignore")
    if _looks_binary(sample):
        raise Unreadable("The file holds binary data, not a CSV table")
    source = SourceFile(path=path, format="csv", headers=[], encoding=encoding, delimiter=detect_delimiter(sample))
    for line, cells in _csv_records(source):
        if any(str(cell).strip() for cell in cells):
            source.headers = [str(cell).strip() for cell in cells]
            source._skip = line
            return source
    raise Unreadable("The file is empty")


def _csv_records(source: SourceFile) -> Iterator[Row]:
    errors = "crm-utf8-else-cp1252" if source.encoding in ("utf-8", "utf-8-sig") else "replace"
    with source.path.open("r", encoding=source.encoding, errors=errors, newline="") as handle:
        # NUL bytes go before parsing: PostgreSQL text cannot hold them, so neither engine keeps them.
        reader = csv.reader(map(_without_nul, handle), delimiter=source.delimiter or ",")
        start = 1
        try:
            for cells in reader:
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as error:
            raise Unreadable(f"Line {start}: {error}") from None


_without_nul = operator.methodcaller("replace", "\x00", "")


def _csv_rows(source: SourceFile) -> Iterator[Row]:
    skip = source._skip
    for line, cells in _csv_records(source):
        if line > skip and "".join(cells).strip():
            yield line, cells


@contextmanager
def _workbook(path: Path, **options: Any) -> Iterator[Any]:
    """An openpyxl workbook in read-only mode. It gets a file object, not the name: openpyxl refuses
    names that do not end in .xlsx, and the content, not the name, says what a file is."""
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, **options)
        except Exception as error:  # a zip that is not a workbook fails in many ways
            raise Unreadable(f"The Excel file cannot be opened ({type(error).__name__}: {error})") from None
        try:
            yield workbook
        finally:
            workbook.close()


def _open_xlsx(path: Path, sheet: str | None) -> SourceFile:
    with _workbook(path, data_only=True) as workbook:
        name = sheet or workbook.sheetnames[0]
        if name not in workbook.sheetnames:
            raise Unreadable(f"The workbook has no sheet '{name}' (it has: {', '.join(workbook.sheetnames)})")
        for number, cells in _sheet_rows(workbook[name]):
            if any(_blank(cell) is False for cell in cells):
                headers = [str(cell if cell is not None else "").strip() for cell in cells]
                return SourceFile(path=path, format="xlsx", headers=headers, sheet=name, _skip=number)
    raise Unreadable(f"The sheet '{name}' is empty")


def _sheet_rows(worksheet: Any) -> Iterator[Row]:
    number = 0
    try:
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except Exception as error:  # broken XML inside the workbook
        raise Unreadable(f"The Excel file cannot be read after row {number} ({type(error).__name__})") from None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _xlsx_rows(source: SourceFile) -> Iterator[Row]:
    with _workbook(source.path, data_only=True) as workbook:
        for number, cells in _sheet_rows(workbook[source.sheet]):
            if number <= source._skip or all(_blank(cell) for cell in cells):
                continue
            yield number, cells


def estimate_rows(source: SourceFile) -> int | None:
    """About how many data rows the file holds (for a progress bar), without parsing it."""
    if source.format == "xlsx":
        with _workbook(source.path) as workbook:
            rows = workbook[source.sheet].max_row
        return max(rows - source._skip, 0) if rows else None
    encoding = {"utf-8-sig": "utf-8"}.get(source.encoding or "utf-8", source.encoding or "utf-8")  # no BOM
    with source.path.open("rb") as handle:
        if encoding == "utf-16":  # the BOM says which byte order
            encoding = "utf-16-be" if handle.read(2) == codecs.BOM_UTF16_BE else "utf-16-le"
            handle.seek(0)
        line_feed, carriage_return = "\n".encode(encoding), "\r".encode(encoding)
        feeds = returns = 0
        while block := handle.read(1 << 20):
            feeds += block.count(line_feed)
            returns += block.count(carriage_return)
    return max(max(feeds, returns) - source._skip + 1, 0)  # CR alone ends lines in old Mac files
