"""Error file benchmark: a failed import's row file (GET /imports/{id}/errors.csv) downloaded from
`crm serve`, streamed from the database a page at a time, while /healthz is polled.

    python bench/error_file_bench.py [--rows 1000000] [--engine sqlite|postgres] [--port 8150]

Writes a batch with ROWS row errors of eight cells each straight into a scratch database
(SQLite under /tmp/trust-bench, or the PostgreSQL database crm_trust_bench), starts the app,
logs in as an admin, downloads the file and prints: its size and rows, the seconds it took, the
server's resident memory before and its peak (VmHWM) after, and /healthz latency meanwhile.
Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path("/tmp/trust-bench")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/crm_trust_bench"
HEADERS = ["Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Titteli", "Y-tunnus", "Yritys", "Lisätiedot"]
EMAIL, PASSWORD = "bench@espoo.example", "bench-password-1"


def cells(line: int) -> str:
    return json.dumps([f"Etunimi{line}", f"Sukunimi{line}", f"henkilo{line}@example.fi", f"040 {line:07d}",
                       "Toimitusjohtaja", f"{line % 9_999_999:07d}-0", f"Yritys {line} Oy",
                       "Tapasimme messuilla, jatketaan keväällä"], ensure_ascii=False)


def prepare(engine: str, rows: int) -> dict[str, str]:
    env = dict(os.environ, CRM_SECRET_KEY="bench-secret", CRM_UPLOAD_DIR=str(SCRATCH / "uploads"),
               PYTHONPATH=str(ROOT))
    if engine == "sqlite":
        shutil.rmtree(SCRATCH, ignore_errors=True)
        SCRATCH.mkdir(parents=True)
        env["CRM_DATABASE_URL"] = f"sqlite:///{SCRATCH / 'crm.sqlite3'}"
    else:
        import asyncpg

        async def recreate():
            connection = await asyncpg.connect(PG_ADMIN)
            await connection.execute('DROP DATABASE IF EXISTS "crm_trust_bench" WITH (FORCE)')
            await connection.execute('CREATE DATABASE "crm_trust_bench"')
            await connection.close()

        asyncio.run(recreate())
        env["CRM_DATABASE_URL"] = PG_URL
    crm = [sys.executable, "-m", "crm"]
    subprocess.run([*crm, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*crm, "user", "add", EMAIL, "--role", "admin", "--department", "BIZ", "--password-stdin"],
                   env=env, check=True, capture_output=True, input=PASSWORD, text=True)
    started = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc)
    batch = ("kind, file_name, file_sha256, mapping, headers, status, started_at, finished_at, rows, created, "
             "updated, unchanged, duplicates_in_file, errors, message")
    values = ("contacts", "henkilot.csv", "0" * 64, "{}", json.dumps(HEADERS, ensure_ascii=False), "committed", now,
              now, rows, 0, 0, 0, 0, rows, "")
    reason = "No company with Business ID 1041090-0 is in the record (import companies first)"
    if engine == "sqlite":
        with sqlite3.connect(SCRATCH / "crm.sqlite3") as connection:
            marks = ", ".join("?" for _ in values)
            cursor = connection.execute(f"INSERT INTO import_batch ({batch}) VALUES ({marks})",
                                        [v.isoformat() if isinstance(v, dt.datetime) else v for v in values])
            batch_id = cursor.lastrowid
            for start in range(2, rows + 2, 100_000):
                connection.executemany(
                    "INSERT INTO import_row_error (import_batch, line, reason, cells) VALUES (?, ?, ?, ?)",
                    [(batch_id, line, reason, cells(line)) for line in range(start, min(start + 100_000, rows + 2))])
    else:
        import asyncpg

        async def fill() -> int:
            connection = await asyncpg.connect(PG_URL)
            marks = ", ".join(f"${n}" for n in range(1, len(values) + 1))
            batch_id = await connection.fetchval(
                f"INSERT INTO import_batch ({batch}) VALUES ({marks.replace('$4', '$4::json').replace('$5', '$5::json')}) "
                "RETURNING id", *values)
            for start in range(2, rows + 2, 100_000):
                await connection.copy_records_to_table(
                    "import_row_error", columns=["import_batch", "line", "reason", "cells"],
                    records=[(batch_id, line, reason, cells(line)) for line in range(start, min(start + 100_000, rows + 2))])
            await connection.execute("ANALYZE import_row_error")
            await connection.close()
            return batch_id

        batch_id = asyncio.run(fill())
    print(f"{engine}: {rows:,} row errors written in {time.perf_counter() - started:.1f} s")
    env["BATCH_ID"] = str(batch_id)
    return env


def memory(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+)", status)[1]) // 1024 for key in ("VmRSS", "VmHWM")}


def run(engine: str, rows: int, port: int) -> None:
    env = prepare(engine, rows)
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "crm", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=600) as http:
            token = re.search(r'name="_csrf_token" value="([^"]+)"', http.get("/login").text)[1]
            http.post("/login", data={"email": EMAIL, "password": PASSWORD, "_csrf_token": token})
            before = memory(server.pid)
            latencies: list[float] = []
            resident: list[int] = []
            done = threading.Event()

            def poll():
                with httpx.Client(base_url=base, timeout=120) as health:
                    while not done.is_set():
                        started = time.perf_counter()
                        health.get("/healthz")
                        latencies.append(time.perf_counter() - started)
                        resident.append(memory(server.pid)["VmRSS"])
                        time.sleep(0.1)

            poller = threading.Thread(target=poll)
            poller.start()
            started = time.perf_counter()
            size = lines = 0
            with http.stream("GET", f"/imports/{env['BATCH_ID']}/errors.csv") as response:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            seconds = time.perf_counter() - started
            done.set()
            poller.join()
            after = memory(server.pid)
        latencies.sort()
        print(f"{engine}: errors.csv {lines - 1:,} rows, {size / 2**20:.0f} MB in {seconds:.1f} s "
              f"({(lines - 1) / seconds:,.0f} rows/s); server RSS {before['VmRSS']} MB before, "
              f"at most {max(resident, default=0)} MB during, {after['VmRSS']} MB after; "
              f"peak RSS {after['VmHWM']} MB ({before['VmHWM']} MB before the download)")
        print(f"{engine}: /healthz during the download: {len(latencies)} requests, "
              f"median {statistics.median(latencies) * 1000:.0f} ms, "
              f"95th percentile {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--port", type=int, default=8150)
    args = parser.parse_args()
    for engine in (["sqlite", "postgres"] if args.engine == "both" else [args.engine]):
        run(engine, args.rows, args.port)


if __name__ == "__main__":
    main()
