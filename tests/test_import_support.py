"""Helpers the import tests share (no tests here): files, summaries, a snapshot of the database."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from crm.domain.ytunnus import business_id_check_digit
from crm.i18n import reason_in
from crm.tables import (
    AuditEvent,
    Company,
    CompanyContact,
    CompanyProgramme,
    Contact,
    ImportBatch,
    ImportChange,
    ImportRowError,
    Interaction,
    InteractionContact,
    InteractionProgramme,
)

ROOT = Path(__file__).resolve().parent.parent

RECORD_TABLES = (Company, CompanyProgramme, Contact, CompanyContact, Interaction, InteractionContact,
                 InteractionProgramme)
BATCH_TABLES = (ImportBatch, ImportRowError, ImportChange, AuditEvent)
SUMMARY_KEYS = ["batch_id", "kind", "file", "rows", "created", "updated", "unchanged", "duplicates_in_file",
                "errors", "warnings", "error_file", "mapping", "dry_run", "seconds"]


def write(folder: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """A file as a department would send it: text in the given encoding, or raw bytes."""
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def check(summary, *, rows: int, created: int = 0, updated: int = 0, unchanged: int = 0,
          duplicates_in_file: int = 0, errors: int = 0, warnings: int | None = None) -> None:
    """Exact counts, and every row accounted for exactly once (warnings: rows kept with a value dropped)."""
    if warnings is not None:
        assert summary.warnings == warnings
    got = {name: getattr(summary, name) for name in
           ("rows", "created", "updated", "unchanged", "duplicates_in_file", "errors")}
    assert got == dict(rows=rows, created=created, updated=updated, unchanged=unchanged,
                       duplicates_in_file=duplicates_in_file, errors=errors)
    assert summary.rows == (summary.created + summary.updated + summary.unchanged
                            + summary.duplicates_in_file + summary.errors)


async def row_file(batch_id: int) -> list[tuple[int, str]]:
    """Every row the row file lists: errors, duplicates in the file and warnings, by line."""
    rows = await ImportRowError.select(ImportRowError.line, ImportRowError.reason).where(
        ImportRowError.import_batch == batch_id).order_by(ImportRowError.line, ImportRowError.id)
    return [(row["line"], reason_in("en", row["reason"])) for row in rows]  # as stored: in no one language


async def row_errors(batch_id: int) -> list[tuple[int, str]]:
    """The rows refused: the row file without its duplicates and warnings."""
    return [(line, reason) for line, reason in await row_file(batch_id)
            if not reason.startswith(("Warning: ", "Duplicate in the file"))]


async def companies() -> dict[str, dict]:
    """Stored companies by name."""
    return {row["name"]: row for row in await Company.select().order_by(Company.id)}


async def snapshot(*, batches: bool = True) -> dict:
    """Counts of every record table and a digest of their rows: equal snapshots, same stored data.
    With batches=False the import bookkeeping (batches, row errors, changes, audit) is left out."""
    state = {}
    for table in RECORD_TABLES + (BATCH_TABLES if batches else ()):
        rows = await table.select().order_by(table.id)
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        state[table._meta.tablename] = (len(rows), digest)
    return state


def crm(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m crm ...` as a user runs it, against the test database, from any folder."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "crm", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def one_json_object(stdout: str) -> dict:
    """stdout holds exactly one JSON object on one line, and nothing else."""
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    summary = json.loads(lines[0])
    assert isinstance(summary, dict)
    return summary


def generated_business_id(body: int) -> str:
    """The valid Business ID with this 7-digit body, or '' for a body no ID is issued for."""
    digit = business_id_check_digit(f"{body:07d}")
    return "" if digit is None else f"{body:07d}-{digit}"
