"""Imports in the browser: a stored upload, its column mapping, saved mapping profiles, a preview.

The same pipeline as the CLI: detection is read.open_source, mapping is mapping.propose_mapping /
check_mapping, the preview runs normalize on the first rows, and the run (jobs.py) is
load.import_file. Nothing here knows HTTP. Every read of the stored file runs in a worker thread,
never on the event loop, and within the reader's limits (crm/importing/read.py).

A stored file lives only as long as it is needed: its run deletes it when it finishes (the batch
holds what revert needs), an upload not run is deleted after CRM_UPLOAD_RETENTION_HOURS, and
erasing a person deletes every stored file that names them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid
from pathlib import Path
from typing import Any, AsyncIterator

from crm import db
from crm.domain.erasure import Person, holds_person
from crm.domain import reasons
from crm.domain.problems import N_, on_one_line, rule_message
from crm.domain.records import text
from crm.errors import Conflict, Invalid, NotFound
from crm.importing.mapping import (
    KINDS,
    MappingError,
    check_mapping,
    header_key,
    propose_mapping,
)
from crm.importing.normalize import RowError, mapped, normalize_row
from crm.importing.read import (
    CSV_SUFFIXES,
    XLSX_SUFFIXES,
    EncodingUnclear,
    SourceFile,
    Unreadable,
    encoding_choices,
    estimate_rows,
    open_source,
)
from crm.services import audit
from crm.services.lookups import department_id_by_code
from crm.tables import ImportUpload, MappingProfile

ALLOWED_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES
PREVIEW_ROWS = 20


def stored_path(upload_dir: Path, upload: dict) -> Path:
    return upload_dir / upload["stored_name"]


async def save_upload(
    *,
    chunks: AsyncIterator[bytes],
    file_name: str,
    kind: str,
    department: str,
    user_id: int,
    upload_dir: Path,
    max_bytes: int,
) -> int:
    """Store the file, detect its format and propose a mapping (a matching saved profile first)."""
    errors: dict[str, str] = {}
    file_name = Path(file_name or "").name[:255]
    suffix = Path(file_name).suffix.lower()
    if kind not in KINDS:
        errors["kind"] = rule_message("Choose what the file holds (%(kinds)s)", kinds=", ".join(KINDS))
    if suffix not in ALLOWED_SUFFIXES:
        errors["file"] = (rule_message("Upload a CSV or XLSX file (not '%(value)s')", value=file_name) if file_name
                          else rule_message("Upload a CSV or XLSX file (not 'nothing')"))
    department_id = None
    if department:
        try:
            department_id = await department_id_by_code(department)
        except ValueError as error:
            errors["department"] = str(error)
    if errors:
        raise Invalid(errors)
    upload_dir.mkdir(parents=True, exist_ok=True)
    stored_name = f"{uuid.uuid4().hex}{suffix}"
    path = upload_dir / stored_name
    size = 0
    with path.open("wb") as handle:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                handle.close()
                path.unlink(missing_ok=True)
                raise Invalid({"file": rule_message("The file is larger than %(limit)s MB",
                                                    limit=max_bytes // 2**20)})
            await asyncio.to_thread(handle.write, chunk)
    try:
        source, total = await asyncio.to_thread(inspect_file, path)
    except EncodingUnclear:
        source, total = None, None  # the admin chooses the encoding first (set_encoding)
    except Unreadable as error:
        path.unlink(missing_ok=True)
        raise Invalid({"file": error.message}) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    values = await _detected(source, total, kind, department_id) if source else {}
    async with db.write_transaction():
        row = ImportUpload(
            file_name=file_name, stored_name=stored_name, size=size, kind=kind, department=department_id,
            user=user_id, created_at=dt.datetime.now(dt.timezone.utc), **values,
        )
        await row.save()
        await audit.record(action="upload", entity="import_upload", entity_id=row.id, actor_id=user_id,
                           changes={"file": [None, file_name], "kind": [None, kind], "size": [None, size]})
    return row.id


def inspect_file(path: Path, encoding: str | None = None) -> tuple[SourceFile, int | None]:
    """Blocking (run it in a thread): detect the format and header, read the rows the preview will
    show (so a broken one refuses the file now, not on its preview page), and estimate the rows."""
    source = open_source(path, encoding=encoding)
    source.first_rows(PREVIEW_ROWS)
    return source, estimate_rows(source)


async def _detected(source: SourceFile, total: int | None, kind: str, department_id: int | None) -> dict:
    """The upload's columns for what detection found, with a proposed mapping (a saved profile first)."""
    profile = await find_profile(kind, department_id, source.headers)
    message = ""
    try:
        mapping = propose_mapping(kind, source.headers, profile["columns"] if profile else None)
    except MappingError as error:  # nothing recognised: the admin maps by hand, told which headers were found
        mapping, message = {}, reasons.stored(on_one_line(error.message))
    return {
        "encoding": source.encoding or "", "delimiter": source.delimiter or "", "sheet": source.sheet or "",
        "headers": source.headers, "row_estimate": total,
        "mapping": {str(index): field for index, field in mapping.items()},
        "profile_name": profile["name"] if profile else "", "message": message,
    }


def needs_encoding(upload: dict) -> bool:
    """A CSV upload whose encoding detection did not settle: the admin chooses it before mapping."""
    return not upload["sheet"] and not upload["encoding"]


# Why a stored file is gone (kept in ImportUpload.file_removed_why, translated where it is shown).
REMOVED_AFTER_RUN = N_("The file was deleted when its import finished.")
REMOVED_EXPIRED = N_("The file was deleted: it was kept for the retention period without being imported.")
REMOVED_ERASED = N_("The file was deleted: a person it names was erased.")
REMOVED = N_("The uploaded file has been deleted: upload it again.")


def file_removed(upload: dict) -> bool:
    return upload["file_removed_at"] is not None


def require_file(upload: dict) -> None:
    if file_removed(upload):
        raise Conflict(rule_message(REMOVED))


async def encoding_candidates(upload: dict, upload_dir: Path) -> list[tuple[str, list[tuple[int, str]]]]:
    """The encodings the file could be in, each with the lines (number, text) it reads differently."""
    require_file(upload)
    return await asyncio.to_thread(encoding_choices, stored_path(upload_dir, upload))


async def set_encoding(upload_id: int, encoding: str, *, upload_dir: Path, actor_id: int) -> None:
    """The admin's choice among the candidates: read the header with it and propose a mapping."""
    upload = await get_upload(upload_id)
    choices = [name for name, _ in await encoding_candidates(upload, upload_dir)]
    if encoding not in choices:
        raise Invalid({"encoding": rule_message("Choose one of the encodings offered (%(choices)s)",
                                                choices=", ".join(choices))})
    try:
        source, total = await asyncio.to_thread(inspect_file, stored_path(upload_dir, upload), encoding)
    except Unreadable as error:
        raise Invalid({"encoding": error.message}) from None
    values = await _detected(source, total, upload["kind"], upload["department"])
    async with db.write_transaction():
        await ImportUpload.update({getattr(ImportUpload, name): value for name, value in values.items()}
                                  | {ImportUpload.status: "uploaded", ImportUpload.dry_run: {}}).where(
            ImportUpload.id == upload_id)
        await audit.record(action="update", entity="import_upload", entity_id=upload_id, actor_id=actor_id,
                           changes={"encoding": [upload["encoding"] or None, encoding]})


async def get_upload(upload_id: int) -> dict:
    department = ImportUpload.department
    row = await ImportUpload.select(*ImportUpload.all_columns(), department.code, department.name_fi,
                                    department.name_sv, department.name_en).where(
        ImportUpload.id == upload_id).output(load_json=True).first()
    if row is None:
        raise NotFound(f"Upload #{upload_id} does not exist")
    row["mapping"] = {int(index): field for index, field in (row["mapping"] or {}).items()}
    return row


async def find_profile(kind: str, department_id: int | None, headers: list[str]) -> dict | None:
    """A saved profile of this kind (this department's first) whose headers are exactly the file's."""
    wanted = {header_key(header) for header in headers if header}
    profiles = await MappingProfile.select().where(MappingProfile.kind == kind).order_by(
        MappingProfile.id, ascending=False).output(load_json=True)
    profiles.sort(key=lambda profile: profile["department"] != department_id)
    for profile in profiles:
        if {header_key(header) for header in profile["columns"]} == wanted:
            return profile
    return None


async def list_profiles(kind: str) -> list[dict]:
    department = MappingProfile.department
    return await MappingProfile.select(MappingProfile.id, MappingProfile.name, department.code, department.name_fi,
                                       department.name_sv, department.name_en).where(
        MappingProfile.kind == kind).order_by(MappingProfile.name)


async def set_mapping(upload_id: int, chosen: dict[int, str | None], *, profile_name: str = "",
                      actor_id: int) -> None:
    """Save the admin's column -> field choices (and, named, as a profile for the next file like it)."""
    upload = await get_upload(upload_id)
    mapping = {index: field for index, field in chosen.items()
               if field and 0 <= index < len(upload["headers"])}
    try:
        check_mapping(upload["kind"], mapping)
    except MappingError as error:
        raise Invalid({"mapping": error.message}) from None
    profile_name = profile_name.strip()[:100]
    async with db.write_transaction():
        await ImportUpload.update({
            ImportUpload.mapping: {str(index): field for index, field in mapping.items()},
            ImportUpload.status: "uploaded", ImportUpload.dry_run: {}, ImportUpload.message: "",
            ImportUpload.profile_name: profile_name or upload["profile_name"],
        }).where(ImportUpload.id == upload_id)
        await audit.record(action="update", entity="import_upload", entity_id=upload_id, actor_id=actor_id,
                           changes={"mapping": [{str(k): v for k, v in upload["mapping"].items()},
                                                {str(k): v for k, v in mapping.items()}]})
        if profile_name:
            columns = {header: mapping.get(index) for index, header in enumerate(upload["headers"]) if header}
            await MappingProfile.delete().where(
                (MappingProfile.name == profile_name) & (MappingProfile.kind == upload["kind"]))
            await MappingProfile.insert(MappingProfile(
                name=profile_name, kind=upload["kind"], department=upload["department"], columns=columns,
                created_by=actor_id, created_at=dt.datetime.now(dt.timezone.utc)))
            await audit.record(action="save_profile", entity="mapping_profile", entity_id=None, actor_id=actor_id,
                               changes={"name": [None, profile_name], "columns": [None, columns]})


async def apply_profile(upload_id: int, profile_id: int) -> None:
    upload = await get_upload(upload_id)
    profile = await MappingProfile.select().where(MappingProfile.id == profile_id).output(load_json=True).first()
    if profile is None or profile["kind"] != upload["kind"]:
        raise NotFound(f"Mapping profile #{profile_id} does not exist")
    try:
        mapping = propose_mapping(upload["kind"], upload["headers"], profile["columns"])
    except MappingError as error:
        raise Invalid({"mapping": on_one_line(error.message)}) from None
    async with db.write_transaction():
        await ImportUpload.update({
            ImportUpload.mapping: {str(index): field for index, field in mapping.items()},
            ImportUpload.profile_name: profile["name"], ImportUpload.status: "uploaded", ImportUpload.dry_run: {},
            ImportUpload.message: "",
        }).where(ImportUpload.id == upload_id)


async def preview(upload: dict, upload_dir: Path, limit: int = PREVIEW_ROWS) -> tuple[list[dict], list[list[Any]]]:
    """The first rows after normalisation (each with its values or its reason), and sample cells,
    read in a worker thread; a file that cannot be read (or is gone) is Invalid / Conflict, not a crash."""
    require_file(upload)
    try:
        return await asyncio.to_thread(_preview, upload, upload_dir, limit)
    except Unreadable as error:
        raise Invalid({"file": error.message}) from None
    except FileNotFoundError:
        raise Conflict(rule_message(REMOVED)) from None


def _preview(upload: dict, upload_dir: Path, limit: int) -> tuple[list[dict], list[list[Any]]]:
    source = open_source(stored_path(upload_dir, upload), sheet=upload["sheet"] or None,
                         encoding=upload["encoding"] or None)
    rows, samples = [], []
    width = len(source.headers)
    for line, cells in source.first_rows(limit):
        samples.append(cells)
        try:
            values = normalize_row(upload["kind"], mapped((line, cells), upload["mapping"], width))
            warning = values.pop("warnings", "")
            rows.append({"line": line, "values": _flat(values), "error": "", "warning": warning})
        except RowError as error:  # the row as the file wrote it: the admin sees what to correct
            written = {field: text(cells[index]) for index, field in upload["mapping"].items()
                       if field and index < len(cells) and text(cells[index])}
            rows.append({"line": line, "values": written, "error": error.reason, "warning": ""})
    return rows, samples


DERIVED = ("name_key", "search_text")  # matching keys and index text, not what the admin wrote


def _flat(values: dict) -> dict:
    """Nested normalised values (contact, company reference ...) as one level for a table."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if key in DERIVED:
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": item for inner, item in value.items() if item not in (None, "", [])})
        elif value not in (None, "", []):
            flat[key] = value
    return flat


# --- how long a stored file lives --------------------------------------------------------------


async def remove_file(upload_id: int, upload_dir: Path, why: str) -> None:
    """Delete an upload's stored file (the upload row stays, saying why the file is gone)."""
    upload = await get_upload(upload_id)
    if upload["file_removed_at"] is not None:
        return
    await asyncio.to_thread(stored_path(upload_dir, upload).unlink, missing_ok=True)
    async with db.write_transaction():
        await ImportUpload.update({ImportUpload.file_removed_at: dt.datetime.now(dt.timezone.utc),
                                   ImportUpload.file_removed_why: why}).where(ImportUpload.id == upload_id)


async def stored_uploads() -> list[dict]:
    """Uploads whose file is still in the upload directory."""
    return await ImportUpload.select(*ImportUpload.all_columns()).where(
        ImportUpload.file_removed_at.is_null()).order_by(ImportUpload.id).output(load_json=True)


async def remove_expired(upload_dir: Path, retention_hours: float) -> int:
    """Delete the stored files of uploads older than the retention period that no run is reading."""
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=retention_hours)
    expired = [upload for upload in await stored_uploads()
               if upload["created_at"] < cutoff and upload["status"] not in ("checking", "running")]
    for upload in expired:
        await remove_file(upload["id"], upload_dir, REMOVED_EXPIRED)
    return len(expired)


async def remove_files_naming(who: Person, upload_dir: Path) -> int:
    """Erasure: delete every stored file with a row that holds the person."""
    removed = 0
    for upload in await stored_uploads():
        if await asyncio.to_thread(_names_person, stored_path(upload_dir, upload), upload, who):
            await remove_file(upload["id"], upload_dir, REMOVED_ERASED)
            removed += 1
    return removed


def _names_person(path: Path, upload: dict, who: Person) -> bool:
    """Blocking: does a row of the file hold the person? A file that cannot be read is deleted too."""
    terms = [term.lower() for term in who.search_terms()]
    try:
        try:
            source = open_source(path, sheet=upload["sheet"] or None, encoding=upload["encoding"] or None)
        except EncodingUnclear:  # not chosen yet: UTF-8 with Windows-1252 for the rest reads every byte
            source = open_source(path, encoding="utf-8")
        for _, cells in itertools.chain([(0, source.headers)], source.rows()):
            text = "\x1f".join(str(cell) for cell in cells if cell is not None).lower()
            if any(term in text for term in terms) and holds_person(cells, who):
                return True
    except Unreadable:
        return True
    except FileNotFoundError:
        return False
    return False
