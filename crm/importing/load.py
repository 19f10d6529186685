"""Match and bulk-write one file: a batch is all or nothing (SPEC §6).

PostgreSQL writes a batch in one transaction: other writers only wait for the rows it holds.
SQLite has one write lock for the whole database, so a batch there commits chunk by chunk, each a
short transaction, and other writers get the lock in between (SPEC §7). A SQLite batch that fails
half-way is rolled back by its own revert data (batches.fail), in one transaction, as it
is marked failed; one whose process died is rolled back by recover_interrupted() at the next start.
While it runs, its records are visible and count in the study (running batches hold, SPEC §9).
A SQLite dry run rolls back each chunk's transaction and carries what the next chunk must find
(records created by name) in memory.

Every input row lands in exactly one bucket:
rows = created + updated + unchanged + duplicates_in_file + errors.
The first row with a key wins; later rows with the same key are duplicates_in_file, listed in the
row file with the line they repeat and the values of theirs that were not stored. A blank cell
never erases a stored value. A company's legal form is part of its name's identity (SPEC §5):
'Tulikukka Ky' and 'Tulikukka Oy' are two companies, a name without a form matches either, and a row
with a valid Business ID never matches a stored record with another one. A refused file (unreadable, no recognisable column, unknown
department) raises ImportRefused before anything is written; a crash rolls the batch back.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import hashlib
import json
import operator
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from crm import db, search
from crm.domain import reasons as reasons_  # `reasons` names a row's list of them here
from crm.domain.legal_forms import forms_conflict, legal_form
from crm.domain.names import company_search_text, fold, name_key
from crm.domain.problems import N_, on_one_line, rule_message
from crm.domain.records import with_new_company_defaults
from crm.domain.ytunnus import normalize_business_id
from crm.importing.mapping import (
    MappingError,
    check_mapping,
    header_key,
    propose_mapping,
)
from crm.importing import batches, heartbeat, rowfile
from crm.importing.normalize import RowError
from crm.importing.prepare import chunks_of, few_collections
from crm.importing.read import Unreadable, open_source
from crm.services import audit, holdings, tallies
from crm.tables import (
    Contact,
    Department,
    ImportBatch,
    Interaction,
    Programme,
    User,
)

CHUNK_ROWS = 5_000
UNKNOWN_DEPARTMENT = N_("Unknown department '%(value)s'")
Progress = Callable[[int], None]


class ImportRefused(Exception):
    """The whole file is refused; nothing was written. The message says why: a Message
    (crm/domain/problems.py) the web shows in the reader's language, the CLI in English."""

    @property
    def message(self) -> str:
        return self.args[0] if self.args else ""


@dataclass
class Summary:
    batch_id: int | None
    kind: str
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_file: int = 0
    errors: int = 0
    warnings: int = 0  # rows kept with a value dropped (listed in the row file with what and why)
    error_file: str | None = None
    mapping: dict[str, str | None] = field(default_factory=dict)  # header as written -> field, None: ignored
    dry_run: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _refused(error: Unreadable | MappingError) -> ImportRefused:
    """The reason on one line (it may quote headers or cells holding line breaks)."""
    return ImportRefused(on_one_line(error.message))


class _DryRunDone(Exception):
    """Raised inside the transaction to roll a dry run back."""


COMPANY_FIELDS = (
    "business_id", "name", "other_names", "name_key", "company_form", "industry_code",
    "industry_classification", "size_class", "website", "street", "postal_code", "city",
    "municipality_code", "country", "status", "responsible_advisor", "notes",
)
COMPANY_DEFAULTS = {name: "" for name in COMPANY_FIELDS} | {
    "business_id": None, "country": "FI", "status": "active", "responsible_advisor": None,
}
_company_fields = operator.itemgetter(*COMPANY_FIELDS)
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "title", "language")
CONTACT_DEFAULTS = {name: "" for name in CONTACT_FIELDS} | {"email": None, "language": "fi"}
INTERACTION_FIELDS = (
    "company", "department", "advisor", "advisor_name", "kind", "date", "subject", "notes",
    "follow_up_date", "follow_up_done", "confidential",
)
# The stored columns matching compares with, read through the driver (table.select() is slow here).
COMPANY_COLUMNS = ", ".join(["id", *COMPANY_FIELDS, "search_text", "updated_at", "updated_by"])
CONTACT_COLUMNS = ", ".join(column._meta.db_column_name for column in Contact._meta.columns)
LINKED_CONTACT_COLUMNS = ", ".join(f"contact.{column._meta.db_column_name}" for column in Contact._meta.columns)
INTERACTION_COLUMNS = ", ".join(column._meta.db_column_name for column in Interaction._meta.columns)
INTERACTION_DEFAULTS = {"subject": "", "notes": "", "follow_up_date": None, "follow_up_done": False,
                        "confidential": False}
INTERACTION_UPDATABLE = ("advisor", "advisor_name", "notes", "follow_up_date", "follow_up_done", "confidential")


# --- the batch --------------------------------------------------------------------------------


async def import_file(
    kind: str,
    path: Path | str,
    *,
    department: str | None = None,
    profile: dict | None = None,
    columns: dict[int, str] | None = None,
    file_name: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    actor_id: int | None = None,
    error_path: Path | None = None,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    announce: Callable[[dict[str, str | None]], None] | None = None,
    listed: Callable[[list[tuple[int, str]]], None] | None = None,
) -> Summary:
    """Import one file. `announce` hears the mapping (header as written -> field or None) once the
    file is accepted, before a row is read; `listed` hears each chunk's rows for the row file, as
    (line, reason as stored) in line order (a dry run's preview shows them)."""
    started = time.perf_counter()
    path = Path(path)
    try:
        source = await asyncio.to_thread(open_source, path, sheet=sheet, encoding=encoding)
        mapping = check_mapping(kind, columns) if columns is not None else propose_mapping(
            kind, source.headers, profile)
    except (Unreadable, MappingError) as error:
        raise _refused(error) from None
    context = await _Context.create(kind, department, actor_id)
    context.listed_to = listed
    context.business_id_column = next((index for index, name in mapping.items() if name == "business_id"), None)
    if department and context.default_department is None:
        raise ImportRefused(rule_message(UNKNOWN_DEPARTMENT, value=department))
    file_name = file_name or path.name
    summary = Summary(batch_id=None, kind=kind, file=file_name, dry_run=dry_run,
                      mapping=mapping_by_header(source.headers, mapping))
    if announce:
        announce(summary.mapping)
    batch_values = dict(
        kind=kind,
        file_name=file_name,
        file_sha256=await asyncio.to_thread(_sha256, path),
        user=actor_id,
        department=context.default_department,
        mapping={source.headers[index]: name for index, name in mapping.items()},
        headers=source.headers,
        started_at=context.now,
    )
    if not dry_run:
        batch = ImportBatch(**batch_values)
        await batch.save()
        summary.batch_id = context.batch_id = batch.id
    errors = _ErrorFile(error_path, source.headers) if error_path else None
    # other processes see a real run alive while it beats (crm/importing/heartbeat.py)
    beating = heartbeat.beating(f"batch-{summary.batch_id}") if summary.batch_id else contextlib.nullcontext()
    context.dry_run = dry_run
    if dry_run and db.is_sqlite():
        context.made = {}
    try:
        async with beating, few_collections(), _batch_transaction(context, batch_values), \
                _long_writer(context, batch_values) as writer:
            await _load_all(source, mapping, context, summary, errors, progress, chunk_rows, writer.chunk)
            if not dry_run:
                async with db.write_transaction():  # SQLite: in the last turn; PostgreSQL: the batch's own
                    await _finish(summary, context)
    except BaseException as error:
        if summary.batch_id is not None:
            why = (on_one_line(error.message) if isinstance(error, Unreadable)  # kept in no one language
                   else f"{type(error).__name__}: {error}"[:1500])
            await batches.fail(summary.batch_id, why, context.now)
        if errors:  # it would list rows of a batch that was rolled back
            errors.close()
            error_path.unlink(missing_ok=True)
        if isinstance(error, Unreadable):  # found past the start of the file; rolled back all the same
            raise _refused(error) from None
        raise
    finally:
        if errors:
            errors.close()
    if errors and (summary.errors or context.listed):
        summary.error_file = str(error_path)
    elif error_path and error_path.exists():
        error_path.unlink()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def mapping_by_header(headers: list[str], mapping: dict[int, str]) -> dict[str, str | None]:
    """Header as written -> the field its column fills, None for a column nobody mapped (a repeated
    header is told apart by its column number)."""
    shown: dict[str, str | None] = {}
    for index, header in enumerate(headers):
        name = str(header) if str(header).strip() else f"(column {index + 1})"
        if name in shown:
            name = f"{name} (column {index + 1})"
        shown[name] = mapping.get(index)
    return shown


async def _finish(summary: Summary, context: _Context) -> None:
    counts = {name: getattr(summary, name) for name in
              ("rows", "created", "updated", "unchanged", "duplicates_in_file", "errors", "warnings")}
    await ImportBatch.update(
        {**counts, ImportBatch.invalid_business_ids: context.invalid_business_ids,
         ImportBatch.status: "committed", ImportBatch.finished_at: dt.datetime.now(dt.timezone.utc)}
    ).where(ImportBatch.id == context.batch_id)
    await tallies.count_batch(context.batch_id)
    await tallies.compact()
    await audit.record(
        action="import", entity="import_batch", entity_id=context.batch_id, actor_id=context.actor_id,
        changes={"file": [None, summary.file], "kind": [None, summary.kind], **{k: [None, v] for k, v in counts.items()}},
    )


async def _dry_run_batch(batch_values: dict) -> int:
    batch = ImportBatch(**batch_values)
    await batch.save()
    return batch.id


@contextlib.asynccontextmanager
async def _batch_transaction(context: _Context, batch_values: dict):
    """PostgreSQL: the batch's one transaction (a dry run's rolled back). SQLite: none, the chunks
    are written in turns (_long_writer)."""
    if db.is_sqlite():
        yield
        return
    try:
        async with db.write_transaction():
            if context.dry_run:  # the batch row exists only inside the rolled-back transaction
                context.batch_id = await _dry_run_batch(batch_values)
            yield
            if context.dry_run:
                raise _DryRunDone
    except _DryRunDone:
        pass


def _long_writer(context: _Context, batch_values: dict) -> db.LongWriter:
    """SQLite: the chunks' writes in turns of their own transaction (a dry run's rolled back, with
    the batch row that exists only inside it). PostgreSQL: inside the batch's transaction."""
    async def dry_run_batch() -> None:
        context.batch_id = await _dry_run_batch(batch_values)

    return db.LongWriter(keep=not context.dry_run, opened=dry_run_batch if context.dry_run else None)


async def _load_all(source, mapping, context, summary, errors, progress, chunk_rows, step) -> None:
    """Write each prepared chunk, inside `step()`, while the next one is read and normalised
    (crm/importing/prepare.py)."""
    loader = LOADERS[context.kind]
    async with chunks_of(source, context.kind, mapping, chunk_rows) as chunks:
        async for count, good, failed, warned in chunks:
            async with step():
                failed += await loader(good, context, summary)
                await _record_errors(failed, context, None)
                # A warning of a row that failed later or repeated an earlier one is no news: its own entry says why.
                skipped = {line for line, _, _ in failed} | {line for line, _, _ in context.duplicates}
                warned = _one_per_row(warned + context.load_warnings, skipped)
                await _record_notes(warned + context.duplicates, context)
            summary.rows += count
            summary.errors += len(failed)
            summary.warnings += len(warned)
            notes = warned + context.duplicates
            context.load_warnings, context.duplicates = [], []
            if (errors or context.listed_to) and (failed or notes):
                told = sorted(failed + notes, key=operator.itemgetter(0))
                if errors:
                    errors.write(told)
                if context.listed_to:
                    context.listed_to([(line, reasons_.stored(reason)) for line, _, reason in told])
            if progress:
                progress(count)


async def _record_errors(failed, context, errors) -> None:
    if not failed:
        return
    failed.sort()
    context.invalid_business_ids += sum(1 for _, cells, _ in failed if _invalid_business_id(cells, context))
    await db.insert_rows(
        "import_row_error",
        ["import_batch", "line", "reason", "cells"],
        [(context.batch_id, line, reasons_.stored(reason), json.dumps([_cell(c) for c in cells], ensure_ascii=False))
         for line, cells, reason in failed],
    )
    if errors:
        errors.write(failed)


def _one_per_row(warned: list[tuple[int, list, str]], skipped: set[int]) -> list[tuple[int, list, str]]:
    """One row file entry per row: its warnings joined, those of rows listed otherwise left out."""
    by_line: dict[int, tuple[list, list[str]]] = {}
    for line, cells, reason in warned:
        if line not in skipped:
            by_line.setdefault(line, (cells, []))[1].append(reason)
    return [(line, cells, reasons_.warning(reasons)) for line, (cells, reasons) in by_line.items()]


async def _record_notes(notes, context) -> None:
    """Rows stored, but not quite as given: warnings and duplicates in the file, in the row file too."""
    if not notes:
        return
    notes.sort(key=operator.itemgetter(0))
    context.listed += len(notes)
    await db.insert_rows(
        "import_row_error",
        ["import_batch", "line", "reason", "cells"],
        [(context.batch_id, line, reasons_.stored(reason), json.dumps([_cell(c) for c in cells], ensure_ascii=False))
         for line, cells, reason in notes],
    )


def _invalid_business_id(cells: list, context: _Context) -> bool:
    """The study counts the rows a department's file wrote a Business ID into that is none."""
    column = context.business_id_column
    if column is None or column >= len(cells) or not str(cells[column] or "").strip():
        return False
    try:
        normalize_business_id(cells[column])
    except ValueError:
        return True
    return False


def _cell(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\x00", "")
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class _ErrorFile:
    """The rows the batch could not take, with their line and reason, as a CSV an admin can open."""

    def __init__(self, path: Path, headers: list[str]):
        self.handle = path.open("w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle, delimiter=";")
        self.writer.writerow(rowfile.header(headers))

    def write(self, failed: Iterable[tuple[int, list, str]]) -> None:
        self.writer.writerows(rowfile.row_cells(line, reason, map(_cell, cells)) for line, cells, reason in failed)

    def close(self) -> None:
        self.handle.close()


# --- what a batch knows: reference data, caches, the time --------------------------------------


@dataclass
class _Context:
    kind: str
    actor_id: int | None
    default_department: int | None
    departments: dict[str, int]
    users_by_email: dict[str, int]
    users_by_name: dict[str, int]
    programmes: dict[str, int]
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    batch_id: int | None = None
    seen: dict[int, int] = field(default_factory=dict)  # hash of a key -> the line that had it first
    last_first_line: int = 0  # after first_time() said False: the line that had the key first
    duplicates: list[tuple[int, list, str]] = field(default_factory=list)  # this chunk's, for the row file
    listed: int = 0  # warnings and duplicates the row file lists
    load_warnings: list[tuple[int, list, str]] = field(default_factory=list)  # this chunk's, from the loader
    held: set[tuple[int, int]] = field(default_factory=set)
    business_id_column: int | None = None
    invalid_business_ids: int = 0
    dry_run: bool = False
    # a SQLite dry run rolls each chunk back: the records it created by name, for the next chunks
    made: dict[int, list[dict]] | None = None
    listed_to: Callable[[list[tuple[int, str]]], None] | None = None  # import_file's `listed`

    @classmethod
    async def create(cls, kind: str, department: str | None, actor_id: int | None) -> _Context:
        departments: dict[str, int] = {}
        for row in await Department.select():
            for word in (row["code"], row["name_fi"], row["name_sv"], row["name_en"]):
                departments.setdefault(header_key(word), row["id"])
        users = await User.select(User.id, User.email, User.name)
        by_name: dict[str, int] = {}
        for row in users:
            key = fold(row["name"] or "")
            by_name[key] = -1 if key in by_name else row["id"]  # a shared name matches nobody
        return cls(
            kind=kind,
            actor_id=actor_id,
            default_department=departments.get(header_key(department)) if department else None,
            departments=departments,
            users_by_email={row["email"]: row["id"] for row in users},
            users_by_name={key: uid for key, uid in by_name.items() if uid > 0 and key},
            programmes={row["code"]: row["id"] for row in await Programme.select(Programme.id, Programme.code)},
        )

    def stamp(self) -> tuple:
        """created_at, updated_at, created_by, updated_by, import_batch of the rows this batch inserts."""
        now = db.timestamp(self.now)
        return now, now, self.actor_id, self.actor_id, self.batch_id

    async def hold(self, pairs: Iterable[tuple[int, int | None]], counted: Iterable[int] = (),
                   updated: Iterable[int] = ()) -> None:
        """The batch's department (or an interaction row's) holds these companies (SPEC §9): each
        (company, department) once per batch; a file of no department holds nothing. The study's
        totals follow: the departments holding each company (but the `counted` ones this chunk
        inserted with their count), and the section and place of the ones this chunk `updated`."""
        pairs = list(pairs)
        new = {(company, department) for company, department in pairs
               if department is not None and (company, department) not in self.held}
        self.held |= new
        skip = set(counted)
        await tallies.add_holders(pair for pair in sorted(new) if pair[0] not in skip)
        await tallies.refresh_keys(updated)
        await holdings.add_batch_holdings(self.batch_id, sorted(new), self.now.date())

    def made_before(self, found: dict[str, Any], keys: Iterable[str], many: bool = False) -> None:
        """A SQLite dry run: add to what the database `found` (key -> record, or a list with `many`)
        the records earlier chunks created under these keys, as a real run's database would hold them."""
        if not self.made:
            return
        for key in set(keys):
            earlier = self.made.get(hash(key))
            if earlier and many:
                found.setdefault(key, []).extend(earlier)
            elif earlier:
                found.setdefault(key, earlier[0])

    def making(self, key: str, record: dict) -> None:
        if self.made is not None:
            self.made.setdefault(hash(key), []).append(record)

    def claim(self, entity: str, stored: dict, line: int = 0) -> bool:
        """True for the first row of the file that matches this stored record. A record the batch
        created is claimed by the row that created it (id None: created in this chunk, not yet written)."""
        return stored["id"] is not None and self.first_time(f"{entity}#{stored['id']}", line)

    def claimed_by(self, entity: str, stored: dict) -> int:
        """The line of the row that claimed (or created) this record; 0 when not known."""
        if stored["id"] is None:
            return stored.get("line", 0)
        return self.seen.get(hash(f"{entity}#{stored['id']}"), 0)

    def claim_created(self, entity: str, ids: list[int], lines: Iterable[int] = ()) -> None:
        lines = list(lines)
        for index, record_id in enumerate(ids):
            self.first_time(f"{entity}#{record_id}", lines[index] if index < len(lines) else 0)

    def first_time(self, key: str, line: int = 0) -> bool:
        """False when an earlier row of this file had the same key (a duplicate in the file)."""
        digest = hash(key)
        if digest in self.seen:
            self.last_first_line = self.seen[digest]
            return False
        self.seen[digest] = line
        return True

    def duplicate(self, line: int, cells: list, first_line: int, differing: Iterable[tuple[str, Any]] = ()) -> None:
        """A row repeating an earlier one: counted by the caller, listed in the row file with the line
        it repeats and its values the file loses (field, value)."""
        self.duplicates.append((line, cells, reasons_.duplicate(first_line, differing)))

    def warn(self, line: int, cells: list, reason: str) -> None:
        """A value the loader dropped from a row it keeps (listed with the row's other warnings)."""
        self.load_warnings.append((line, cells, reason))

    def known_programme_ids(self, codes: list[str], line: int, cells: list) -> list[int]:
        """The programmes the record holds; an unknown code is left out with a warning."""
        unknown = [code for code in codes if code.upper() not in self.programmes]
        if unknown:
            self.warn(line, cells, rule_message("Unknown programme: %(value)s", value=", ".join(unknown)))
        return sorted({self.programmes[code.upper()] for code in codes if code.upper() in self.programmes})

    def advisor(self, written: str) -> tuple[int | None, str]:
        """A user by e-mail or by name; otherwise keep the text as the file wrote it."""
        if not written:
            return None, ""
        user_id = self.users_by_email.get(written.lower()) or self.users_by_name.get(fold(written))
        return (user_id, "") if user_id else (None, written)

    def department(self, written: str) -> int:
        if not written:
            if self.default_department is None:
                raise RowError(rule_message("The row names no department (give --department or a department column)"))
            return self.default_department
        department_id = self.departments.get(header_key(written))
        if department_id is None:
            raise RowError(rule_message(UNKNOWN_DEPARTMENT, value=written))
        return department_id


# A value past a varchar's length: PostgreSQL refuses it (and with it the whole batch) where SQLite
# stores it. Values can grow while cleaned ('www.x.fi' gets https://; 'ß' folds to 'ss' in a key).
# --- companies --------------------------------------------------------------------------------


def _company_key(values: dict, form: str | None) -> str:
    if values.get("business_id"):
        return "id:" + values["business_id"]
    return f"name:{values.get('name_key')}|{values.get('postal_code', '')}|{form or ''}"


def _form_of(record: dict) -> str | None:
    return legal_form(record.get("company_form"), record.get("name"))


def _name_match(candidates: list[dict], business_id: str | None, form: str | None) -> dict | None:
    """The first stored company of this name and postal code that can be the row's: not another
    legal form (Ky is not Oy; no form matches either), not another valid Business ID."""
    for candidate in candidates:
        if business_id and candidate["business_id"] is not None:
            continue  # it has a Business ID of its own, and the row's did not find it
        if not forms_conflict(form, _form_of(candidate)):
            return candidate
    return None


_SHOWN_FIELDS = ("name", "other_names", "company_form", "industry_code", "size_class", "website", "street",
                 "postal_code", "city", "municipality_code", "country", "status", "notes")


def _not_stored(values: dict, first: dict | None, fields: Iterable[str] = _SHOWN_FIELDS) -> list[tuple[str, Any]]:
    """The duplicate's values that differ from the row (or record) it repeats: what the file loses."""
    if not first:
        return []
    return [(name, values[name]) for name in fields
            if values.get(name) not in (None, "") and values[name] != first.get(name)]


async def _existing_companies(rows: list[dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    business_ids = list({v["business_id"] for v in rows if v.get("business_id")})
    by_id: dict[str, dict] = {}
    by_name: dict[str, dict] = {}
    if business_ids:
        for row in await db.fetch_in(f"SELECT {COMPANY_COLUMNS} FROM company WHERE business_id IN (?)",
                                     business_ids):
            by_id[row["business_id"]] = row
    # Only rows the Business ID did not match are looked up by name + postal code.
    name_keys = list({v["name_key"] for v in rows if v.get("name_key") and v.get("business_id") not in by_id})
    if name_keys:
        rows = await db.fetch_in(f"SELECT {COMPANY_COLUMNS} FROM company WHERE name_key IN (?)", name_keys)
        for row in sorted(rows, key=lambda row: row["id"]):
            by_name.setdefault(f"{row['name_key']}|{row['postal_code']}", []).append(row)
    return by_id, by_name


async def load_companies(good, context: _Context, summary: Summary) -> list:
    failed = []
    resolved: list[tuple[int, list, dict]] = []
    for line, cells, values in good:
        # An unknown advisor or programme is no reason to lose the company: left out, with a warning.
        email = values.pop("responsible_advisor", None)
        if email:
            advisor = context.users_by_email.get(email)
            if advisor is None:
                context.warn(line, cells, rule_message(
                    "No user has the e-mail address %(email)s (responsible advisor)", email=email))
            else:
                values["responsible_advisor"] = advisor
        codes = values["programmes"]
        if codes:
            values["programmes"] = context.known_programme_ids(codes, line, cells)
        resolved.append((line, cells, values))
    by_id, by_name = await _existing_companies([values for _, _, values in resolved])
    context.made_before(by_name, (f"{values.get('name_key')}|{values.get('postal_code', '')}"
                                  for _, _, values in resolved), many=True)
    new, changed, new_lines = [], [], []
    first_rows: dict[int, dict] = {}  # line -> values, of this chunk's rows, for what a duplicate differs in
    for line, cells, values in resolved:
        business_id = values.get("business_id")
        form = _form_of(values)
        name_and_postal_code = f"{values.get('name_key')}|{values.get('postal_code', '')}"
        stored = by_id.get(business_id or "")
        if stored is None:
            stored = _name_match(by_name.get(name_and_postal_code, ()), business_id, form)
        if stored is None and not values.get("name"):  # a row may update a company without naming it
            failed.append((line, cells, rule_message(
                "Company name is required: no company with Business ID %(business_id)s is in the record",
                business_id=business_id)))
            continue
        if not context.first_time(_company_key(values, form), line):
            first_line = context.last_first_line
            summary.duplicates_in_file += 1
            context.duplicate(line, cells, first_line, _not_stored(values, first_rows.get(first_line, stored)))
            continue
        if stored is not None and not context.claim("company", stored, line):
            # An earlier row of the file matched or created this record: a row with a Business ID of
            # its own is another company of the same name; a row without one is a duplicate.
            if business_id and business_id != stored["business_id"]:
                stored = None
            else:
                first_line = context.claimed_by("company", stored)
                summary.duplicates_in_file += 1
                context.duplicate(line, cells, first_line, _not_stored(values, first_rows.get(first_line, stored)))
                continue
        first_rows[line] = values
        if stored is None:
            new.append(values)
            new_lines.append(line)
            # Later rows of this chunk find it by name, as rows of the next chunk will.
            made = {"id": None, "business_id": business_id, "name": values.get("name"),
                    "company_form": values.get("company_form"), "line": line}
            by_name.setdefault(name_and_postal_code, []).append(made)
            context.making(name_and_postal_code, made)
        else:
            changed.append((stored, _keep_stored(stored, _with_classification(stored, values))))
    created_ids = await _insert_companies(new, context)
    context.claim_created("company", created_ids, new_lines)
    summary.created += len(new)
    updated_ids = await _update_records("company", COMPANY_FIELDS, changed, context, _company_programmes,
                                        _company_derived)
    updated = len(updated_ids)
    await context.hold(((company_id, context.default_department)
                        for company_id in [*created_ids, *(stored["id"] for stored, _ in changed)]),
                       counted=created_ids, updated=updated_ids)
    summary.updated += updated
    summary.unchanged += len(changed) - updated
    return failed


def _with_classification(stored: dict, values: dict) -> dict:
    """An industry code arriving by update gets its classification as on create (TOL 2008 unless the
    row or the stored record says otherwise): a code is never stored without one."""
    if values.get("industry_code") and not values.get("industry_classification"):
        return {**values, "industry_classification": stored["industry_classification"] or "TOL2008"}
    return values


def _keep_stored(stored: dict, values: dict) -> dict:
    """What a department's file may not overwrite: the same name spelled differently
    ('KUPLATECH OY' for 'Kuplatech Oy'), and another unit's responsible advisor."""
    keep = set()
    if values.get("name_key") == stored["name_key"]:
        keep.add("name")
    if stored["responsible_advisor"] is not None:
        keep.add("responsible_advisor")
    return {field: value for field, value in values.items() if field not in keep}


async def _insert_companies(new: list[dict], context: _Context) -> list[int]:
    ids = await db.reserve_ids("company", len(new))
    columns = ["id", *COMPANY_FIELDS, "search_text", "created_at", "updated_at", "created_by", "updated_by",
               "import_batch", "study_mask", "study_section", "study_place"]
    stamp = context.stamp()
    mask = tallies.bit(context.default_department)
    rows, links, counted = [], [], []
    for company_id, values in zip(ids, new):
        record = COMPANY_DEFAULTS.copy()
        record.update(with_new_company_defaults(values))
        state = (mask, *tallies.study_key(record))
        rows.append((company_id, *_company_fields(record), record["search_text"], *stamp, *state))
        counted.append((company_id, None, state))
        if values["programmes"]:
            links += [(company_id, programme_id) for programme_id in values["programmes"]]
    await db.insert_rows("company", columns, rows)
    if ids:
        await search.index_new_companies(ids[0], ids[-1])
    await db.insert_rows("company_programme", ["company", "programme"], links)
    await tallies.apply(counted, write=False)
    await tallies.tag_companies((programme_id, company_id) for company_id, programme_id in links)
    return ids


async def _company_programmes(company_ids: list[int]) -> dict[int, set[int]]:
    return await _programmes_of("company_programme", "company", company_ids)


async def _programmes_of(table: str, column: str, record_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {record_id: set() for record_id in record_ids}
    if record_ids:
        for row in await db.fetch_in(f"SELECT {column}, programme FROM {table} WHERE {column} IN (?)", record_ids):
            found[row[column]].add(row["programme"])
    return found


def _company_derived(record: dict) -> dict:
    return {"name_key": name_key(record["name"]) or "", "search_text": company_search_text(record)}


def _contact_derived(record: dict) -> dict:
    return {"person_key": name_key_person(record)}


async def _update_records(table, fields, changed, context, programmes_of=None, derived=None) -> list[int]:
    """Update the stored records whose provided fields differ; remember prior values for revert.
    Returns the ids of the records it updated."""
    if not changed:
        return []
    with_programmes = [stored["id"] for stored, values in changed if values.get("programmes")]
    current_programmes = await programmes_of(with_programmes) if programmes_of and with_programmes else {}
    updates, change_rows, links = [], [], []
    for stored, values in changed:
        differing = {name: values[name] for name in fields
                     if name in values and name != "name_key" and values[name] != stored[name]}
        old = {name: audit.jsonable(stored[name]) for name in differing}
        added = sorted(set(values.get("programmes") or []) - current_programmes.get(stored["id"], set()))
        if added:
            old["programmes"] = sorted(current_programmes[stored["id"]])
            links += [(stored["id"], programme_id) for programme_id in added]
        if not old:
            continue
        merged = {**stored, **differing}
        if derived:
            merged.update(derived(merged))
            old.update({name: stored[name] for name in derived(merged) if merged[name] != stored[name]})
        updates.append((merged, stored["id"]))
        old.update(updated_at=audit.jsonable(stored["updated_at"]), updated_by=stored["updated_by"])
        change_rows.append((context.batch_id, table, stored["id"], json.dumps(old, ensure_ascii=False)))
    if updates:
        columns = [name for name in fields if name != "name_key"]
        columns += list(derived(updates[0][0])) if derived else []
        assignments = ", ".join(f"{name} = ?" for name in [*columns, "updated_at", "updated_by"])
        await db.execute_many(
            f"UPDATE {table} SET {assignments} WHERE id = ?",
            [(*(merged[name] for name in columns), db.timestamp(context.now), context.actor_id, record_id)
             for merged, record_id in updates],
        )
        await db.insert_rows("import_change", ["import_batch", "entity", "entity_id", "old_values"], change_rows)
    if links:
        link_table = {"company": "company_programme", "interaction": "interaction_programme"}[table]
        await db.insert_rows(link_table, [table, "programme"], links)
        if table == "company":
            await tallies.tag_companies((programme_id, company_id) for company_id, programme_id in links)
        else:
            stored_by_id = {stored["id"]: stored for stored, _ in changed}
            await tallies.count_interactions(
                ((stored_by_id[record_id]["company"], stored_by_id[record_id]["department"],
                  db.as_date(stored_by_id[record_id]["date"]), [programme_id]) for record_id, programme_id in links),
                totals=False)
    return [record_id for _, record_id in updates]


# --- references from contacts and interactions to companies ------------------------------------


async def _resolve_companies(references: list[dict]) -> dict[str, Any]:
    """Reference key -> company id (by Business ID), or the companies of a name with their legal
    forms [(id, form)], for _company_id to choose from."""
    business_ids = list({ref["business_id"] for ref in references if ref["business_id"]})
    name_keys = list({ref["name_key"] for ref in references if not ref["business_id"] and ref["name_key"]})
    found: dict[str, Any] = {}
    if business_ids:
        rows = await db.fetch_in("SELECT id, business_id FROM company WHERE business_id IN (?)", business_ids)
        found.update({"id:" + row["business_id"]: row["id"] for row in rows})
    if name_keys:
        rows = await db.fetch_in("SELECT id, name_key, name, company_form FROM company WHERE name_key IN (?)",
                                 name_keys)
        for row in sorted(rows, key=lambda row: row["id"]):
            found.setdefault("name:" + row["name_key"], []).append((row["id"], _form_of(row)))
    return found


NOT_IN_RECORD = N_("Company '%(name)s' is not in the record (import companies first)")


def _company_id(reference: dict, found: dict[str, Any]) -> int:
    if reference["business_id"]:
        company_id = found.get("id:" + reference["business_id"])
        if company_id is None:
            raise RowError(rule_message("No company with Business ID %(business_id)s is in the record "
                                        "(import companies first)", business_id=reference["business_id"]))
        return company_id
    named = found.get("name:" + reference["name_key"])
    if not named:
        raise RowError(rule_message(NOT_IN_RECORD, name=reference["name"]))
    # 'Tulikukka Oy' names the Oy, not the Ky of the same name; a name without a form names either
    form = legal_form(None, reference["name"])
    candidates = [company_id for company_id, stored_form in named if not forms_conflict(form, stored_form)]
    if form is not None and len(candidates) > 1:
        candidates = [company_id for company_id, stored_form in named if stored_form == form] or candidates
    if not candidates:
        raise RowError(rule_message(NOT_IN_RECORD, name=reference["name"]))
    if len(candidates) > 1:
        raise RowError(rule_message("Several companies are called '%(value)s': give the Business ID",
                                    value=reference["name"]))
    return candidates[0]


# --- contacts ---------------------------------------------------------------------------------


async def load_contacts(good, context: _Context, summary: Summary) -> list:
    failed = []
    found = await _resolve_companies([values["company"] for _, _, values in good])
    fresh, named = [], []
    repeated: list[tuple[int, list, dict, int, dict | None]] = []  # told once the chunk is matched
    for line, cells, values in good:
        try:
            values["company_id"] = _company_id(values["company"], found)
        except RowError as error:
            failed.append((line, cells, error.reason))
            continue
        named.append(values)
        contact = values["contact"]
        values["person_key"] = name_key_person(contact)
        key = ("email:" + contact["email"]) if contact.get("email") else \
            f"person:{values['person_key']}|{values['company_id']}"
        values["row"] = (line, cells)
        if context.first_time(key, line):
            fresh.append(values)
        else:
            summary.duplicates_in_file += 1
            repeated.append((line, cells, values, context.last_first_line, None))
    stored_by_email, stored_by_person = await _existing_contacts(fresh + [values for _, _, values, _, _ in repeated])
    context.made_before(stored_by_person, (f"{values['person_key']}|{values['company_id']}" for values in fresh))
    by_key = {"email": dict(stored_by_email), "person": dict(stored_by_person)}  # before this chunk's rows
    links = await _existing_links([values["company_id"] for values in fresh])
    new, changed, new_links = [], [], []
    first_rows: dict[int, tuple[dict, dict | None]] = {}  # line -> values, matched record: of this chunk's rows
    for values in fresh:
        contact = values["contact"]
        email = contact.get("email")
        stored = stored_by_email.get(email or "") or \
            stored_by_person.get(f"{values['person_key']}|{values['company_id']}")
        if stored is not None and email and stored["email"] not in (None, email):
            stored = None  # the same name at the company with another e-mail is another person
        if stored is not None and not context.claim("contact", stored, values["row"][0]):
            # An earlier row of the file matched or created this person: a row with an e-mail of its
            # own is another person of the same name; a row without one is a duplicate.
            if email and email != stored["email"]:
                stored = None
            else:
                summary.duplicates_in_file += 1
                repeated.append((*values["row"], values, context.claimed_by("contact", stored), stored))
                continue
        first_rows[values["row"][0]] = (values, stored)
        if stored is None:
            new.append(values)
            # Later rows of this chunk find the person by name, as rows of the next chunk will.
            person = f"{values['person_key']}|{values['company_id']}"
            if person not in stored_by_person:
                stored_by_person[person] = {"id": None, "email": email, "line": values["row"][0]}
                context.making(person, stored_by_person[person])
            continue
        link_missing = (stored["id"], values["company_id"]) not in links
        if link_missing:
            new_links.append((values, stored["id"]))
        changed.append((stored, contact, link_missing))
    if repeated:
        await _tell_repeated_contacts(repeated, first_rows, by_key, context)
    context.claim_created("contact", await _insert_contacts(new, context), [values["row"][0] for values in new])
    await context.hold((values["company_id"], context.default_department) for values in named)
    await _insert_links([(values, contact_id) for values, contact_id in new_links], context)
    updated = len(await _update_records(
        "contact", CONTACT_FIELDS, [(stored, contact) for stored, contact, _ in changed], context,
        derived=_contact_derived,
    ))
    touched_only_by_link = sum(1 for stored, contact, link_missing in changed
                               if link_missing and not _differs(stored, contact, CONTACT_FIELDS))
    summary.created += len(new)
    summary.updated += updated + touched_only_by_link
    summary.unchanged += len(changed) - updated - touched_only_by_link
    return failed


ROLE_FIELDS = ("role", "start_date", "end_date")


async def _tell_repeated_contacts(repeated, first_rows, by_key, context: _Context) -> None:
    """List each duplicate with the line it repeats and its values the file loses: those that differ
    from what that row stored (its values over the record it matched, and its role at the company).
    A row of an earlier chunk is known by its record."""
    earlier: dict[int, dict] = {}  # index in repeated -> the stored record of a row of an earlier chunk
    for index, (_, _, values, first_line, stored) in enumerate(repeated):
        if first_line not in first_rows:
            stored = stored if stored is not None and stored["id"] is not None else (
                by_key["email"].get(values["contact"].get("email") or "")
                or by_key["person"].get(f"{values['person_key']}|{values['company_id']}"))
            if stored:
                earlier[index] = stored
    roles = await _roles([(stored["id"], repeated[index][2]["company_id"]) for index, stored in earlier.items()])
    for index, (line, cells, values, first_line, stored) in enumerate(repeated):
        contact = role = None
        if first_line in first_rows:
            first, stored = first_rows[first_line]
            role = {name: first.get(name) for name in ROLE_FIELDS}
            contact = {**(stored or CONTACT_DEFAULTS), **{name: value for name, value in first["contact"].items()
                                                          if value not in (None, "")}}
        elif index in earlier:
            contact = earlier[index]
            role = roles.get((contact["id"], values["company_id"]))
        lost = _not_stored(values["contact"], contact, CONTACT_FIELDS) if contact else []
        lost += _not_stored(values, role, ROLE_FIELDS) if role else []
        context.duplicate(line, cells, first_line, lost)


async def _roles(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    """The stored role of each (contact, company) pair."""
    if not pairs:
        return {}
    wanted = set(pairs)
    rows = await db.fetch_in("SELECT contact, company, role, start_date, end_date FROM company_contact "
                             "WHERE contact IN (?) ORDER BY id", list({contact for contact, _ in pairs}))
    roles: dict[tuple[int, int], dict] = {}
    for row in rows:
        pair = (row["contact"], row["company"])
        if pair in wanted and pair not in roles:
            roles[pair] = {"role": row["role"], **{name: db.as_date(row[name]) if row[name] else None
                                                   for name in ("start_date", "end_date")}}
    return roles


def name_key_person(contact: dict) -> str:
    from crm.domain.names import person_key

    return person_key(contact.get("first_name"), contact.get("last_name")) or ""


def _differs(stored: dict, values: dict, fields: Iterable[str]) -> bool:
    return any(name in values and values[name] != stored[name] for name in fields)


async def _existing_contacts(fresh: list[dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    emails = [values["contact"]["email"] for values in fresh if values["contact"].get("email")]
    person_keys = list({values["person_key"] for values in fresh if values["person_key"]})
    by_email, by_person = {}, {}
    if emails:
        by_email = {row["email"]: row for row in
                    await db.fetch_in(f"SELECT {CONTACT_COLUMNS} FROM contact WHERE email IN (?)", emails)}
    if person_keys:
        rows = await db.fetch_in(
            f"SELECT company_contact.company AS linked_company, {LINKED_CONTACT_COLUMNS} FROM company_contact "
            "JOIN contact ON contact.id = company_contact.contact WHERE contact.person_key IN (?) "
            "ORDER BY company_contact.contact", person_keys)
        for stored in rows:
            by_person.setdefault(f"{stored['person_key']}|{stored.pop('linked_company')}", stored)
    return by_email, by_person


async def _existing_links(company_ids: list[int]) -> set[tuple[int, int]]:
    if not company_ids:
        return set()
    rows = await db.fetch_in("SELECT contact, company FROM company_contact WHERE company IN (?)", list(set(company_ids)))
    return {(row["contact"], row["company"]) for row in rows}


async def _insert_contacts(new: list[dict], context: _Context) -> list[int]:
    ids = await db.reserve_ids("contact", len(new))
    columns = ["id", *CONTACT_FIELDS, "person_key", "created_at", "updated_at", "created_by", "updated_by",
               "import_batch"]
    rows, stamp = [], context.stamp()
    for contact_id, values in zip(ids, new):
        record = {**CONTACT_DEFAULTS, **values["contact"]}
        rows.append((contact_id, *(record[name] for name in CONTACT_FIELDS), values["person_key"],
                     *stamp))
    await db.insert_rows("contact", columns, rows)
    await _insert_links(list(zip(new, ids)), context)
    return ids


async def _insert_links(pairs: list[tuple[dict, int]], context: _Context) -> None:
    await db.insert_rows(
        "company_contact",
        ["company", "contact", "role", "start_date", "end_date", "import_batch"],
        [(values["company_id"], contact_id, values["role"], values["start_date"], values["end_date"],
          context.batch_id) for values, contact_id in pairs],
    )


# --- interactions -----------------------------------------------------------------------------


def _content_key(company_id: int, department_id: int, values: dict) -> str:
    subject = fold(values.get("subject") or "")
    text = f"{company_id}|{department_id}|{values['date'].isoformat()}|{values['kind']}|{subject}"
    return hashlib.sha256(text.encode()).hexdigest()


async def load_interactions(good, context: _Context, summary: Summary) -> list:
    failed = []
    found = await _resolve_companies([values["company"] for _, _, values in good])
    emails = list({email for _, _, values in good for email in values["contact_emails"]})
    contacts = {}
    if emails:
        contacts = {row["email"]: row["id"] for row in
                    await db.fetch_in("SELECT id, email FROM contact WHERE email IN (?)", emails)}
    fresh, named = [], []
    first_rows: dict[int, dict] = {}  # line -> record, of this chunk's rows
    repeated: list[tuple[int, list, dict, int]] = []
    for line, cells, values in good:
        try:
            company_id = _company_id(values["company"], found)
            department_id = context.department(values["department"])
            missing = [email for email in values["contact_emails"] if email not in contacts]
            if missing:
                raise RowError(rule_message("Contact %(email)s is not in the record (import contacts first)",
                                            email=missing[0]))
            programme_ids = context.known_programme_ids(values["programmes"], line, cells) \
                if values["programmes"] else []
        except RowError as error:
            failed.append((line, cells, error.reason))
            continue
        named.append((company_id, department_id))
        record = values["interaction"]
        record["company"], record["department"] = company_id, department_id
        record["advisor"], record["advisor_name"] = context.advisor(values["advisor"])
        record["content_key"] = _content_key(company_id, department_id, record)
        record["programmes"] = programme_ids
        record["contact_ids"] = sorted({contacts[email] for email in values["contact_emails"]})
        if context.first_time(record["content_key"], line):
            fresh.append(record)
            first_rows[line] = record
        else:
            summary.duplicates_in_file += 1
            record["written"] = {"advisor": values["advisor"],  # for what it loses
                                 "emails": {contacts[email]: email for email in values["contact_emails"]}}
            repeated.append((line, cells, record, context.last_first_line))
    keys = [record["content_key"] for record in fresh + [record for _, _, record, _ in repeated]]
    stored = {}
    if keys:
        stored = {row["content_key"]: row for row in
                  await db.fetch_in(f"SELECT {INTERACTION_COLUMNS} FROM interaction WHERE content_key IN (?)", keys)}
    if repeated:
        await _tell_repeated_interactions(repeated, first_rows, stored, context)
    new = [record for record in fresh if record["content_key"] not in stored]
    changed = [(stored[record["content_key"]], record) for record in fresh if record["content_key"] in stored]
    await _insert_interactions(new, context)
    # rows are locked in one order everywhere: companies, then holdings, then programme reach
    await context.hold(named)
    await holdings.count_interactions((record["company"], record["department"], record["date"]) for record in new)
    await tallies.count_interactions((record["company"], record["department"], record["date"], record["programmes"])
                                     for record in new)
    updated = len(await _update_records("interaction", INTERACTION_UPDATABLE, changed, context,
                                        _interaction_programmes))
    summary.created += len(new)
    summary.updated += updated
    summary.unchanged += len(changed) - updated
    return failed


INTERACTION_COMPARED = ("subject", "notes", "follow_up_date", "follow_up_done", "confidential")


async def _tell_repeated_interactions(repeated, first_rows, matched: dict[str, dict], context: _Context) -> None:
    """List each duplicate with the line it repeats and its values the file loses: those that differ
    from what that row stored (its values over the interaction it matched, if any; `matched`: content
    key -> the stored interaction, as it was before this chunk)."""
    ids = [matched[record["content_key"]]["id"] for _, _, record, _ in repeated if record["content_key"] in matched]
    programmes = await _interaction_programmes(ids) if ids else {}
    contacts: dict[int, set[int]] = {record_id: set() for record_id in ids}
    if ids:
        for row in await db.fetch_in("SELECT interaction, contact FROM interaction_contact WHERE interaction IN (?)",
                                     ids):
            contacts[row["interaction"]].add(row["contact"])
    codes = {programme_id: code for code, programme_id in context.programmes.items()}
    for line, cells, record, first_line in repeated:
        written = record.pop("written")
        old = matched.get(record["content_key"])
        base = {"programmes": set(), "contact_ids": set(), "advisor": (None, ""), **INTERACTION_DEFAULTS}
        if old is not None:
            base.update({name: old[name] for name in ("subject", "notes")},
                        follow_up_date=db.as_date(old["follow_up_date"]) if old["follow_up_date"] else None,
                        follow_up_done=bool(old["follow_up_done"]), confidential=bool(old["confidential"]),
                        advisor=(old["advisor"], old["advisor_name"] or ""),
                        programmes=programmes.get(old["id"], set()), contact_ids=contacts.get(old["id"], set()))
        first = first_rows.get(first_line)
        if first is not None:
            base.update({name: first[name] for name in INTERACTION_COMPARED if first.get(name) not in (None, "")})
            if first["advisor"] or first["advisor_name"]:
                base["advisor"] = (first["advisor"], first["advisor_name"])
            base["programmes"] = base["programmes"] | set(first["programmes"])
            base["contact_ids"] = base["contact_ids"] | set(first["contact_ids"])
        elif old is None:  # the row it repeats is not known here
            context.duplicate(line, cells, first_line)
            continue
        lost = _not_stored(record, base, INTERACTION_COMPARED)
        if written["advisor"] and (record["advisor"], record["advisor_name"]) != base["advisor"]:
            lost.append(("advisor", written["advisor"]))
        if set(record["programmes"]) - base["programmes"]:
            lost.append(("programmes", [codes[i] for i in record["programmes"] if i not in base["programmes"]]))
        emails = sorted(email for contact_id, email in written["emails"].items() if contact_id not in base["contact_ids"])
        if emails:
            lost.append(("contacts", emails))
        context.duplicate(line, cells, first_line, lost)


async def _interaction_programmes(interaction_ids: list[int]) -> dict[int, set[int]]:
    return await _programmes_of("interaction_programme", "interaction", interaction_ids)


async def _insert_interactions(new: list[dict], context: _Context) -> None:
    ids = await db.reserve_ids("interaction", len(new))
    defaults = INTERACTION_DEFAULTS
    columns = ["id", *INTERACTION_FIELDS, "content_key", "created_at", "updated_at", "created_by", "updated_by",
               "import_batch"]
    rows, contact_links, programme_links, stamp = [], [], [], context.stamp()
    for interaction_id, record in zip(ids, new):
        record = {**defaults, **record}
        rows.append((interaction_id, *(record[name] for name in INTERACTION_FIELDS), record["content_key"],
                     *stamp))
        contact_links += [(interaction_id, contact_id) for contact_id in record["contact_ids"]]
        programme_links += [(interaction_id, programme_id) for programme_id in record["programmes"]]
    await db.insert_rows("interaction", columns, rows)
    await db.insert_rows("interaction_contact", ["interaction", "contact"], contact_links)
    await db.insert_rows("interaction_programme", ["interaction", "programme"], programme_links)


LOADERS = {"companies": load_companies, "contacts": load_contacts, "interactions": load_interactions}
