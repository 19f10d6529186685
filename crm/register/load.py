"""`crm ytj load`: apply the company register's records to the companies with the same Business ID
(SPEC §11), and with `add_municipalities` add the municipality's companies the record lacks.

All or nothing, like an import (crm/importing/load.py): on PostgreSQL one transaction; on SQLite a
transaction per chunk, and a load that breaks off midway is undone by its own revert data. The load is
an import batch of kind 'register', so `crm import revert` undoes it: it restores the prior values
of the companies it updated (kept in import_change) and removes the companies it added. The
register wins for the fields it holds (crm/domain/register.py); a field it leaves blank keeps the
local value. Every company it changes gets an audit event made by 'register', naming the file and
its date. A company the register alone brought is held by no department (a company_source row
'register' without a department), so the study counts it in served_by["0"].
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import time
from contextlib import aclosing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from crm import db, search
from crm.domain import reasons
from crm.domain.names import company_search_text, name_key
from crm.domain.register import HELD_FIELDS, RegisterRecord, map_record, merged_other_names
from crm.importing import heartbeat
from crm.importing.batches import fail
from crm.importing.prepare import _ahead, few_collections
from crm.register.read import RegisterFile, Unreadable, open_register_file
from crm.services import audit, tallies
from crm.tables import ImportBatch

KIND = "register"
ACTOR = "register"
CHUNK = 5_000
PROCESS_MIN_BYTES = 20 << 20  # files of about 10,000 records or more are read in a second process
COUNTED_FIELDS = ("industry_code", "industry_classification", "municipality_code")  # what the study counts by
STORED_COLUMNS = ", ".join(["id", "business_id", *HELD_FIELDS, "name_key", "search_text", "register_data",
                            "register_date", "updated_at", "updated_by"])
INSERT_COLUMNS = ["id", "business_id", *HELD_FIELDS, "name_key", "search_text", "register_data", "register_date",
                  "created_at", "updated_at", "created_by", "updated_by", "import_batch",
                  "study_mask", "study_section", "study_place"]
NEW_COMPANY = {name: "" for name in HELD_FIELDS} | {"country": "FI", "status": "active"}
Progress = Callable[[int, int, int], None]  # (bytes read, bytes in all, records read)


class RegisterRefused(Exception):
    """The file is refused whole; nothing was written. The message says why."""


@dataclass
class RegisterSummary:
    batch_id: int | None
    file: str
    file_date: str
    companies_in_file: int = 0
    matched: int = 0
    updated: int = 0
    unchanged: int = 0
    added: int = 0
    ceased: int = 0  # of the matched and added, how many the register marks ceased
    newly_ceased: int = 0  # of those, how many this load marked ceased
    invalid: int = 0  # records without a valid Business ID (listed with the batch's row errors)
    duplicates_in_file: int = 0
    add_municipalities: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


class _Seen:
    """Business IDs already read from this file: one bit per 7-digit number (1.25 MB for them all)."""

    def __init__(self) -> None:
        self.bits = bytearray(10_000_000 // 8 + 1)

    def first_time(self, business_id: str) -> bool:
        number = int(business_id[:7])
        byte, mask = number >> 3, 1 << (number & 7)
        if self.bits[byte] & mask:
            return False
        self.bits[byte] |= mask
        return True


@dataclass
class _Chunk:
    records: list[RegisterRecord]
    read: int  # records in the file this chunk covers
    invalid: list[tuple[int, str, str]]  # (record number, reason, Business ID as written)
    duplicates: int
    bytes_read: int


def _read_chunk(source: RegisterFile, records: Iterator[Any], seen: _Seen, start: int, size: int) -> _Chunk | None:
    """The next records of the file, mapped (runs in a worker thread: parsing is CPU work)."""
    chunk = _Chunk([], 0, [], 0, 0)
    for raw in records:
        chunk.read += 1
        try:
            record = map_record(raw)
        except ValueError as error:
            written = raw.get("businessId") if isinstance(raw, dict) else None
            written = written.get("value") if isinstance(written, dict) else written
            chunk.invalid.append((start + chunk.read, str(error), str(written or '')[:40]))  # a Message pickles whole
        else:
            if seen.first_time(record.business_id):
                chunk.records.append(record)
            else:
                chunk.duplicates += 1
        if chunk.read >= size:
            break
    chunk.bytes_read = source.bytes_read
    return chunk if chunk.read else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _json(value: Any) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _bound_date(context: _Context):
    """The file's date as a bulk write binds it (SQLite: text)."""
    return context.file_date.isoformat() if db.is_sqlite() else context.file_date


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


async def load_register(
    path: Path | str,
    *,
    add_municipalities: Iterable[str] = (),
    file_date: dt.date | None = None,
    actor_id: int | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
) -> RegisterSummary:
    started = time.perf_counter()
    path = Path(path)
    municipalities = sorted({code.strip().zfill(3) for code in add_municipalities if code.strip()})
    for code in municipalities:
        if not (code.isdigit() and len(code) == 3):
            raise RegisterRefused(f"Municipality code '{code}' is not three digits (Espoo is 049)")
    try:
        source = await asyncio.to_thread(open_register_file, path, file_date)
    except Unreadable as error:
        raise RegisterRefused(str(error)) from None
    summary = RegisterSummary(batch_id=None, file=path.name, file_date=source.date.isoformat(),
                              add_municipalities=municipalities)
    now = dt.datetime.now(dt.timezone.utc)
    batch = ImportBatch(kind=KIND, file_name=path.name, file_sha256=await asyncio.to_thread(_sha256, path),
                        user=actor_id, department=None, started_at=now,
                        mapping={"file_date": summary.file_date, "add_municipalities": municipalities})
    await batch.save()
    summary.batch_id = batch.id
    context = _Context(batch_id=batch.id, now=now, file=path.name, file_date=source.date,
                       municipalities=set(municipalities), actor_id=actor_id)
    try:
        # SQLite: the chunks in turns of their own transaction (db.LongWriter); PostgreSQL: this one
        # around them all. Other processes see it alive while it beats (crm/importing/heartbeat.py)
        async with heartbeat.beating(f"batch-{batch.id}"), \
                contextlib.nullcontext() if db.is_sqlite() else db.write_transaction(), db.LongWriter() as writer:
            await _load_all(source, context, summary, progress, chunk_size, writer)
            if summary.companies_in_file == 0:
                raise RegisterRefused(f"{path.name}: the file holds no company records")
            async with db.write_transaction():
                await _finish(summary, context)
    except BaseException as error:
        await fail(batch.id, f"{type(error).__name__}: {error}"[:1500], now)
        if isinstance(error, Unreadable):
            raise RegisterRefused(str(error)) from None
        raise
    finally:
        source.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


@dataclass
class _Context:
    batch_id: int
    now: dt.datetime
    file: str
    file_date: dt.date
    municipalities: set[str]
    actor_id: int | None
    dated: list[int] = field(default_factory=list)  # unchanged companies, now known as of the file's date

    @property
    def stamp(self):
        return db.timestamp(self.now)


async def _load_all(source: RegisterFile, context: _Context, summary: RegisterSummary,
                    progress: Progress | None, chunk_size: int, writer: db.LongWriter) -> None:
    """Apply each chunk while the next one is parsed and mapped: in a second process for a big file
    (parsing is CPU work, and the driver holds Python's lock while it binds values), else in a thread."""
    use_process = source.size >= PROCESS_MIN_BYTES
    stream = _from_process(source, context, chunk_size) if use_process else _from_thread(source, chunk_size)
    async with few_collections(), aclosing(stream) as chunks:  # closed at once on a failure: the reader stops
        async for chunk in chunks:
            summary.companies_in_file += chunk.read
            summary.invalid += len(chunk.invalid)
            summary.duplicates_in_file += chunk.duplicates
            async with writer.chunk():
                await _record_invalid(chunk.invalid, context)
                await _apply(chunk.records, context, summary)
            if progress:
                progress(chunk.bytes_read, source.size, summary.companies_in_file)


def _chunks(source: RegisterFile, chunk_size: int) -> Iterator[_Chunk]:
    records, seen, read = source.records(), _Seen(), 0
    while (chunk := _read_chunk(source, records, seen, read, chunk_size)) is not None:
        read += chunk.read
        yield chunk


async def _from_thread(source: RegisterFile, chunk_size: int):
    chunks = _chunks(source, chunk_size)
    async with aclosing(_ahead(lambda: next(chunks, None))) as stream:  # waits for a read under way
        async for chunk in stream:
            yield chunk


def _produce(connection, path: str, file_date: dt.date, chunk_size: int) -> None:
    """The second process: open the file itself, send each mapped chunk, then ("end", None)."""
    import gc
    import traceback

    gc.set_threshold(100_000, 50, 100)
    source = None
    try:
        source = open_register_file(path, file_date)
        for chunk in _chunks(source, chunk_size):
            connection.send(("chunk", chunk))
        connection.send(("end", None))
    except Unreadable as error:
        connection.send(("unreadable", str(error)))
    except BaseException as error:  # the parent rolls the load back
        connection.send(("failed", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))
    finally:
        if source:
            source.close()
        connection.close()


async def _from_process(source: RegisterFile, context: _Context, chunk_size: int):
    process_context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
    receiving, sending = process_context.Pipe(duplex=False)
    process = process_context.Process(target=_produce, args=(sending, str(source.path), context.file_date,
                                                             chunk_size), daemon=True)
    process.start()
    sending.close()

    def receive() -> _Chunk | None:
        try:
            what, value = receiving.recv()
        except EOFError:
            raise RuntimeError("The process reading the register file stopped unexpectedly") from None
        if what == "chunk":
            return value
        if what == "end":
            return None
        if what == "unreadable":
            raise Unreadable(value)
        raise RuntimeError(f"Reading the register file failed: {value}")

    def stop() -> None:
        if process.is_alive():
            process.terminate()

    try:
        async with aclosing(_ahead(receive, stop)) as stream:
            async for chunk in stream:
                yield chunk
    finally:
        stop()
        await asyncio.to_thread(process.join)
        receiving.close()


async def _record_invalid(invalid: list[tuple[int, str, str]], context: _Context) -> None:
    await db.insert_rows("import_row_error", ["import_batch", "line", "reason", "cells"],
                         [(context.batch_id, number, reasons.stored(reason), json.dumps([written], ensure_ascii=False))
                          for number, reason, written in invalid])


async def _apply(records: list[RegisterRecord], context: _Context, summary: RegisterSummary) -> None:
    if not records:
        return
    stored = {row["business_id"]: row for row in await db.fetch_in(
        f"SELECT {STORED_COLUMNS} FROM company WHERE business_id IN (?) ORDER BY id" + db.for_update(),
        [record.business_id for record in records])}
    updates, new, dated = [], [], []
    file_day = context.file_date.isoformat()
    for record in records:
        row = stored.get(record.business_id)
        if row is None:
            if (context.municipalities and record.municipality_code in context.municipalities
                    and not record.ceased and record.fields.get("name")):
                new.append(record)
            continue
        summary.matched += 1
        summary.ceased += record.ceased
        stored_day = _day(row["register_date"])
        if stored_day and stored_day > file_day:  # an older file than the one already read: it is not applied
            continue
        change = _changes(row, record, context)
        if change is None:
            if stored_day != file_day:  # the same as before, as of a newer file
                dated.append(row["id"])
            continue
        updates.append(change)
        summary.newly_ceased += record.ceased and row["status"] != "ceased"
    summary.updated += len(updates)
    summary.unchanged = summary.matched - summary.updated
    await _write_updates(updates, context)
    context.dated += dated  # dated at the end (_finish): revert data does not bring back a date
    await _insert(new, context)
    summary.added += len(new)
    summary.ceased += sum(record.ceased for record in new)  # none: ceased companies are not added


def _changes(row: dict, record: RegisterRecord, context: _Context) -> tuple[int, dict, dict, dict] | None:
    """(id, new values, old values, audited changes) for a stored company, or None when nothing changes."""
    previous = _json(row["register_data"])
    values = {name: value for name, value in record.fields.items()
              if name != "other_names" and value != row[name]}
    replaced = row["name"] if "name" in values and row["name"] != previous.get("name") else None
    others = merged_other_names(record.facts["other_name_list"], row["other_names"],
                                previous.get("other_name_list") or [], record.fields.get("name") or row["name"],
                                replaced)
    if others != row["other_names"]:
        values["other_names"] = others
    data = record.data()
    if not values and data == previous:
        return None
    audited = {name: [row[name], value] for name, value in values.items()}
    audited["register_date"] = [_day(row["register_date"]), context.file_date.isoformat()]
    audited["register_file"] = [None, context.file]
    merged = {**row, **values}
    if "name" in values or "other_names" in values:
        values["name_key"] = name_key(merged["name"]) or ""
        values["search_text"] = company_search_text(merged)
    old = {name: row[name] for name in values}
    old.update(register_data=previous, register_date=_day(row["register_date"]),
               updated_at=audit.jsonable(row["updated_at"]), updated_by=row["updated_by"])
    values.update(register_data=data)
    return row["id"], values, old, audited


async def _write_updates(updates: list[tuple[int, dict, dict, dict]], context: _Context) -> None:
    """One UPDATE statement per set of changed columns (most chunks have a few such sets)."""
    if not updates:
        return
    by_columns: dict[tuple[str, ...], list[tuple]] = {}
    for company_id, values, _, _ in updates:
        columns = tuple(sorted(values))
        row = [json.dumps(values[name], ensure_ascii=False) if name == "register_data" else values[name]
               for name in columns]
        by_columns.setdefault(columns, []).append((*row, company_id))
    date = _bound_date(context)
    for columns, rows in by_columns.items():
        assignments = ", ".join(f"{name} = ?" for name in (*columns, "register_date", "updated_at", "updated_by"))
        await db.execute_many(f"UPDATE company SET {assignments} WHERE id = ?",
                              [(*row[:-1], date, context.stamp, None, row[-1]) for row in rows])
    await db.insert_rows("import_change", ["import_batch", "entity", "entity_id", "old_values"],
                         [(context.batch_id, "company", company_id, json.dumps(old, ensure_ascii=False))
                          for company_id, _, old, _ in updates])
    await db.insert_rows("audit_event", ["at", "user", "actor", "action", "entity", "entity_id", "changes", "address"],
                         [(context.stamp, None, ACTOR, "update", "company", company_id,
                           json.dumps(audited, ensure_ascii=False), "")
                          for company_id, _, _, audited in updates])
    await tallies.refresh_keys(company_id for company_id, values, _, _ in updates
                               if any(name in values for name in COUNTED_FIELDS))


async def _insert(new: list[RegisterRecord], context: _Context) -> None:
    """Companies of the municipality the record lacks: held by no department (study mask 0)."""
    if not new:
        return
    ids = await db.reserve_ids("company", len(new))
    date = _bound_date(context)
    rows, counted = [], []
    for company_id, record in zip(ids, new):
        values = {**NEW_COMPANY, **record.fields}
        values["name_key"] = name_key(values["name"]) or ""
        values["search_text"] = company_search_text({**values, "business_id": record.business_id})
        state = (0, *tallies.study_key(values))
        rows.append((company_id, record.business_id, *(values[name] for name in HELD_FIELDS), values["name_key"],
                     values["search_text"], json.dumps(record.data(), ensure_ascii=False), date,
                     context.stamp, context.stamp, context.actor_id, context.actor_id, context.batch_id, *state))
        counted.append((company_id, None, state))
    await db.insert_rows("company", INSERT_COLUMNS, rows)
    await search.index_new_companies(ids[0], ids[-1])
    day = context.now.date()
    await db.insert_rows("company_source", ["company", "department", "via", "import_batch", "interactions",
                                            "first_date", "last_date"],
                         [(company_id, None, "register", context.batch_id, 0, day, day) for company_id in ids])
    await tallies.apply(counted, write=False)  # held by nobody: no department's tally moves


async def _finish(summary: RegisterSummary, context: _Context) -> None:
    counts = {"rows": summary.companies_in_file, "created": summary.added, "updated": summary.updated,
              "unchanged": summary.unchanged, "duplicates_in_file": summary.duplicates_in_file,
              "errors": summary.invalid}
    await db.execute_many("UPDATE company SET register_date = ? WHERE id = ?",
                          [(_bound_date(context), company_id) for company_id in context.dated])
    await ImportBatch.update(
        {**counts, ImportBatch.invalid_business_ids: summary.invalid, ImportBatch.status: "committed",
         ImportBatch.finished_at: dt.datetime.now(dt.timezone.utc)}).where(ImportBatch.id == context.batch_id)
    await tallies.count_batch(context.batch_id)
    await tallies.compact()
    await audit.record(action="import", entity="import_batch", entity_id=context.batch_id,
                       actor_id=context.actor_id, actor=ACTOR,
                       changes={"file": [None, context.file], "kind": [None, KIND],
                                "file_date": [None, summary.file_date],
                                **{name: [None, value] for name, value in counts.items()},
                                "ceased": [None, summary.ceased], "matched": [None, summary.matched]})
