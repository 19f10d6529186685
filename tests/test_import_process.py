"""Big files are read and normalised in a second process (crm/importing/prepare.py). Here every file
takes that path, whatever its size: the batch must come out exactly as it does from the thread, a
file that breaks mid-way is refused whole, and a batch that fails stops the reading process."""

from __future__ import annotations

import asyncio
import multiprocessing
import time

import pytest
from test_import_support import check, generated_business_id, row_errors, snapshot, write

from crm.importing import load, prepare
from crm.i18n import reason_in
from crm.importing.load import ImportRefused, import_file
from crm.tables import Company, ImportBatch

pytestmark = pytest.mark.usefixtures("db")

MIXED = (
    "Y-tunnus;Yrityksen nimi;Postinumero\n"
    "0112038-9;Nokia Oyj;02610\n"
    "1234567-2;Väärä Oy;02100\n"  # wrong check digit
    "01120389;Nokia Oyj;2610\n"  # the same company, written another way
    "1041090-0;UPM-Kymmene Oyj;00100\n"
    ";Äijän Kahvila Ky;02100\n"
    ";;\n"  # blank: not a row
    "2336509-6;Supercell Oy;00180\n"
)


@pytest.fixture
def in_a_process(monkeypatch):
    monkeypatch.setattr(prepare, "PROCESS_MIN_ROWS", 0)


async def test_a_file_prepared_in_a_process_gives_the_same_batch_as_in_a_thread(tmp_path, monkeypatch):
    path = write(tmp_path, "yritykset.csv", MIXED)
    in_thread = await import_file("companies", path, dry_run=True, chunk_rows=2)
    monkeypatch.setattr(prepare, "PROCESS_MIN_ROWS", 0)
    children = []
    summary = await import_file("companies", path, chunk_rows=2,
                                progress=lambda count: children.append(multiprocessing.active_children()))
    assert children[0]  # a second process was reading while the first chunk was written
    check(summary, rows=6, created=4, duplicates_in_file=1, errors=1)
    assert {**in_thread.as_dict(), "batch_id": None, "dry_run": False, "seconds": 0} == \
        {**summary.as_dict(), "batch_id": None, "seconds": 0}
    assert await row_errors(summary.batch_id) == [(3, "Business ID '1234567-2': wrong check digit")]
    assert sorted(row["name"] for row in await Company.select()) == [
        "Nokia Oyj", "Supercell Oy", "UPM-Kymmene Oyj", "Äijän Kahvila Ky"]
    assert not multiprocessing.active_children()
    again = await import_file("companies", path, chunk_rows=2)
    check(again, rows=6, unchanged=4, duplicates_in_file=1, errors=1)


async def test_a_file_that_breaks_mid_way_is_refused_whole(tmp_path, in_a_process):
    check(await import_file("companies", write(tmp_path, "ennen.csv", MIXED)), rows=6, created=4,
          duplicates_in_file=1, errors=1)
    before = await snapshot(batches=False)
    content = "Y-tunnus;Nimi\n" + "".join(f";Yritys {n}\n" for n in range(5)) + ";" + "x" * 1_100_000 + "\n"
    with pytest.raises(ImportRefused, match="Line 7"):
        await import_file("companies", write(tmp_path, "jattisolu.csv", content), chunk_rows=2)
    assert await snapshot(batches=False) == before
    batch = await ImportBatch.select().order_by(ImportBatch.id, ascending=False).first()
    assert batch["status"] == "failed" and "Line 7" in reason_in("en", batch["message"])  # as stored: in no one language
    assert not multiprocessing.active_children()


async def test_a_batch_that_fails_stops_the_reading_process(tmp_path, in_a_process, monkeypatch):
    before = await snapshot(batches=False)
    insert_companies = load._insert_companies
    calls = []

    async def failing_on_the_second_chunk(new, context):
        calls.append(multiprocessing.active_children())
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return await insert_companies(new, context)

    monkeypatch.setattr(load, "_insert_companies", failing_on_the_second_chunk)
    content = "Y-tunnus;Nimi\n" + "".join(f";Yritys {n}\n" for n in range(2_000))
    with pytest.raises(RuntimeError, match="disk on fire"):
        await import_file("companies", write(tmp_path, "kaatuu.csv", content), chunk_rows=10)
    assert calls[0]  # the reader was running, far from the end of the file
    assert not multiprocessing.active_children()
    assert await snapshot(batches=False) == before


@pytest.mark.parametrize("in_process", [False, True], ids=["thread", "process"])
async def test_a_cancelled_import_stops_reading_and_changes_nothing(tmp_path, monkeypatch, in_process):
    """A stopped app cancels its running imports: the task ends cancelled (not with another error
    from the reader), the reading stops and the batch is rolled back."""
    monkeypatch.setattr(prepare, "PROCESS_MIN_ROWS", 0 if in_process else 10**9)
    prepare_chunk = prepare.prepare_chunk

    def slow_after_the_first_chunk(chunk, *args):  # the reader is still busy when the cancel comes
        if chunk[0][0] > 2:
            time.sleep(0.3)
        return prepare_chunk(chunk, *args)

    monkeypatch.setattr(prepare, "prepare_chunk", slow_after_the_first_chunk)  # the thread's only
    before = await snapshot(batches=False)
    path = write(tmp_path, "iso.csv", "Y-tunnus;Nimi\n" + "".join(f";Yritys {n}\n" for n in range(40_000)))
    task = asyncio.create_task(import_file("companies", path, chunk_rows=5_000,
                                           progress=lambda count: task.cancel()))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not multiprocessing.active_children()
    assert await snapshot(batches=False) == before


async def test_another_app_process_starting_leaves_a_running_import_alone(tmp_path):
    """Two processes: `crm import` runs a long batch; `crm serve` starts meanwhile (and recovers
    interrupted runs at its start); the batch goes on and commits."""
    import os
    import socket
    import subprocess
    import sys
    import urllib.request

    lines = ["Y-tunnus;Yrityksen nimi;Postinumero"]
    lines += [f"{bid};Yritys {n} Oy;02150" for n in range(1_000_000, 1_300_000) if (bid := generated_business_id(n))]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = dict(os.environ)
    importer = subprocess.Popen([sys.executable, "-m", "crm", "import", "companies", str(big), "--json"],
                                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    server = None
    try:
        deadline = time.monotonic() + 120
        while not await ImportBatch.exists().where(ImportBatch.status == "running"):
            assert importer.poll() is None and time.monotonic() < deadline, "the import never started"
            await asyncio.sleep(0.1)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen([sys.executable, "-m", "crm", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:  # the server answers once its start (and its recovery of interrupted runs) is done
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.2)
        assert importer.poll() is None, "the import ended before the second process started: make the file bigger"
        assert (await ImportBatch.select(ImportBatch.status).first())["status"] == "running"
        assert importer.wait(timeout=600) == 0
    finally:
        for process in (importer, server):
            if process is not None and process.poll() is None:
                process.kill()
    batch = await ImportBatch.select(ImportBatch.status, ImportBatch.created).first()
    assert batch["status"] == "committed" and batch["created"] == len(lines) - 1
    assert await Company.count() == len(lines) - 1
