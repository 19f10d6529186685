"""What the HTTP benchmarks share: `crm serve` on a bench record, logged-in clients, p50/p95/max.
The users are the ones bench/dataset.py makes (password "bench")."""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MANAGER = "bench.manager@bench.espoo.fi"
ADVISORS = [f"bench.{code}@bench.espoo.fi" for code in ("biz", "tyo", "talent", "hello", "plan", "premises")]


def serve(url: str, port: int, workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_SECRET_KEY": "bench"}
    process = subprocess.Popen([sys.executable, "-m", "crm", "serve", "--port", str(port), "--workers", str(workers)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("crm serve did not become ready")


async def logged_in(base: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=120, headers={"Accept-Language": "fi"})
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)[1]
    response = await client.post("/login", data={"email": email, "password": "bench",
                                                 "next": "/", "_csrf_token": token})
    if response.status_code not in (200, 303):
        raise SystemExit(f"login failed: {response.status_code}")
    return client


async def measure(base: str, emails: str | list[str], path: str, rounds: int, clients: int) -> list[float]:
    """Each of `clients` logged-in users (cycling through `emails`) opens `path` `rounds` times, all at once."""
    emails = [emails] if isinstance(emails, str) else emails
    sessions = [await logged_in(base, emails[n % len(emails)]) for n in range(clients)]
    timings: list[float] = []

    async def one(client: httpx.AsyncClient) -> None:
        for _ in range(rounds):
            started = time.perf_counter()
            response = await client.get(path)
            timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code}")

    await sessions[0].get(path)  # warm the caches once
    await asyncio.gather(*(one(client) for client in sessions))
    for client in sessions:
        await client.aclose()
    return timings


def figures(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (f"p50 {statistics.median(ordered) * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  "
            f"max {ordered[-1] * 1000:7.0f} ms  ({len(ordered)} requests)")




def add_record_options(parser) -> None:
    """The options both HTTP benchmarks take for the record they run on (bench/dataset.py makes it)."""
    parser.add_argument("url")
    parser.add_argument("--generate", action="store_true", help="make the record first (bench/dataset.py)")
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=2_000_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--big", type=int, default=100_000)


def generate_if_asked(args) -> None:
    if args.generate:
        sys.path.insert(0, str(ROOT / "bench"))
        import dataset

        started = time.perf_counter()
        dataset.build(args.url, args.companies, args.contacts, args.interactions, args.big)
        print(f"record generated in {time.perf_counter() - started:.0f} s", flush=True)


def timed(base: str, emails: str | list[str], path: str, rounds: int, clients: int) -> str:
    """The figures of one page class, or that it timed out (the other classes still run)."""
    try:
        return figures(asyncio.run(measure(base, emails, path, rounds, clients)))
    except httpx.TimeoutException:
        return "timed out (a request took over 120 s)"
