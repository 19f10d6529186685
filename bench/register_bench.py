"""Company register benchmark: `crm ytj load` of a generated bulk file (a ZIP holding one JSON array of
records in the YTJ v3 shape), on SQLite and PostgreSQL.

    python bench/register_bench.py [--records 1000000] [--small-mb 200] [--prefill 200000]
                                   [--engine sqlite|postgres|both]

Per engine: a fresh database gets `--prefill` companies from a department file (`crm import`), whose
Business IDs are among the file's; then `crm ytj load FILE --add-municipality 049` runs as a child
process (the first run updates the prefilled companies and adds Espoo's), then again (nothing
changes). Printed: records/s, seconds and the child's peak RSS, beside the raw yardstick of the same
run (parsing and mapping the file in this process, no database: the most any load can reach), and
the same load of a second, smaller file (about `--small-mb` MB unpacked) into a fresh database: the
peak RSS does not grow with the file. Not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import PG_ADMIN, business_ids, recreate_pg  # noqa: E402

WORDS = ["Kupla", "Otaniemi", "Nordic", "Pixel", "Data", "Robo", "Kahvila", "Rakennus", "Logistiikka", "Soft",
         "Tech", "Design", "Studio", "Partners", "Labs", "Forge", "Pilvi", "Aalto", "Metsä", "Järvi"]
STREETS = ["Tekniikantie", "Keilaranta", "Otakaari", "Hatanpään valtatie", "Mannerheimintie", "PIHTISULUNKATU"]
PLACES = [("02150", "ESPOO", "049"), ("02600", "ESPOO", "049"), ("00180", "HELSINKI", "091"),
          ("33100", "TAMPERE", "837"), ("01300", "VANTAA", "092"), ("20100", "TURKU", "853")]
LINES = [("62010", "Ohjelmistojen suunnittelu ja valmistus", "Programvarudesign och framställning",
          "Computer programming activities"),
         ("56101", "Ravintolat", "Restauranger", "Restaurants"),
         ("68209", "Muiden kiinteistöjen vuokraus ja hallinta", "Uthyrning och förvaltning av övriga fastigheter",
          "Letting of other real estate")]


def _descriptions(fi: str, sv: str, en: str) -> list[dict]:
    return [{"languageCode": "1", "description": fi}, {"languageCode": "2", "description": sv},
            {"languageCode": "3", "description": en}]


def record(number: int, business_id: str, rng: random.Random) -> dict:
    """One register record in the v3 shape, about as long as a real one."""
    # about 5 % in Espoo, as in the real register (some 60,000 of 1.3 million)
    postal_code, city, municipality = PLACES[rng.randrange(2)] if rng.random() < 0.05 else PLACES[rng.randrange(2, 6)]
    code, fi, sv, en = LINES[rng.randrange(len(LINES))]
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number} Oy"
    address = {"street": rng.choice(STREETS), "postCode": postal_code, "buildingNumber": str(number % 90 + 1),
               "entrance": rng.choice(["", "A", "B"]), "apartmentNumber": "", "apartmentIdSuffix": "", "co": "",
               "registrationDate": "2019-05-02", "source": "0",
               "postOffices": [{"city": city, "languageCode": "1", "municipalityCode": municipality},
                               {"city": city, "languageCode": "2", "municipalityCode": municipality}]}
    raw = {
        "businessId": {"value": business_id, "registrationDate": "2010-03-15", "source": "3"},
        "euId": {"value": f"FIFPRO.{business_id}", "source": "1"},
        "names": [{"name": name, "type": "1", "registrationDate": "2015-02-27", "version": 1, "source": "1"},
                  {"name": f"Vanha {name}", "type": "1", "registrationDate": "2010-03-15", "endDate": "2015-02-27",
                   "version": 2, "source": "1"}],
        "mainBusinessLine": {"type": code, "descriptions": _descriptions(fi, sv, en), "typeCodeSet": "TOIMI3",
                             "registrationDate": "2010-03-15", "source": "2"},
        "companyForms": [{"type": "16", "descriptions": _descriptions("Osakeyhtiö", "Aktiebolag", "Limited company"),
                          "registrationDate": "2010-03-15", "version": 1, "source": "1"}],
        "companySituations": [{"type": "KONK", "registrationDate": "2024-01-01", "source": "1"}]
        if number % 50 == 0 else [],
        "registeredEntries": [{"type": "1", "descriptions": _descriptions("Rekisterissä", "Registrerad", "Registered"),
                               "registrationDate": "2010-03-15", "register": "1", "authority": "2"}],
        "addresses": [{"type": 1, **address}, {"type": 2, "postOfficeBox": "", **address}],
        "tradeRegisterStatus": "1", "status": "2", "registrationDate": "2010-03-15",
        "lastModified": "2025-06-17 12:12:45",
    }
    if number % 3 == 0:
        raw["website"] = {"url": f"www.yritys{number}.fi", "registrationDate": "2018-01-01", "source": "0"}
    if number % 7 == 0:
        raw["names"].append({"name": f"{rng.choice(WORDS)} Ab", "type": "2", "registrationDate": "2015-02-27",
                             "version": 1, "source": "1"})
    return raw


def write_bulk(path: Path, records: int | None = None, megabytes: int | None = None) -> tuple[int, int]:
    """A bulk ZIP of `records` records, or of about `megabytes` MB of JSON. Returns (records, bytes)."""
    rng = random.Random(11)
    written, size = 0, 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        info = zipfile.ZipInfo("ytj_bulk.json", date_time=(2026, 3, 2, 5, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as handle:
            handle.write(b"[")
            for number, business_id in enumerate(business_ids(10**8)):
                if (records is not None and written >= records) or (megabytes is not None and size >= megabytes << 20):
                    break
                text = (b"," if written else b"") + json.dumps(record(number, business_id, rng),
                                                               ensure_ascii=False).encode()
                handle.write(text)
                written, size = written + 1, size + len(text)
            handle.write(b"]")
    return written, size + 2


def write_department_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Y-tunnus;Yrityksen nimi;Postinumero\n")
        for number, business_id in enumerate(business_ids(count * 3)):
            if number % 3 == 0:  # every third company of the file
                handle.write(f"{business_id};Yritys {number};02150\n")


def raw_yardstick(path: Path) -> tuple[float, float]:
    """Seconds (and CPU seconds) to stream and map every record of the file, no database."""
    from crm.domain.register import map_record
    from crm.register.read import open_register_file

    started, cpu = time.perf_counter(), time.process_time()
    source = open_register_file(path)
    for raw in source.records():
        try:
            map_record(raw)
        except ValueError:
            pass
    source.close()
    return time.perf_counter() - started, time.process_time() - cpu


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except OSError:
        return []


def timed(env: dict, *args: str) -> tuple[float, float, dict, float]:
    """Seconds, peak RSS (MB: the child's VmHWM polled from /proc, plus its reader process's), JSON summary
    and CPU seconds
    (user + system, from wait4: the machine may be shared, and CPU time does not count the waiting)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "crm", *args, "--json"], env=env, cwd=tempfile.gettempdir(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output: dict[str, str] = {}
    reader = threading.Thread(target=lambda: output.update(zip(("stdout", "stderr"), (
        process.stdout.read(), process.stderr.read()))))
    reader.start()
    peaks: dict[int, int] = {}  # the child and its reader process: each one's own high-water mark
    while True:
        for pid in (process.pid, *_children(process.pid)):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
            except OSError:
                pass
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if process.returncode != 0:
        raise SystemExit(output["stderr"][-3000:])
    return (time.perf_counter() - started, sum(peaks.values()) / 1024, json.loads(output["stdout"].strip().splitlines()[-1]),
            usage.ru_utime + usage.ru_stime)


def fresh_database(engine: str, name: str) -> dict:
    env = dict(os.environ, CRM_SECRET_KEY="bench", CRM_DB_POOL_SIZE="0", PYTHONPATH=str(ROOT))
    if engine == "sqlite":
        env["CRM_DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    else:
        asyncio.run(recreate_pg(name))
        env["CRM_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    subprocess.run([sys.executable, "-m", "crm", "migrate"], env=env, cwd=tempfile.gettempdir(), check=True,
                   capture_output=True)
    return env


def _line(label: str, records: int, seconds: float, rss: float | None = None, cpu: float | None = None) -> str:
    text = f"  {label:<44} {records / seconds:>9,.0f} records/s  ({seconds:.1f} s"
    text += f", CPU {cpu:.1f} s: {records / cpu:,.0f} records per CPU second)" if cpu else ")"
    return text + (f"  peak RSS {rss:.0f} MB" if rss is not None else "")


def bench_engine(engine: str, big: Path, big_records: int, small: Path, small_records: int, prefill: Path,
                 yardstick: tuple[float, float]) -> None:
    print(f"\n== {engine} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) ==")
    env = fresh_database(engine, "crm_register_bench")
    seconds, rss, summary, _ = timed(env, "import", "companies", str(prefill), "--department", "BIZ")
    print(f"  prefill: {summary['created']:,} companies from a department file in {seconds:.1f} s")
    print(_line("raw yardstick (stream + map, no database)", big_records, *yardstick[:1], cpu=yardstick[1]))
    seconds, rss, summary, cpu = timed(env, "ytj", "load", str(big), "--add-municipality", "049")
    print(_line("crm ytj load (first run)", big_records, seconds, rss, cpu)
          + f"  {yardstick[0] / seconds:.2f} of the yardstick")
    print("    " + ", ".join(f"{key} {summary[key]:,}" for key in
                             ("companies_in_file", "matched", "updated", "unchanged", "added", "ceased")))
    seconds, rss, summary, cpu = timed(env, "ytj", "load", str(big), "--add-municipality", "049")
    print(_line("same file again (nothing changes)", big_records, seconds, rss, cpu)
          + f"  updated {summary['updated']}, added {summary['added']}")
    seconds, rss, _, _ = timed(env, "report", "study")
    print(f"  crm report study with coverage: {seconds:.2f} s (a new process, imports included)")
    env = fresh_database(engine, "crm_register_bench_small")
    seconds, rss, summary, cpu = timed(env, "ytj", "load", str(small), "--add-municipality", "049")
    print(_line("smaller file, fresh database", small_records, seconds, rss, cpu)
          + f"  added {summary['added']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small-mb", type=int, default=200)
    parser.add_argument("--prefill", type=int, default=200_000)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--work", type=Path, help="folder of files an earlier run generated (used again)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="crm-register-bench-"))
    started = time.perf_counter()
    big, small, prefill = work / "ytj_big.zip", work / "ytj_small.zip", work / "department.csv"
    sizes = work / "sizes.json"
    if args.work and sizes.exists():
        big_records, big_bytes, small_records, small_bytes = json.loads(sizes.read_text())
    else:
        big_records, big_bytes = write_bulk(big, records=args.records)
        small_records, small_bytes = write_bulk(small, megabytes=args.small_mb)
        write_department_file(prefill, args.prefill)
        sizes.write_text(json.dumps([big_records, big_bytes, small_records, small_bytes]))
    print(f"generated {big_records:,} records ({big_bytes / 1e6:,.0f} MB of JSON, {big.stat().st_size / 1e6:,.0f} MB "
          f"zipped) and {small_records:,} records ({small_bytes / 1e6:,.0f} MB of JSON) in "
          f"{time.perf_counter() - started:.1f} s ({work})")
    yardstick = raw_yardstick(big)
    for engine in (["sqlite", "postgres"] if args.engine == "both" else [args.engine]):
        bench_engine(engine, big, big_records, small, small_records, prefill, yardstick)


if __name__ == "__main__":
    main()
