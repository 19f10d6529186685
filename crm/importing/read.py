"""Bytes to rows: encoding and delimiter detection for CSV, streaming XLSX.

Rows come out in chunks as (line, cells): `line` is where the row starts in the file
(the header is line 1), so an admin can find it; blank lines are skipped, not rows.
Nothing here loads a whole file into memory, and every limit is checked before the work it bounds:
an .xlsx is refused from its zip directory when it unpacks to more than a workbook would (a zip
bomb); its shared strings are parsed only as far as the cells read so far need them, and past a
budget they wait in a temporary file; its rows are counted from the data, never from the sheet's
declared dimension. A CSV line, a cell and a row's columns are bounded too. An encoding the sample
does not settle is never guessed: EncodingUnclear names the candidates, and the caller chooses.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import tempfile
import zipfile
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from xml.etree import ElementTree

from charset_normalizer import from_bytes

from crm.domain.problems import N_, rule_message

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (";", ",", "\t", "|")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
MAX_FIELD_CHARS = 1_000_000  # one cell
MAX_LINE_CHARS = 2 * MAX_FIELD_CHARS  # one physical line of a CSV file
MAX_COLUMNS = 1_000  # a row's cells (a mapping page of more is no use to anyone)
ESTIMATE_SAMPLE_BYTES = 8 * 2**20  # the row estimate reads this much and scales it by the size
MAX_ENCODING_CANDIDATES = 4

# An .xlsx is a zip: its directory declares each part's unpacked size, and zipfile stops reading a
# part there, so these are checked before anything is unpacked.
XLSX_MAX_UNPACKED_BYTES = 4 * 2**30  # the whole workbook
XLSX_MAX_SHARED_STRINGS_BYTES = 512 * 2**20  # parsed lazily, spilled to disk past the budget below
XLSX_MAX_PART_BYTES = 64 * 2**20  # parts openpyxl reads whole: workbook, styles, theme ...
XLSX_MAX_RATIO = 100  # unpacked / packed; Apache POI's default limit (its minimum inflate ratio 0.01)
XLSX_RATIO_FROM_BYTES = 2**20  # a small part may compress as it likes
XLSX_MAX_PARTS = 10_000
SHARED_STRINGS_IN_MEMORY = 32 * 2**20  # characters of shared strings kept in memory; the rest on disk
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

csv.field_size_limit(MAX_FIELD_CHARS)

Row = tuple[int, list[Any]]


EMPTY = N_("The file is empty")
CANNOT_OPEN = N_("The Excel file cannot be opened (%(error)s)")


class Unreadable(Exception):
    """The file as a whole cannot be read; the message says why, in an admin's words: a Message
    (crm/domain/problems.py) the web shows in the reader's language and the CLI in English."""

    @property
    def message(self) -> str:
        return self.args[0] if self.args else ""


class EncodingUnclear(Unreadable):
    """The sample does not settle the file's encoding: these candidates read it differently."""

    def __init__(self, candidates: list[str]):
        self.candidates = candidates
        super().__init__(rule_message("The file's encoding is not clear: it could be %(candidates)s",
                                      candidates=", ".join(candidates)))


def _utf8_else_cp1252(error: UnicodeError) -> tuple[str, int]:
    """A byte that is not UTF-8 in a file whose first part was: read it as Windows-1252, what Finnish
    Excel writes (the sample that chose UTF-8 may have held only ASCII)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("crm-utf8-else-cp1252", _utf8_else_cp1252)


def _errors_for(encoding: str) -> str:
    return "crm-utf8-else-cp1252" if encoding in ("utf-8", "utf-8-sig") else "replace"


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

    def first_rows(self, count: int) -> list[Row]:
        """The first data rows (a row that cannot be read among them raises Unreadable now)."""
        rows = self.rows()
        try:
            return list(itertools.islice(rows, count))
        finally:
            rows.close()


def open_source(path: Path | str, *, sheet: str | None = None, encoding: str | None = None) -> SourceFile:
    """Detect the format (and encoding, delimiter or sheet) and read the header row. A CSV file's
    encoding, when given, is used as it is; otherwise EncodingUnclear when the sample does not settle it."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip():
        raise Unreadable(rule_message(EMPTY))
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable(rule_message("This is an old Excel (.xls) file: save it as .xlsx or CSV and try again"))
    if path.suffix.lower() in XLSX_SUFFIXES:
        raise Unreadable(rule_message("The file is named .xlsx but is not an Excel workbook"))
    return _open_csv(path, head, encoding)


# A well-formed UTF-8 sequence of two to four bytes: in a file that is not UTF-8 throughout, a sign
# that it mixes encodings (or is UTF-8 read twice), which no single 8-bit reading gets right.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def detect_encoding(head: bytes) -> str:
    """The encoding the sample settles: a BOM, UTF-8 (a later byte that is not UTF-8 is read as
    Windows-1252), or Windows-1252 (what Finnish Excel writes). Anything else (bytes Windows-1252
    does not define, UTF-8 sequences mixed with other bytes, NUL bytes without a BOM) raises
    EncodingUnclear with the candidates, or Unreadable when no candidate reads it as text."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in head and not _UTF8_SEQUENCE.search(head):
        try:
            head.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    candidates = encoding_candidates(head)
    if not candidates:
        raise Unreadable(rule_message("The file is not text that can be read (is it a spreadsheet or a binary file?)"))
    raise EncodingUnclear(candidates)


def encoding_candidates(head: bytes) -> list[str]:
    """Encodings that read the sample as text, most likely first: UTF-8 (with Windows-1252 for the
    other bytes) when the sample holds UTF-8 sequences, Windows-1252, then charset_normalizer's guesses."""
    found: list[str] = []
    if _UTF8_SEQUENCE.search(head):
        found.append("utf-8")
    if b"\x00" not in head:
        found.append("cp1252")
    for match in from_bytes(head):
        found.append(match.encoding)
    candidates, seen = [], set()
    for encoding in found:
        name = codecs.lookup(encoding).name
        if name not in seen and not _looks_binary(head.decode(encoding, errors=_errors_for(encoding))):
            seen.add(name)
            candidates.append(encoding)
    return candidates[:MAX_ENCODING_CANDIDATES]


def encoding_choices(path: Path | str, lines: int = 5) -> list[tuple[str, list[tuple[int, str]]]]:
    """Each candidate encoding with the file's first line and its first lines holding other than
    ASCII (line number, text), as that encoding reads them: what an admin compares to choose."""
    with Path(path).open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    candidates = encoding_candidates(head)
    if not candidates:
        return []
    cut = len(head) == SAMPLE_BYTES  # the sample may end inside a line
    texts = {encoding: head.decode(encoding, errors=_errors_for(encoding)).splitlines()[:-1 if cut else None] or [""]
             for encoding in candidates}
    first = texts[candidates[0]]
    wanted = [0] + [number for number, line in enumerate(first) if number and not line.isascii()][:lines]
    return [(encoding, [(number + 1, texts[encoding][number][:200]) for number in wanted
                        if number < len(texts[encoding])]) for encoding in candidates]


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


def _open_csv(path: Path, head: bytes, encoding: str | None) -> SourceFile:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise Unreadable(rule_message("Unknown encoding '%(value)s'", value=encoding)) from None
    else:
        encoding = detect_encoding(head)
    sample = head.decode(encoding, errors="ignore")
    if _looks_binary(sample):
        raise Unreadable(rule_message("The file holds binary data, not a CSV table"))
    source = SourceFile(path=path, format="csv", headers=[], encoding=encoding, delimiter=detect_delimiter(sample))
    for line, cells in _csv_records(source):
        if any(str(cell).strip() for cell in cells):
            source.headers = [str(cell).strip() for cell in cells]
            source._skip = line
            return source
    raise Unreadable(rule_message(EMPTY))


class _LineTooLong(Exception):
    pass


def _lines(handle) -> Iterator[str]:
    """The file's lines without NUL bytes (PostgreSQL text cannot hold them, so neither engine keeps
    them); a line longer than MAX_LINE_CHARS stops the reading before it is held whole."""
    readline = handle.readline
    while line := readline(MAX_LINE_CHARS):
        if len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise _LineTooLong
        yield line.replace("\x00", "")


def _csv_records(source: SourceFile) -> Iterator[Row]:
    with source.path.open("r", encoding=source.encoding, errors=_errors_for(source.encoding or ""),
                          newline="") as handle:
        reader = csv.reader(_lines(handle), delimiter=source.delimiter or ",")
        start = 1
        try:
            for cells in reader:
                if len(cells) > MAX_COLUMNS:
                    raise Unreadable(rule_message("Line %(line)s has %(count)s columns; at most %(limit)s can be read",
                                                  line=start, count=len(cells), limit=MAX_COLUMNS))
                yield start, cells
                start = reader.line_num + 1
        except csv.Error as error:
            raise Unreadable(rule_message("Line %(line)s: %(error)s", line=start, error=str(error))) from None
        except _LineTooLong:
            raise Unreadable(rule_message(
                "Line %(line)s is longer than %(limit)s characters: no cell of a table is that long",
                line=reader.line_num + 1, limit=MAX_LINE_CHARS)) from None


def _csv_rows(source: SourceFile) -> Iterator[Row]:
    skip = source._skip
    for line, cells in _csv_records(source):
        if line > skip and "".join(cells).strip():
            yield line, cells


# --- xlsx -------------------------------------------------------------------------------------


def _megabytes(size: int) -> int:
    return -(-size // 2**20)


def check_workbook(path: Path) -> None:
    """Refuse a workbook from its zip directory, before anything is unpacked, when it unpacks to
    more than a workbook would: in all, per part, or packed more tightly than real data packs."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > XLSX_MAX_PARTS:
                raise Unreadable(rule_message("The Excel file has more than %(limit)s parts", limit=XLSX_MAX_PARTS))
            total = sum(part.file_size for part in parts)
            if total > XLSX_MAX_UNPACKED_BYTES:
                raise Unreadable(rule_message(
                    "The Excel file unpacks to %(size)s MB, more than the %(limit)s MB a workbook may hold",
                    size=_megabytes(total), limit=_megabytes(XLSX_MAX_UNPACKED_BYTES)))
            for part in parts:
                if part.file_size > XLSX_RATIO_FROM_BYTES and part.file_size > XLSX_MAX_RATIO * part.compress_size:
                    raise Unreadable(rule_message(
                        "Part %(part)s of the Excel file unpacks to %(ratio)s times its packed size, which no "
                        "real workbook does (a zip bomb?)",
                        part=part.filename[:100], ratio=part.file_size // max(part.compress_size, 1)))
            types = _content_types(archive)
            for part in parts:
                kind = types.get(part.filename.lower())
                limit = (None if kind == WORKSHEET_TYPE  # read as a stream
                         else XLSX_MAX_SHARED_STRINGS_BYTES if kind == SHARED_STRINGS_TYPE else XLSX_MAX_PART_BYTES)
                if limit is not None and part.file_size > limit:
                    raise Unreadable(rule_message(
                        "Part %(part)s of the Excel file unpacks to %(size)s MB, more than the limit of %(limit)s MB",
                        part=part.filename[:100], size=_megabytes(part.file_size), limit=_megabytes(limit)))
    except zipfile.BadZipFile as error:
        raise Unreadable(rule_message(CANNOT_OPEN, error=f"BadZipFile: {error}")) from None


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name (lower-case, without the leading slash) -> content type, from [Content_Types].xml."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return {}  # openpyxl refuses it with its own reason
    if info.file_size > XLSX_MAX_PART_BYTES:
        return {}  # the size check refuses it
    try:
        root = ElementTree.fromstring(archive.read(info))
    except ElementTree.ParseError:
        return {}
    return {element.get("PartName", "").lstrip("/").lower(): element.get("ContentType", "")
            for element in root if element.tag.endswith("Override")}


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class _SharedStrings:
    """A workbook's shared strings, parsed only as far as the cells read so far need them (a sheet
    refers to them mostly in the order they are written), the first SHARED_STRINGS_IN_MEMORY
    characters held in memory and the rest in a temporary file: a big table is never held whole.
    openpyxl's sheet parser looks cells up here by index."""

    def __init__(self, archive: zipfile.ZipFile, name: str):
        self._source = archive.open(name)
        self._parsed = self._parse()
        self._memory: list[str] = []
        self._memory_chars = 0
        self._count = 0
        self._spill = None
        self._spill_dirty = False
        self._offsets = array("q", [0])
        self._last: tuple[int, str] = (-1, "")

    def _parse(self) -> Iterator[str]:
        root = None
        item, text_tag, run_tag = f"{_SHEET_NS}si", f"{_SHEET_NS}t", f"{_SHEET_NS}r"
        for event, element in ElementTree.iterparse(self._source, events=("start", "end")):
            if root is None:
                root = element
            elif event == "end" and element.tag == item:
                # as openpyxl reads it: the plain text and the rich-text runs, not the phonetic ones
                parts = [node.text or "" for node in element.findall(text_tag)]
                parts += [run.findtext(text_tag) or "" for run in element.findall(run_tag)]
                yield "".join(parts).replace("x005F_", "")
                root.clear()  # a cleared element would stay in its parent otherwise

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        if index == self._last[0]:
            return self._last[1]
        while index >= self._count:
            try:
                text = next(self._parsed)
            except StopIteration:
                raise IndexError(index) from None
            self._add(text)
            self._last = (self._count - 1, text)
        if index < len(self._memory):
            return self._memory[index]
        return self._from_disk(index - len(self._memory))

    def _add(self, text: str) -> None:
        if len(text) > MAX_FIELD_CHARS:
            raise Unreadable(rule_message("A cell of the Excel file holds more than %(limit)s characters",
                                          limit=MAX_FIELD_CHARS))
        if self._spill is None and self._memory_chars + len(text) <= SHARED_STRINGS_IN_MEMORY:
            self._memory.append(text)
            self._memory_chars += len(text)
        else:
            if self._spill is None:
                self._spill = tempfile.TemporaryFile()
            data = text.encode("utf-8")
            self._spill.write(data)
            self._spill_dirty = True
            self._offsets.append(self._offsets[-1] + len(data))
        self._count += 1

    def _from_disk(self, position: int) -> str:
        if self._spill_dirty:
            self._spill.flush()
            self._spill_dirty = False
        start, end = self._offsets[position], self._offsets[position + 1]
        return os.pread(self._spill.fileno(), end - start, start).decode("utf-8")

    def close(self) -> None:
        self._parsed.close()
        self._source.close()
        if self._spill is not None:
            self._spill.close()


def _load_workbook(handle) -> tuple[Any, _SharedStrings | None]:
    """openpyxl in read-only mode, but with shared strings read lazily instead of all at once."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class Reader(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                self.shared_strings = _SharedStrings(self.archive, part.PartName[1:])

    reader = Reader(handle, read_only=True, data_only=True, keep_links=False)
    try:
        reader.read()
    except BaseException:
        reader.archive.close()
        if isinstance(reader.shared_strings, _SharedStrings):
            reader.shared_strings.close()
        raise
    strings = reader.shared_strings
    return reader.wb, strings if isinstance(strings, _SharedStrings) else None


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """An openpyxl workbook in read-only mode, opened only after check_workbook. It gets a file
    object, not the name: openpyxl refuses names that do not end in .xlsx, and the content, not
    the name, says what a file is."""
    check_workbook(path)
    with path.open("rb") as handle:
        try:
            workbook, strings = _load_workbook(handle)
        except Unreadable:
            raise
        except Exception as error:  # a zip that is not a workbook fails in many ways
            raise Unreadable(rule_message(CANNOT_OPEN, error=f"{type(error).__name__}: {error}")) from None
        try:
            yield workbook
        finally:
            workbook.close()
            if strings is not None:
                strings.close()


def _worksheet(workbook: Any, name: str) -> Any:
    if name not in workbook.sheetnames:
        raise Unreadable(rule_message("The workbook has no sheet '%(name)s' (it has: %(sheets)s)", name=name,
                                      sheets=", ".join(workbook.sheetnames)))
    worksheet = workbook[name]
    if not hasattr(worksheet, "reset_dimensions"):
        raise Unreadable(rule_message("The sheet '%(name)s' holds no table (is it a chart?)", name=name))
    worksheet.reset_dimensions()  # rows are counted from the data, never from the declared size
    return worksheet


def _open_xlsx(path: Path, sheet: str | None) -> SourceFile:
    with _workbook(path) as workbook:
        name = sheet or workbook.sheetnames[0]
        for number, cells in _sheet_rows(_worksheet(workbook, name)):
            if any(_blank(cell) is False for cell in cells):
                headers = [str(cell if cell is not None else "").strip() for cell in cells]
                return SourceFile(path=path, format="xlsx", headers=headers, sheet=name, _skip=number)
    raise Unreadable(rule_message("The sheet '%(name)s' is empty", name=name))


def _sheet_rows(worksheet: Any) -> Iterator[Row]:
    number = 0
    try:
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if len(cells) > MAX_COLUMNS:
                cells = _without_trailing_blanks(cells)
                if len(cells) > MAX_COLUMNS:
                    raise Unreadable(rule_message("Row %(line)s has %(count)s columns; at most %(limit)s can be read",
                                                  line=number, count=len(cells), limit=MAX_COLUMNS))
            for cell in cells:
                if type(cell) is str and len(cell) > MAX_FIELD_CHARS:
                    raise Unreadable(rule_message("Row %(line)s: a cell holds more than %(limit)s characters",
                                                  line=number, limit=MAX_FIELD_CHARS))
            yield number, list(cells)
    except Unreadable:
        raise
    except Exception as error:  # broken XML inside the workbook
        raise Unreadable(rule_message("The Excel file cannot be read after row %(line)s (%(error)s)", line=number,
                                     error=type(error).__name__)) from None


def _without_trailing_blanks(cells: tuple) -> tuple:
    end = len(cells)
    while end and _blank(cells[end - 1]):
        end -= 1
    return cells[:end]


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _xlsx_rows(source: SourceFile) -> Iterator[Row]:
    with _workbook(source.path) as workbook:
        for number, cells in _sheet_rows(_worksheet(workbook, source.sheet)):
            if number <= source._skip or all(_blank(cell) for cell in cells):
                continue
            yield number, cells


# --- the row estimate (a progress bar's total) -------------------------------------------------


def estimate_rows(source: SourceFile) -> int | None:
    """About how many data rows the file holds, without parsing it: rows in the first
    ESTIMATE_SAMPLE_BYTES scaled by the file's size (exact for a file that short)."""
    if source.format == "xlsx":
        return _xlsx_estimate(source)
    encoding = {"utf-8-sig": "utf-8"}.get(source.encoding or "utf-8", source.encoding or "utf-8")  # no BOM
    size = source.path.stat().st_size
    with source.path.open("rb") as handle:
        if encoding == "utf-16":  # the BOM says which byte order
            encoding = "utf-16-be" if handle.read(2) == codecs.BOM_UTF16_BE else "utf-16-le"
            handle.seek(0)
        line_feed, carriage_return = "\n".encode(encoding), "\r".encode(encoding)
        feeds = returns = read = 0
        while read < ESTIMATE_SAMPLE_BYTES and (block := handle.read(1 << 20)):
            read += len(block)
            feeds += block.count(line_feed)
            returns += block.count(carriage_return)
    lines = max(feeds, returns)  # CR alone ends lines in old Mac files
    if read < size:
        return max(round(lines * size / read) - source._skip, 0)
    return max(lines - source._skip + 1, 0)


_ROW_END = re.compile(rb"</(?:\w{1,10}:)?row>|<(?:\w{1,10}:)?row\b[^>]*/>")


def _xlsx_estimate(source: SourceFile) -> int | None:
    with _workbook(source.path) as workbook:
        part = _worksheet(workbook, source.sheet)._worksheet_path  # openpyxl's name for the sheet's part
        archive = workbook._archive
        size = archive.getinfo(part).file_size
        rows = read = 0
        tail = b""
        with archive.open(part) as stream:
            while read < ESTIMATE_SAMPLE_BYTES and (block := stream.read(1 << 20)):
                read += len(block)
                text = tail + block
                rows += sum(1 for match in _ROW_END.finditer(text) if match.end() > len(tail))
                tail = text[-32:]
    if not read:
        return None
    if read < size:
        rows = round(rows * size / read)
    return max(rows - source._skip, 0)
