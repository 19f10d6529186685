"""Import runs in the background of the web app: the dry run behind the preview, and the real run.

A run is an asyncio task in the app process that took the request, so it goes on when the admin
closes the tab. Its progress is a small JSON file in the upload directory, readable by every app
process; its outcome is written to the ImportUpload row. While it runs it keeps a heartbeat
(crm/importing/heartbeat.py); a run whose process stopped was rolled back by the database, and
recover_interrupted() marks it failed at any process's next start once its heartbeat has stopped,
never while another process still runs it. A real run deletes
the stored file when it finishes, committed or failed (the batch holds what revert needs), and
housekeeping() deletes the files of uploads nobody ran within the retention period.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from crm import db
from crm.domain import reasons
from crm.domain.problems import N_, rule_message
from crm.importing import heartbeat
from crm.importing.batches import fail
from crm.importing.load import ImportRefused, import_file
from crm.importing.uploads import (
    PREVIEW_ROWS,
    REMOVED_AFTER_RUN,
    get_upload,
    remove_expired,
    remove_file,
    require_file,
    stored_path,
)
from crm.tables import ImportBatch, ImportUpload

log = logging.getLogger("crm.imports")
FAILED = N_("The import failed and changed nothing (%(error)s)")
_tasks: set[asyncio.Task] = set()


def progress_path(upload_dir: Path, upload_id: int) -> Path:
    return upload_dir / f"upload-{upload_id}.progress.json"


def read_progress(upload_dir: Path, upload_id: int) -> dict:
    try:
        return json.loads(progress_path(upload_dir, upload_id).read_text())
    except (OSError, ValueError):
        return {"done": 0}


async def start(upload_id: int, *, dry_run: bool, actor_id: int, upload_dir: Path) -> None:
    upload = await get_upload(upload_id)
    require_file(upload)
    async with db.write_transaction():  # one statement decides: two clicks never start two runs
        claimed = await ImportUpload.update({ImportUpload.status: "checking" if dry_run else "running",
                                             ImportUpload.message: ""}).where(
            (ImportUpload.id == upload_id)
            & ImportUpload.status.not_in(["checking", "running", "done"])
        ).returning(ImportUpload.id)
    if not claimed:
        return  # already going, or done
    task = asyncio.create_task(_run(upload, dry_run=dry_run, actor_id=actor_id, upload_dir=upload_dir))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _run(upload: dict, *, dry_run: bool, actor_id: int, upload_dir: Path) -> None:
    counter = {"done": 0, "total": upload["row_estimate"]}
    progress_file = progress_path(upload_dir, upload["id"])

    def progress(rows: int) -> None:
        counter["done"] += rows
        progress_file.write_text(json.dumps(counter))

    listed: list[tuple[int, str]] = []  # the dry run's first rows for the row file, for the preview

    def keep(rows: list[tuple[int, str]]) -> None:
        listed.extend(rows[:max(0, PREVIEW_ROWS - len(listed))])

    progress(0)
    try:
        async with heartbeat.beating(f"upload-{upload['id']}"):
            summary = await import_file(
                upload["kind"], stored_path(upload_dir, upload), department=upload["department.code"],
                columns=upload["mapping"], file_name=upload["file_name"], sheet=upload["sheet"] or None,
                encoding=upload["encoding"] or None, dry_run=dry_run, actor_id=actor_id, progress=progress,
                listed=keep if dry_run else None,
            )
    except ImportRefused as error:  # the message kept in no one language, shown in the reader's
        outcome = dict(status="failed", message=reasons.stored(error.message))
    except Exception as error:  # the batch was rolled back and marked failed by import_file
        log.exception("import of upload %s failed", upload["id"])
        outcome = dict(status="failed", message=reasons.stored(rule_message(FAILED, error=str(error))))
    else:
        outcome = (dict(status="checked", dry_run={**summary.as_dict(), "listed": listed}) if dry_run
                   else dict(status="done", batch=summary.batch_id))
    finally:
        progress_file.unlink(missing_ok=True)
        if not dry_run:  # before the outcome is told: whoever sees it finished sees the file gone
            await remove_file(upload["id"], upload_dir, REMOVED_AFTER_RUN)
    await _finish(upload["id"], **outcome)


async def _finish(upload_id: int, **values) -> None:
    async with db.write_transaction():
        await ImportUpload.update({getattr(ImportUpload, name): value for name, value in values.items()}).where(
            ImportUpload.id == upload_id)


async def recover_interrupted() -> list[str]:
    """At start, and whenever asked: runs whose process stopped (their heartbeat is gone or stale)
    did not commit; say so. A run another process (or the CLI) is still beating for is left alone.
    Returns the runs marked failed, e.g. ['upload-3', 'batch-12']."""
    message = rule_message(N_("Interrupted by a restart"))  # in no one language, as a refusal is
    # read first, without the write lock (a live SQLite import holds it): write only for dead runs
    uploads = [row["id"] for row in await ImportUpload.select(ImportUpload.id).where(
        ImportUpload.status.is_in(["checking", "running"])) if not heartbeat.alive(f"upload-{row['id']}")]
    batches = [row["id"] for row in await ImportBatch.select(ImportBatch.id).where(
        ImportBatch.status == "running") if not heartbeat.alive(f"batch-{row['id']}")]
    for batch in await ImportBatch.select(ImportBatch.id, ImportBatch.started_at).where(
            ImportBatch.id.is_in(batches or [0]) & (ImportBatch.status == "running")):
        await fail(batch["id"], message, batch["started_at"])  # on SQLite, its committed chunks go
    if uploads:
        async with db.write_transaction():
            await ImportUpload.update({ImportUpload.status: "failed", ImportUpload.message: reasons.stored(message)}).where(
                ImportUpload.id.is_in(uploads) & ImportUpload.status.is_in(["checking", "running"]))
    return [f"upload-{number}" for number in uploads] + [f"batch-{number}" for number in batches]


HOUSEKEEPING_SECONDS = 3600


async def housekeeping(upload_dir: Path, retention_hours: float, stop: asyncio.Event) -> None:
    """Runs beside the app until `stop` is set: every hour, delete the stored files kept past the
    retention period. (Stopped, not cancelled: a round ends its database work before the app does.)"""
    while not stop.is_set():
        try:
            await remove_expired(upload_dir, retention_hours)
        except Exception:  # the next round tries again
            log.exception("deleting expired uploads failed")
        try:
            await asyncio.wait_for(stop.wait(), HOUSEKEEPING_SECONDS)
        except asyncio.TimeoutError:
            pass
