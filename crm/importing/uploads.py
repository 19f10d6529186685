"""Imports in the browser: a stored upload, its column mapping, saved mapping profiles, a preview.

The same pipeline as the CLI: detection is read.open_source, mapping is mapping.propose_mapping /
check_mapping, the preview runs normalize on the first rows, and the run (jobs.py) is
load.import_file. Nothing here knows HTTP.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, AsyncIterator

from crm import db
from crm.errors import Invalid, NotFound
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
    Unreadable,
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
        errors["kind"] = f"Choose what the file holds ({', '.join(KINDS)})"
    if suffix not in ALLOWED_SUFFIXES:
        errors["file"] = f"Upload a CSV or XLSX file (not '{file_name or 'nothing'}')"
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
                raise Invalid({"file": f"The file is larger than {max_bytes // 2**20} MB"})
            handle.write(chunk)
    try:
        source = open_source(path)
        total = estimate_rows(source)
    except Unreadable as error:
        path.unlink(missing_ok=True)
        raise Invalid({"file": str(error)}) from None
    profile = await find_profile(kind, department_id, source.headers)
    try:
        mapping = propose_mapping(kind, source.headers, profile["columns"] if profile else None)
    except MappingError:
        mapping = {}  # nothing recognised: the admin maps by hand
    async with db.write_transaction():
        row = ImportUpload(
            file_name=file_name, stored_name=stored_name, size=size, kind=kind, department=department_id,
            user=user_id, created_at=dt.datetime.now(dt.timezone.utc), encoding=source.encoding or "",
            delimiter=source.delimiter or "", sheet=source.sheet or "", headers=source.headers, row_estimate=total,
            mapping={str(index): field for index, field in mapping.items()},
            profile_name=profile["name"] if profile else "",
        )
        await row.save()
        await audit.record(action="upload", entity="import_upload", entity_id=row.id, actor_id=user_id,
                           changes={"file": [None, file_name], "kind": [None, kind], "size": [None, size]})
    return row.id


async def get_upload(upload_id: int) -> dict:
    row = await ImportUpload.select(*ImportUpload.all_columns(), ImportUpload.department.code).where(
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
    return await MappingProfile.select(MappingProfile.id, MappingProfile.name, MappingProfile.department.code).where(
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
        raise Invalid({"mapping": str(error)}) from None
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
        raise Invalid({"mapping": str(error)}) from None
    async with db.write_transaction():
        await ImportUpload.update({
            ImportUpload.mapping: {str(index): field for index, field in mapping.items()},
            ImportUpload.profile_name: profile["name"], ImportUpload.status: "uploaded", ImportUpload.dry_run: {},
        }).where(ImportUpload.id == upload_id)


def preview(upload: dict, upload_dir: Path, limit: int = PREVIEW_ROWS) -> tuple[list[dict], list[list[Any]]]:
    """The first rows after normalisation (each with its values or its reason), and sample cells."""
    source = open_source(stored_path(upload_dir, upload), sheet=upload["sheet"] or None)
    rows, samples = [], []
    width = len(source.headers)
    for line, cells in source.rows():
        if len(rows) >= limit:
            break
        samples.append(cells)
        try:
            values = normalize_row(upload["kind"], mapped((line, cells), upload["mapping"], width))
            rows.append({"line": line, "values": _flat(values), "error": ""})
        except RowError as error:
            rows.append({"line": line, "values": {}, "error": str(error)})
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

