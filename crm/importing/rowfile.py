"""The row file (error_file): the rows a batch did not store as given, with their line and reason,
as a CSV an admin opens in Finnish Excel (UTF-8 with BOM, ';', no cell a spreadsheet would run as
a formula).

`row_cells` is the one place a row becomes its CSV cells, for the file the CLI writes while it
imports (reasons in English) and for the download the web streams from the database a page at a
time, its reasons in the reader's language (bounded memory whatever the batch's size, the CSV work
in a worker thread, off the event loop). A reason is one line (crm/domain/reasons.py).
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import json
from typing import Any, AsyncIterator, Iterable

from crm.domain import reasons
from crm.domain.problems import N_
from crm.importing.export import safe_cell
from crm.tables import ImportRowError

PAGE_ROWS = 5_000
LINE, REASON = N_("line"), N_("reason")


def header(headers: list[str], language: str = "en") -> list[Any]:
    columns = [LINE, REASON]
    if language != "en":  # the CLI's file (English) does without Babel and Jinja
        from crm.i18n import translate

        columns = [translate(language, name) for name in columns]
    return [*columns, *(safe_cell(name) for name in headers)]


def row_cells(line: int, reason: str, cells: Iterable[Any]) -> list[Any]:
    """One row of the file: its line in the source file, why it was not stored, its cells as written."""
    return [line, safe_cell(reasons.one_line(reason)), *(safe_cell(cell) for cell in cells)]


def _csv(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _page(rows: list[dict], language: str) -> bytes:
    from crm.i18n import reason_in

    return _csv(row_cells(row["line"], reason_in(language, row["reason"]),
                          json.loads(row["cells"]) if isinstance(row["cells"], str) else row["cells"]) for row in rows)


async def stream(batch: dict, language: str = "en") -> AsyncIterator[bytes]:
    """The batch's row file from the database: the header, then a page of rows at a time in line
    order (keyset paging on line and id, the index import_row_error_batch_line), its header's first
    two columns and each reason in `language`. The next page is read while this one is written out."""
    yield codecs.BOM_UTF8 + _csv([header(batch["headers"] or [], language)])
    pending = asyncio.ensure_future(_rows_after(batch["id"], 0, 0))
    try:
        while rows := await pending:
            pending = asyncio.ensure_future(_rows_after(batch["id"], rows[-1]["line"], rows[-1]["id"]))
            yield await asyncio.to_thread(_page, rows, language)
    finally:
        if not pending.done():  # the download was cut short
            pending.cancel()


async def _rows_after(batch_id: int, line: int, row_id: int) -> list[dict]:
    # raw SQL (portable) through Piccolo: its select() costs four times as much per row here
    return await ImportRowError.raw(
        "SELECT id, line, reason, cells FROM import_row_error WHERE import_batch = {} AND (line, id) > ({}, {}) "
        "ORDER BY line, id LIMIT {}", batch_id, line, row_id, PAGE_ROWS)
