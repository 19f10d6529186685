"""Stream the company register's records from its bulk file or an API page, whatever their size.

The bulk file is a ZIP holding one JSON array of records (about 1.5 GB unpacked); an API page is
`{"totalResults": n, "companies": [...]}`; an unpacked bulk file (a bare array) is read too. ijson
parses the stream a record at a time, so memory holds one chunk of records, never the file.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import ijson

MAX_RECORD_BYTES = 1 << 20  # ijson's read size; a record's own size is not bounded by it


class Unreadable(Exception):
    """The file is not the register's bulk file nor an API page; the message says why."""


@dataclass
class RegisterFile:
    """An open register file: its records as a stream, how many bytes it has, and its date."""

    name: str
    path: Path
    date: dt.date
    size: int  # bytes of JSON (unpacked), for a progress bar
    handle: IO[bytes]
    prefix: str  # ijson's path to the records: 'item' (an array) or 'companies.item' (an API page)
    _counter: "_Counting"

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def records(self) -> Iterator[object]:
        try:
            yield from ijson.items(self._counter, self.prefix, use_float=True, buf_size=64 * 1024)
        except ijson.JSONError as error:
            raise Unreadable(f"{self.name}: not valid JSON past byte {self.bytes_read}: {error}") from None
        except (zipfile.BadZipFile, EOFError, OSError) as error:  # a truncated or corrupt ZIP
            raise Unreadable(f"{self.name}: the ZIP file is damaged: {error}") from None

    def close(self) -> None:
        self.handle.close()


class _Counting(io.RawIOBase):
    """A read-through wrapper that counts the bytes read (the progress bar's position)."""

    def __init__(self, handle: IO[bytes]):
        self.handle, self.count = handle, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _first_byte(handle: IO[bytes]) -> bytes:
    """The first character that is not white space (or a UTF-8 BOM), the stream put back at its start."""
    head = handle.read(4096)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text[:1]


def open_register_file(path: Path | str, file_date: dt.date | None = None) -> RegisterFile:
    """Open the file for streaming. Its date: the given one, else the ZIP entry's, else the file's."""
    path = Path(path)
    try:
        with path.open("rb") as probe:
            magic = probe.read(4)
    except OSError as error:
        raise Unreadable(f"{path.name}: {error.strerror or error}") from None
    if magic.startswith(b"PK"):
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as error:
            raise Unreadable(f"{path.name}: not a ZIP file the register publishes ({error})") from None
        members = [info for info in archive.infolist() if not info.is_dir()]
        jsons = [info for info in members if info.filename.lower().endswith(".json")] or members
        if not jsons:
            archive.close()
            raise Unreadable(f"{path.name}: the ZIP file is empty")
        member = jsons[0]
        date = file_date or dt.date(*member.date_time[:3])
        size = member.file_size

        def reopen() -> IO[bytes]:
            return archive.open(member)
    else:
        date = file_date or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).date()
        size = path.stat().st_size
        archive = None

        def reopen() -> IO[bytes]:
            return path.open("rb")
    try:
        with reopen() as peek:
            first = _first_byte(peek)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        if archive:
            archive.close()
        raise Unreadable(f"{path.name}: cannot be read ({error})") from None
    if first not in (b"[", b"{"):
        if archive:
            archive.close()
        raise Unreadable(f"{path.name}: neither the register's bulk file (a ZIP holding a JSON array) "
                         "nor an API page (a JSON object with 'companies')")
    handle = reopen()
    if archive:  # the archive closes with its entry
        inner_close = handle.close

        def close_both() -> None:
            inner_close()
            archive.close()

        handle.close = close_both  # type: ignore[method-assign]
    return RegisterFile(name=path.name, path=path, date=date, size=size, handle=handle,
                        prefix="item" if first == b"[" else "companies.item", _counter=_Counting(handle))
