"""An admin imports a 100,000-row file in the browser while an advisor keeps using the app.

    python bench/browser_import_bench.py [--rows 100000]

Starts `crm serve --demo` on a fresh SQLite file (or CRM_DATABASE_URL), drives two headless
Chromium sessions (Debian's /usr/bin/chromium): the admin uploads, previews (dry run), runs the
import and waits for the result page; meanwhile the advisor searches companies and opens a company
page in a loop. Prints the admin's step times and the advisor's page latencies. Not a test.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import write_companies  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crm-browser-bench-"))
    csv_file = work / "yritykset.csv"
    write_companies(csv_file, args.rows)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT), CRM_SECRET_KEY="bench")
    env.setdefault("CRM_DATABASE_URL", f"sqlite:///{work / 'crm.sqlite3'}")
    server = subprocess.Popen([sys.executable, "-m", "crm", "serve", "--demo", "--port", str(port)], env=env,
                              cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/readyz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    from playwright.sync_api import sync_playwright

    latencies: list[float] = []
    done = threading.Event()

    def advisor() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(extra_http_headers={"Accept-Language": "en"})
            log_in(page, base, "advisor@demo.espoo.fi")
            while not done.is_set():
                for path in ("/companies?q=otaniemen", "/companies?q=kupla", "/"):
                    started = time.perf_counter()
                    page.goto(base + path)
                    latencies.append((time.perf_counter() - started) * 1000)
            browser.close()

    thread = threading.Thread(target=advisor)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(extra_http_headers={"Accept-Language": "en"})
        log_in(page, base, "admin@demo.espoo.fi")
        thread.start()
        time.sleep(3)
        baseline = list(latencies)
        steps = {}
        started = time.perf_counter()
        page.goto(base + "/imports")
        page.locator("#f-file").set_input_files(str(csv_file))
        page.get_by_role("button", name="Upload").click()
        page.get_by_role("heading", name="Column mapping").wait_for(timeout=120_000)
        steps["upload + detect"] = time.perf_counter() - started
        started = time.perf_counter()
        page.get_by_role("button", name="Preview").click()
        page.get_by_text("What the import will do").wait_for(timeout=600_000)
        steps["preview + dry run"] = time.perf_counter() - started
        during_from = len(latencies)
        started = time.perf_counter()
        page.get_by_role("button", name="Run the import").click()
        page.get_by_role("heading", name="Import result").wait_for(timeout=600_000)
        steps["run to result page"] = time.perf_counter() - started
        during = latencies[during_from:]
        counts = page.inner_text(".counts").replace("\n", " ")
        done.set()
        thread.join()
        browser.close()
    server.terminate()
    server.wait()
    print(f"{args.rows:,} rows, {env['CRM_DATABASE_URL'].split(':')[0]}")
    for step, seconds in steps.items():
        print(f"  admin: {step:<20} {seconds:6.1f} s")
    print(f"  result: {counts}")
    print(f"  advisor pages before the import: {summary(baseline)}")
    print(f"  advisor pages during the run:    {summary(during)}")


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def summary(samples: list[float]) -> str:
    if not samples:
        return "no requests"
    ordered = sorted(samples)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return (f"{len(ordered)} page loads, median {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, "
            f"max {ordered[-1]:.0f} ms")


if __name__ == "__main__":
    main()
