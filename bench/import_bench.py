"""Import benchmark: `crm import` against a raw bulk insert of the same rows, on SQLite and PostgreSQL.

    python bench/import_bench.py [--rows 1000000] [--engine sqlite|postgres|both]

Prints, per engine: rows/s of the raw baseline (sqlite3 executemany in one transaction into a table
with the same unique index; PostgreSQL COPY), rows/s of `crm import companies` (the real CLI in a
subprocess: reading, validation, matching, bulk write, FTS index), their ratio, the import's peak
RSS, then the same for 1M interactions, and the latency of web requests made while an import runs.

It also prints a second yardstick: the same raw insert into the app's own company table (all its
columns, its indexes and its search index, every value worked out before the clock starts, the
page cache the importer uses). No import into that table can be faster than that: the gap between
the two baselines is what the schema costs, the gap between it and `crm import` what the importer
costs. Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
POSTAL = ["02100", "02150", "02180", "02200", "02230", "02600", "02610", "02650", "02770", "02920"]
WORDS = ["Kupla", "Otaniemi", "Nordic", "Pixel", "Data", "Robo", "Kahvila", "Rakennus", "Logistiikka", "Soft",
         "Tech", "Design", "Studio", "Partners", "Labs", "Forge", "Pilvi", "Aalto", "Metsä", "Järvi"]
FORMS = ["Oy", "Ab", "Ky", "Oyj", "Tmi"]


def business_ids(count: int):
    body = 3_000_000
    made = 0
    while made < count:
        body += 1
        digits = f"{body:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, WEIGHTS)) % 11
        if remainder == 1:
            continue
        yield f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        made += 1


def write_companies(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Y-tunnus", "Yrityksen nimi", "Yritysmuoto", "Toimialakoodi", "Katuosoite", "Postinumero",
                         "Postitoimipaikka"])
        for number, business_id in enumerate(business_ids(rows)):
            writer.writerow([business_id, f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number} {rng.choice(FORMS)}",
                             "Osakeyhtiö", rng.choice(["62010", "56101", "41200", "70220"]),
                             f"Keilaranta {number % 90 + 1}", rng.choice(POSTAL), "Espoo"])


def write_interactions(path: Path, rows: int, companies: int) -> None:
    rng = random.Random(8)
    ids = list(business_ids(companies))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Päivämäärä", "Y-tunnus", "Tyyppi", "Aihe", "Muistiinpanot"])
        for number in range(rows):
            writer.writerow([f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.{rng.choice([2024, 2025, 2026])}",
                             rng.choice(ids), rng.choice(["Tapaaminen", "Puhelu", "Sähköposti", "Tapahtuma"]),
                             f"Aihe {number}", "Keskusteltiin kasvusuunnitelmista."])


def read_rows(path: Path) -> list[tuple]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        return [tuple(row) for row in reader]


def raw_sqlite(rows: list[tuple]) -> float:
    database = Path(tempfile.mkdtemp()) / "raw.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE company (id INTEGER PRIMARY KEY, business_id TEXT UNIQUE, name TEXT, "
                       "company_form TEXT, industry_code TEXT, street TEXT, postal_code TEXT, city TEXT)")
    started = time.perf_counter()
    with connection:
        connection.executemany("INSERT INTO company (business_id, name, company_form, industry_code, street, "
                               "postal_code, city) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


APP_COLUMNS = ["id", "business_id", "name", "name_key", "company_form", "industry_code", "industry_classification",
               "street", "postal_code", "city", "municipality_code", "search_text", "created_at", "updated_at"]


def app_table_rows(rows: list[tuple], *, sqlite: bool) -> list[tuple]:
    """The rows as the app's company table holds them, worked out before any clock starts."""
    import datetime as dt

    sys.path.insert(0, str(ROOT))
    from crm.domain.names import name_key, search_text

    now = dt.datetime.now(dt.timezone.utc)
    stamp = str(now) if sqlite else now
    return [(number, business_id, name, name_key(name), form, code, "TOL2008", street, postal, city, "049",
             search_text(name, business_id), stamp, stamp)
            for number, (business_id, name, form, code, street, postal, city) in enumerate(rows, 1)]


def raw_sqlite_app_table(env: dict, rows: list[tuple]) -> float:
    from crm.db import BULK_CACHE_KB

    database = Path(tempfile.mkdtemp()) / "app.sqlite3"
    crm(dict(env, CRM_DATABASE_URL=f"sqlite:///{database}"), "migrate")
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(f"INSERT INTO company ({', '.join(APP_COLUMNS)}) VALUES ({', '.join('?' * len(APP_COLUMNS))})",
                           rows)
    connection.execute("INSERT INTO company_fts(rowid, search_text) SELECT id, search_text FROM company")
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def raw_postgres_app_table(env: dict, rows: list[tuple]) -> float:
    import asyncpg

    async def run() -> float:
        await recreate_pg("crm_bench_app")
        url = PG_ADMIN.rsplit("/", 1)[0] + "/crm_bench_app"
        crm(dict(env, CRM_DATABASE_URL=url), "migrate")
        connection = await asyncpg.connect(url)
        started = time.perf_counter()
        async with connection.transaction():
            await connection.copy_records_to_table("company", records=rows, columns=APP_COLUMNS)
        seconds = time.perf_counter() - started
        await connection.close()
        return seconds

    return asyncio.run(run())


def raw_postgres(rows: list[tuple]) -> float:
    import asyncpg

    async def run() -> float:
        await recreate_pg("crm_bench_raw")
        connection = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/crm_bench_raw")
        await connection.execute("CREATE TABLE company (id serial PRIMARY KEY, business_id text UNIQUE, name text, "
                                 "company_form text, industry_code text, street text, postal_code text, city text)")
        started = time.perf_counter()
        async with connection.transaction():
            await connection.copy_records_to_table(
                "company", records=rows,
                columns=["business_id", "name", "company_form", "industry_code", "street", "postal_code", "city"])
        seconds = time.perf_counter() - started
        await connection.close()
        return seconds

    return asyncio.run(run())


async def recreate_pg(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()


def crm(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm", *args], env=env, cwd=tempfile.gettempdir(),
                          capture_output=True, text=True, check=True)


def timed_import(env: dict, kind: str, path: Path, *extra: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `crm import` as a child process. The peak is the child's own
    high-water mark (VmHWM after exec), polled from /proc: getrusage would count the pages the child
    shared with this process between fork and exec."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "crm", "import", kind, str(path), "--json", *extra], env=env,
                               cwd=tempfile.gettempdir(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_kb = 0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.1)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(stderr[-2000:])
    print(f"    summary: {stdout.strip()}")
    return seconds, peak_kb / 1024


def latency_during(env: dict, action) -> list[float]:
    """Run `action` while a served app answers /readyz (a database query) in a loop."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(Path(tempfile.gettempdir()) / "crm-bench-serve.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "crm", "serve", "--port", str(port)], env=env,
                              cwd=tempfile.gettempdir(), stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/readyz"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    samples: list[float] = []
    done = threading.Event()

    def probe():
        while not done.is_set():
            started = time.perf_counter()
            try:
                urllib.request.urlopen(url, timeout=30).read()
                samples.append((time.perf_counter() - started) * 1000)
            except OSError:
                samples.append(float("inf"))
            time.sleep(0.05)

    thread = threading.Thread(target=probe)
    thread.start()
    try:
        action()
    finally:
        done.set()
        thread.join()
        server.terminate()
        server.wait()
    return samples


def report_latency(samples: list[float]) -> str:
    finite = sorted(s for s in samples if s != float("inf"))
    failed = len(samples) - len(finite)
    if not finite:
        return "no successful request"
    p95 = finite[int(len(finite) * 0.95) - 1] if len(finite) >= 20 else finite[-1]
    return (f"{len(samples)} requests, median {statistics.median(finite):.1f} ms, p95 {p95:.1f} ms, "
            f"max {finite[-1]:.1f} ms, failed {failed}")


def bench_engine(engine: str, rows: int, companies_csv: Path, interactions_csv: Path, raw_rows: list[tuple]):
    print(f"\n== {engine}: {rows:,} company rows ==")
    env = dict(os.environ, CRM_SECRET_KEY="bench", CRM_DB_POOL_SIZE="4", PYTHONPATH=str(ROOT))
    app_rows = app_table_rows(raw_rows, sqlite=engine == "sqlite")
    if engine == "sqlite":
        database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        env["CRM_DATABASE_URL"] = f"sqlite:///{database}"
        raw = raw_sqlite(raw_rows)
        app_table = raw_sqlite_app_table(env, app_rows)
    else:
        asyncio.run(recreate_pg("crm_bench"))
        env["CRM_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/crm_bench"
        raw = raw_postgres(raw_rows)
        app_table = raw_postgres_app_table(env, app_rows)
    del app_rows
    crm(env, "migrate")
    print(f"  raw baseline   {rows / raw:>10,.0f} rows/s  ({raw:.1f} s)")
    print(f"  raw into the app's company table {rows / app_table:,.0f} rows/s ({app_table:.1f} s): "
          f"{raw / app_table:.2f} of the raw baseline, the most an import into this schema can reach")
    seconds, rss = timed_import(env, "companies", companies_csv)
    print(f"  crm import     {rows / seconds:>10,.0f} rows/s  ({seconds:.1f} s)  ratio {raw / seconds:.2f}  "
          f"({app_table / seconds:.2f} of the app-table insert)  peak RSS {rss:.0f} MB")
    again, _ = timed_import(env, "companies", companies_csv)
    print(f"  same file again (all unchanged) {rows / again:,.0f} rows/s ({again:.1f} s)")
    interaction_rows = sum(1 for _ in interactions_csv.open(encoding="utf-8")) - 1
    box = {}
    samples = latency_during(env, lambda: box.update(
        result=timed_import(env, "interactions", interactions_csv, "--department", "BIZ")))
    seconds, rss = box["result"]
    print(f"  interactions   {interaction_rows / seconds:>10,.0f} rows/s  ({seconds:.1f} s)  peak RSS {rss:.0f} MB")
    print(f"  web /readyz during that import: {report_latency(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=None, help="default: as many as --rows")
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    companies_csv, interactions_csv = work / "companies.csv", work / "interactions.csv"
    started = time.perf_counter()
    write_companies(companies_csv, args.rows)
    write_interactions(interactions_csv, args.interactions or args.rows, args.rows)
    print(f"generated {args.rows:,} companies and {args.interactions or args.rows:,} interactions "
          f"in {time.perf_counter() - started:.1f} s ({work})")
    raw_rows = read_rows(companies_csv)
    for engine in (["sqlite", "postgres"] if args.engine == "both" else [args.engine]):
        bench_engine(engine, args.rows, companies_csv, interactions_csv, raw_rows)


if __name__ == "__main__":
    main()
