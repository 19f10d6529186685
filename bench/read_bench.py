"""Read benchmark (SPEC §7): every page class an advisor or manager opens, over real HTTP.

    python bench/read_bench.py DATABASE_URL [--generate] [--clients 8] [--rounds 12] [--workers 1]
        [--port 8766] [--only CLASS ...] [--during-import ROWS]
        [--companies 1000000 --contacts 2000000 --interactions 10000000 --big 100000]

With --generate the record is made first by bench/dataset.py; otherwise DATABASE_URL must hold one
it made (company 1 is the big account). `crm serve` runs on it with --workers processes; for each
page class --clients logged-in advisors (one per department, in turn; the reports page as the
manager) open it --rounds times each, all at once, and the script prints p50 / p95 / max. Not a
test: it asserts nothing; SPEC §7's target is p95 under 50 ms (the reports page under a second).

With --during-import the pages are opened while `crm import companies` loads a file of ROWS new
companies (bench/import_bench.py writes it) into the same record, as BIZ; each class's line says
whether the import was still running when it ended. The import stays in the record: run it on a
copy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from httpbench import ADVISORS, MANAGER, add_record_options, generate_if_asked, serve, timed  # noqa: E402


def sample_ids(url: str) -> dict:
    """A company with a Business ID, a contact, and a middle-sized company, read off the record."""
    query = {
        "business_id": "SELECT business_id FROM company WHERE business_id IS NOT NULL "
                       "AND id >= (SELECT MAX(id) / 2 FROM company) ORDER BY id LIMIT 1",
        "company": "SELECT id FROM company WHERE id >= (SELECT MAX(id) / 2 FROM company) ORDER BY id LIMIT 1",
        "contact": "SELECT id FROM contact WHERE id >= (SELECT MAX(id) / 2 FROM contact) ORDER BY id LIMIT 1",
    }
    if url.startswith("sqlite:"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        found = {name: connection.execute(sql).fetchone()[0] for name, sql in query.items()}
        connection.close()
        return found
    import asyncpg

    async def fetch() -> dict:
        connection = await asyncpg.connect(url)
        try:
            return {name: await connection.fetchval(sql) for name, sql in query.items()}
        finally:
            await connection.close()

    return asyncio.run(fetch())


def page_classes(ids: dict) -> dict[str, tuple[str, str | list[str]]]:
    return {
        "search, common word": ("/companies?q=kupla", ADVISORS),
        "search, rare word (a number)": ("/companies?q=4711", ADVISORS),
        "search, page 40": ("/companies?q=kupla&page=40", ADVISORS),
        "search by Business ID": (f"/companies?q={ids['business_id']}", ADVISORS),
        "typeahead (2 letters)": ("/companies/typeahead?q=ku", ADVISORS),
        "company page": (f"/companies/{ids['company']}", ADVISORS),
        "big account page": ("/companies/1", ADVISORS),
        "big account timeline, page 50": ("/companies/1/timeline?page=50", ADVISORS),
        "contact page": (f"/contacts/{ids['contact']}", ADVISORS),
        "front page": ("/", ADVISORS),
        "reports (manager)": ("/reports", MANAGER),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_record_options(parser)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--only", nargs="*", help="page classes to run (words of their names)")
    parser.add_argument("--during-import", type=int, metavar="ROWS", help="while importing ROWS new companies")
    args = parser.parse_args()
    generate_if_asked(args)
    engine = "SQLite" if args.url.startswith("sqlite:") else "PostgreSQL"
    classes = page_classes(sample_ids(args.url))
    if args.only:
        classes = {name: page for name, page in classes.items() if any(word in name for word in args.only)}
    process = serve(args.url, args.port, args.workers)
    base = f"http://127.0.0.1:{args.port}"
    importing = start_import(args.url, args.during_import) if args.during_import else None
    try:
        print(f"{engine}, {args.clients} clients x {args.rounds} rounds, {args.workers} worker(s)"
              f"{f', during an import of {args.during_import:,} companies' if importing else ''}:")
        for name, (path, users) in classes.items():
            figures = timed(base, users, path, args.rounds, args.clients)
            state = "" if not importing else " (import running)" if importing.poll() is None else " (import over)"
            print(f"  {name:32} {figures}{state}", flush=True)
        if importing:
            started = time.perf_counter()
            _, errors = importing.communicate()
            print(f"import: exit {importing.returncode}, {time.perf_counter() - started:.0f} s more after the pages"
                  + (f"\n{errors[-1500:]}" if importing.returncode else ""))
    finally:
        if importing and importing.poll() is None:
            importing.terminate()
        process.terminate()
        process.wait(timeout=30)


def start_import(url: str, rows: int) -> subprocess.Popen:
    """`crm import companies` of `rows` new companies, started in the background."""
    import import_bench

    path = Path(tempfile.mkdtemp()) / "companies.csv"
    import_bench.write_companies(path, rows)
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_SECRET_KEY": "bench"}
    process = subprocess.Popen([sys.executable, "-m", "crm", "import", "companies", str(path), "--department", "BIZ"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(5)  # reading and matching have begun
    return process


if __name__ == "__main__":
    main()
