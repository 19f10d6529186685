"""Reports benchmark: /reports and `crm report study` on a big record (SPEC §7: under a second).

    python bench/report_bench.py DATABASE_URL [--generate] [--rounds 20] [--clients 8] [--port 8765]
        [--companies 1000000 --contacts 2000000 --interactions 10000000 --big 100000]

With --generate the record is made first by bench/dataset.py (its sizes are the options above);
otherwise DATABASE_URL must hold one it made. Then `crm serve` runs on it, a manager logs in over
real HTTP, and the script prints p50 / p95 / max per page: the reports page as it opens, narrowed
to a department, for a month, a quarter and a year (read from the calendar periods' running
totals), for a range of days that makes no calendar period (counted from the record), a CSV
download, and the manager's front page; once with one client, once with --clients
at the same time; then the seconds `crm report study --json` takes. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from httpbench import MANAGER, add_record_options, generate_if_asked, serve, timed  # noqa: E402

PAGES = {
    "reports": "/reports",
    "reports, one department": "/reports?department=TYO",
    "reports, a month": "/reports?from=2026-11-01&to=2026-11-30",
    "reports, a quarter": "/reports?from=2026-01-01&to=2026-03-31",
    "reports, a year": "/reports?from=2025-01-01&to=2025-12-31",
    "reports, a year, one department": "/reports?from=2026-01-01&to=2026-12-31&department=TYO",
    "reports, 15 Feb - 10 May": "/reports?from=2026-02-15&to=2026-05-10",
    "overlap CSV": "/reports/export?table=overlap&format=csv",
    "front page (manager)": "/",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_record_options(parser)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    generate_if_asked(args)
    engine = "SQLite" if args.url.startswith("sqlite:") else "PostgreSQL"
    process = serve(args.url, args.port)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for clients, rounds in ((1, args.rounds), (args.clients, max(2, args.rounds // 4))):
            print(f"{engine}, {clients} client(s):")
            for name, path in PAGES.items():
                print(f"  {name:28} {timed(base, MANAGER, path, rounds, clients)}", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
    env = {**os.environ, "CRM_DATABASE_URL": args.url, "CRM_SECRET_KEY": "bench"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "crm", "report", "study", "--json"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  crm report study --json      {time.perf_counter() - started:.2f} s (the whole command)")


if __name__ == "__main__":
    main()
