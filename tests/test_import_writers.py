"""Writers during an import (SPEC §7): an advisor's save goes through while `crm import` runs a long
batch in another process, on both engines. SQLite commits a batch in turns of about half a second
(db.TURN_SECONDS; one write lock for the whole database), so here the advisor's writer waits at most
two seconds for the lock: a batch holding it for longer than that makes the save fail. PostgreSQL keeps one transaction and row locks.
A SQLite batch whose process dies is rolled back by its own revert data at the next start."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from test_import_support import generated_business_id, snapshot, write
from webutil import make_user

from crm import db
from crm.i18n import reason_in
from crm.importing import heartbeat
from crm.importing.jobs import recover_interrupted
from crm.importing.load import import_file
from crm.services.interactions import create_interaction
from crm.tables import Company, Department, ImportBatch, Interaction

pytestmark = pytest.mark.usefixtures("db")

LOCK_WAIT_SECONDS = 2


def _big_file(tmp_path, rows: int):
    lines = ["Y-tunnus;Yrityksen nimi;Postinumero"]
    lines += [f"{bid};Yritys {n} Oy;02150" for n in range(2_000_000, 2_000_000 + rows) if (bid := generated_business_id(n))]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, len(lines) - 1


@pytest.fixture
def short_lock_wait(monkeypatch):
    """This process's SQLite writers give up after LOCK_WAIT_SECONDS (the app's default is 30)."""
    if db.is_sqlite():
        monkeypatch.setitem(db.engine().connection_kwargs, "timeout", LOCK_WAIT_SECONDS)


async def _running(importer: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not await ImportBatch.exists().where(ImportBatch.status == "running"):
        assert importer.poll() is None and time.monotonic() < deadline, "the import never started"
        await asyncio.sleep(0.05)


async def _saves_during(importer: subprocess.Popen, company_id: int, advisor: int, department: int) -> int:
    """Advisor saves, one every 0.2 s while the import runs (at least three): each must succeed."""
    saved = 0
    while importer.poll() is None or saved < 3:
        await create_interaction({"kind": "call", "date": "2026-11-30", "subject": f"Soitto {saved}"},
                                 company_id=company_id, department_id=department, advisor_id=advisor,
                                 actor_id=advisor)
        saved += 1
        await asyncio.sleep(0.2)
    return saved


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry-run"])
async def test_an_advisor_saves_while_a_long_import_runs(tmp_path, short_lock_wait, dry_run):
    await import_file("companies", write(tmp_path, "oma.csv", "Y-tunnus;Nimi\n2336509-6;Supercell Oy\n"))
    company = await Company.select(Company.id).first()
    advisor = await make_user("neuvoja@espoo.example")
    department = (await Department.select(Department.id).where(Department.code == "BIZ").first())["id"]
    big, rows = _big_file(tmp_path, 60_000)
    importer = subprocess.Popen([sys.executable, "-m", "crm", "import", "companies", str(big), "--json",
                                 *(["--dry-run"] if dry_run else [])],
                                env=dict(os.environ), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if dry_run:  # a dry run's batch row exists only inside its transactions: wait for it to start reading
            await asyncio.sleep(1.5)
        else:
            await _running(importer)
        saves = await _saves_during(importer, company["id"], advisor, department)
        out, err = importer.communicate(timeout=600)
    finally:
        if importer.poll() is None:
            importer.kill()
    assert importer.returncode == 0, err.decode()
    assert f'"created": {rows}' in out.decode()
    assert await Interaction.count() == saves
    assert await Company.count() == 1 + (0 if dry_run else rows)
    if not dry_run:
        batch = await ImportBatch.select(ImportBatch.status, ImportBatch.created).where(
            ImportBatch.file_name == "big.csv").first()
        assert batch == {"status": "committed", "created": rows}


async def test_a_sqlite_import_whose_process_died_is_rolled_back_at_the_next_start(tmp_path):
    await import_file("companies", write(tmp_path, "oma.csv", "Y-tunnus;Nimi;Kotisivu\n2336509-6;Supercell Oy;\n"))
    big, _ = _big_file(tmp_path, 120_000)
    with big.open("a", encoding="utf-8") as file:  # the last row updates a record held before
        file.write("2336509-6;Supercell Oy;supercell.com\n")
    before = await snapshot(batches=False)
    importer = subprocess.Popen([sys.executable, "-m", "crm", "import", "companies", str(big)],
                                env=dict(os.environ), cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        await _running(importer)
        deadline = time.monotonic() + 120
        while db.is_sqlite() and await Company.count() < 10_000:  # a few chunks committed
            assert importer.poll() is None and time.monotonic() < deadline, "the import ended too soon"
            await asyncio.sleep(0.05)
        if not db.is_sqlite():  # nothing of it is visible before it commits
            await asyncio.sleep(1)
        assert importer.poll() is None, "the import ended too soon"
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=30)
    finally:
        if importer.poll() is None:
            importer.kill()
    batch = await ImportBatch.select(ImportBatch.id).where(ImportBatch.status == "running").first()
    assert batch is not None
    name = f"batch-{batch['id']}"
    assert heartbeat.path(name).exists()  # the killed process left its file; it goes stale
    stale = time.time() - heartbeat.STALE_SECONDS - 1
    os.utime(heartbeat.path(name), (stale, stale))
    assert await recover_interrupted() == [name]
    assert await snapshot(batches=False) == before
    batch = await ImportBatch.select(ImportBatch.status, ImportBatch.message).where(
        ImportBatch.id == batch["id"]).first()
    assert batch["status"] == "failed"
    message = reason_in("en", batch["message"])
    if db.is_sqlite():  # its committed chunks were undone; the update was in the last row, never reached
        assert re.fullmatch(r"Interrupted by a restart; rolled back: [1-9][0-9]* removed, 0 restored", message)
    else:  # nothing of it was committed
        assert message == "Interrupted by a restart"
