"""A big record for the read and report benchmarks (SPEC §7), written straight through the driver.

    python bench/dataset.py DATABASE_URL [--companies 1000000] [--contacts 2000000]
                            [--interactions 10000000] [--big 100000]

DATABASE_URL is `sqlite:////path/file.sqlite3` or `postgresql://postgres@127.0.0.1:5432/NAME` (the
PostgreSQL database is dropped and created). The schema comes from the app's own migrations; the
rows are what the importer and the forms would have written: companies with realistic Finnish names,
valid Business IDs (a fifth without one), Espoo and other postal codes, industry codes; contacts
linked to companies; interactions from six departments over three years, one big account holding
`--big` of them, follow-ups for the bench users, confidential entries, programmes; and the holdings
(company_source) the study counts: one import batch per department holding a random share of the
companies, plus every department's interactions.

Users created (password "bench"): bench.<department code lower>@bench.espoo.fi as advisors and
bench.manager@bench.espoo.fi as a manager. Not a test: it prints what it wrote and how long it took.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
PREFIXES = ["Kupla", "Otaniemen", "Nordic", "Pikseli", "Data", "Robo", "Kahvila", "Rakennus", "Logistiikka",
            "Soft", "Tapiolan", "Leppävaaran", "Matinkylän", "Espoon", "Aalto", "Metsä", "Järvi", "Pilvi",
            "Kivenlahden", "Suomen", "Itä", "Länsi", "Pohjolan", "Tekniikka", "Äijälän", "Öljy", "Sähkö",
            "Kone", "Puu", "Vesi", "Kauppa", "Huolto", "Kuljetus", "Terveys", "Hyvinvointi", "Ravintola"]
MIDDLES = ["", "", "", "Tech", "Design", "Studio", "Partners", "Labs", "Forge", "Palvelu", "Group", "Solutions",
           "Rakennus", "Konsultointi", "Media", "Systems", "Invest", "Trading", "Koulutus"]
FORMS = ["Oy", "Oy", "Oy", "Oy", "Ab", "Ky", "Oyj", "Tmi", "Ay", ""]
FIRST = ["Aino", "Eero", "Mikko", "Laura", "Juha", "Sanna", "Pekka", "Maria", "Antti", "Kaisa", "Ville", "Emma",
         "Jussi", "Elina", "Timo", "Anna", "Lars", "Karin", "Äijö", "Öljy"]
LAST = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
        "Järvinen", "Lehtonen", "Lindqvist", "Andersson", "Saarinen", "Salminen", "Aaltonen", "Öhman"]
ESPOO_POSTAL = ["02100", "02130", "02150", "02180", "02200", "02230", "02600", "02610", "02650", "02700",
                "02770", "02920", "02940"]
OTHER_POSTAL = [("00100", "Helsinki", "091"), ("00180", "Helsinki", "091"), ("01510", "Vantaa", "092"),
                ("33100", "Tampere", "837"), ("20100", "Turku", "853"), ("02400", "Kirkkonummi", "257")]
INDUSTRY = ["62010", "62020", "56101", "41200", "70220", "72190", "47190", "43210", "69201", "85590", "86210",
            "46510", "10710", "49410", "68201", "00000", ""]
KINDS = ["meeting", "call", "email", "visit", "event", "advisory", "other"]
SUBJECTS = ["Kasvusuunnitelma", "Rekrytointi", "Tilat", "Kansainvälistyminen", "Rahoitus", "Yhteistyö",
            "Kaavoitus", "Työllistäminen", "Soft Landing", "Tapahtuma"]


def business_id(body: int) -> str | None:
    digits = f"{body:07d}"
    remainder = sum(int(d) * w for d, w in zip(digits, WEIGHTS)) % 11
    if remainder == 1:
        return None
    return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


def recreate_postgres(url: str) -> None:
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"

    async def run():
        connection = await asyncpg.connect(admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    asyncio.run(run())


def migrate(url: str) -> None:
    subprocess.run([sys.executable, "-m", "crm", "migrate"], cwd=ROOT, check=True,
                   env={**os.environ, "CRM_DATABASE_URL": url}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Writer:
    """Rows into tables through the raw driver: sqlite3 executemany, or asyncpg COPY."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite:")
        self.url = url
        if self.sqlite:
            self.connection = sqlite3.connect(url.removeprefix("sqlite:///"))
            self.connection.execute("PRAGMA cache_size = -262144")
            self.connection.execute("PRAGMA synchronous = OFF")
        else:
            import asyncpg

            self.loop = asyncio.new_event_loop()
            self.connection = self.loop.run_until_complete(asyncpg.connect(url))

    def stamp(self, value: dt.datetime):
        if self.sqlite:
            from piccolo.engine.sqlite import convert_datetime_in

            return convert_datetime_in(value)
        return value

    def day(self, value: dt.date):
        return value.isoformat() if self.sqlite else value

    def insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            self.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        else:
            self.loop.run_until_complete(self.connection.copy_records_to_table(table, records=rows, columns=columns))

    def execute(self, sql: str) -> list:
        if self.sqlite:
            return self.connection.execute(sql).fetchall()
        return self.loop.run_until_complete(self.connection.fetch(sql))

    def commit(self) -> None:
        if self.sqlite:
            self.connection.commit()

    def close(self) -> None:
        if self.sqlite:
            self.connection.commit()
            self.connection.close()
        else:
            self.loop.run_until_complete(self.connection.close())


def build(url: str, companies: int, contacts: int, interactions: int, big: int, seed: int = 11) -> dict:
    from crm.domain.names import company_search_text, name_key, person_key
    from crm.services.users import hash_password

    rng = random.Random(seed)
    if not url.startswith("sqlite:"):
        recreate_postgres(url)
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    migrate(url)
    writer = Writer(url)
    now = dt.datetime.now(dt.timezone.utc)
    stamp = writer.stamp(now)
    figures: dict[str, float] = {}

    departments = {row[1]: row[0] for row in writer.execute("SELECT id, code FROM department ORDER BY id")}
    password = asyncio.run(hash_password("bench"))
    users = []
    for number, (code, department_id) in enumerate(departments.items(), 1):
        users.append((number, f"bench.{code.lower()}@bench.espoo.fi", f"Bench {code}", "advisor", department_id))
    users.append((len(users) + 1, "bench.manager@bench.espoo.fi", "Bench Manager", "manager", departments["BIZ"]))
    writer.insert("crm_user", ["id", "email", "name", "role", "department", "password_hash", "active", "language",
                               "created_at"],
                  [(uid, email, name, role, dep, password, True, "fi", stamp) for uid, email, name, role, dep in users])
    advisor_of = {dep: uid for uid, _, _, role, dep in users if role == "advisor"}
    programmes = [row[0] for row in writer.execute("SELECT id FROM programme ORDER BY id")]
    if not programmes:
        writer.insert("programme", ["id", "code", "name_fi", "name_sv", "name_en"],
                      [(1, "OSAAJAT", "Paras paikka osaajille", "", ""), (2, "YRITTAA", "Paras paikka yrittää", "", ""),
                       (3, "KUPLA", "Kupla", "", ""), (4, "SOFT", "Soft Landing", "", "")])
        programmes = [1, 2, 3, 4]

    started = time.perf_counter()
    body = 2_000_000
    rows = []
    postal_of: list[str] = [""]
    for company_id in range(1, companies + 1):
        if company_id == 1:
            name = "Kupla Big Account Oy"
        else:
            name = " ".join(part for part in (rng.choice(PREFIXES), rng.choice(MIDDLES), f"{company_id}",
                                              rng.choice(FORMS)) if part)
        identifier = None
        if rng.random() < 0.8:
            while identifier is None:
                body += 1
                identifier = business_id(body)
        if rng.random() < 0.75:
            postal, city, municipality = rng.choice(ESPOO_POSTAL), "Espoo", "049"
        else:
            postal, city, municipality = rng.choice(OTHER_POSTAL)
        postal_of.append(postal)
        code = rng.choice(INDUSTRY)
        record = {"name": name, "business_id": identifier, "other_names": ""}
        rows.append((company_id, identifier, name, "", name_key(name) or "", "", code, "TOL2008" if code else "",
                     "", "", f"Katu {company_id % 97 + 1}", postal, city, municipality, "FI",
                     "ceased" if rng.random() < 0.03 else "active", company_search_text(record), stamp, stamp))
        if len(rows) == 50_000:
            _companies(writer, rows)
            rows = []
    _companies(writer, rows)
    if writer.sqlite:
        writer.execute("INSERT INTO company_fts(company_fts) VALUES ('rebuild')")
    writer.commit()
    figures["companies_s"] = time.perf_counter() - started

    started = time.perf_counter()
    rows, links = [], []
    for contact_id in range(1, contacts + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{contact_id}@example.fi".lower()
        rows.append((contact_id, first, last, email, f"+35840{contact_id:07d}", "", "fi",
                     person_key(first, last) or "", stamp, stamp))
        company = 1 if contact_id <= 200 else rng.randint(1, companies)
        links.append((company, contact_id, "", None, None))
        if len(rows) == 50_000:
            _contacts(writer, rows, links)
            rows, links = [], []
    _contacts(writer, rows, links)
    writer.commit()
    figures["contacts_s"] = time.perf_counter() - started

    started = time.perf_counter()
    codes = list(departments)
    first_day = dt.date(2024, 1, 1)
    days = (dt.date(2026, 11, 30) - first_day).days
    tally: dict[tuple[int, int], list] = defaultdict(lambda: [0, None, None])
    rows, contact_links, programme_links = [], [], []
    for interaction_id in range(1, interactions + 1):
        company = 1 if interaction_id <= big else rng.randint(2, companies)
        code = rng.choice(codes)
        department = departments[code]
        day = first_day + dt.timedelta(days=rng.randrange(days))
        follow_up = day + dt.timedelta(days=14) if rng.random() < 0.05 else None
        confidential = code == "TYO" and rng.random() < 0.3
        rows.append((interaction_id, company, department, advisor_of[department], "", rng.choice(KINDS),
                     writer.day(day), f"{rng.choice(SUBJECTS)} {interaction_id % 1000}",
                     "Keskusteltiin kasvusuunnitelmista ja seuraavista askelista.",
                     writer.day(follow_up) if follow_up else None, bool(follow_up and rng.random() < 0.5),
                     confidential, stamp, stamp, advisor_of[department], advisor_of[department]))
        pair = tally[company, department]
        pair[0] += 1
        pair[1] = day if pair[1] is None or day < pair[1] else pair[1]
        pair[2] = day if pair[2] is None or day > pair[2] else pair[2]
        if rng.random() < 0.3:
            contact_links.append((interaction_id, rng.randint(1, contacts)))
        if rng.random() < 0.25:
            programme_links.append((interaction_id, rng.choice(programmes)))
        if len(rows) == 100_000:
            _interactions(writer, rows, contact_links, programme_links)
            rows, contact_links, programme_links = [], [], []
    _interactions(writer, rows, contact_links, programme_links)
    writer.commit()
    figures["interactions_s"] = time.perf_counter() - started

    started = time.perf_counter()
    holdings = [(company, department, "interaction", None, count, writer.day(first), writer.day(last))
                for (company, department), (count, first, last) in tally.items()]
    batch_day = writer.day(dt.date(2026, 10, 1))
    share = {"BIZ": 0.55, "TYO": 0.3, "TALENT": 0.12, "HELLO": 0.1, "PLAN": 0.08, "PREMISES": 0.06}
    batches = []
    for batch_id, (code, department) in enumerate(departments.items(), 1):
        chosen = [company for company in range(1, companies + 1) if rng.random() < share.get(code, 0.05)]
        batches.append((batch_id, "companies", f"{code.lower()}_yritykset.xlsx", "0" * 64, department,
                        "committed", stamp, stamp, len(chosen), len(chosen) // 3, len(chosen) // 5,
                        len(chosen) - len(chosen) // 3 - len(chosen) // 5, 0, 0))
        holdings += [(company, department, "import", batch_id, 0, batch_day, batch_day) for company in chosen]
    writer.insert("import_batch", ["id", "kind", "file_name", "file_sha256", "department", "status", "started_at",
                                   "finished_at", "rows", "created", "updated", "unchanged", "duplicates_in_file",
                                   "errors"], batches)
    for start in range(0, len(holdings), 100_000):
        writer.insert("company_source", ["company", "department", "via", "import_batch", "interactions",
                                         "first_date", "last_date"], holdings[start:start + 100_000])
    writer.commit()
    figures["holdings_s"] = time.perf_counter() - started
    if not writer.sqlite:
        started = time.perf_counter()
        writer.execute("ANALYZE")
        figures["analyze_s"] = time.perf_counter() - started
    else:
        writer.execute("ANALYZE")
    writer.close()
    if not url.startswith("sqlite:"):
        _fix_sequences(url)
    started = time.perf_counter()
    count_tallies(url)
    figures["tallies_s"] = time.perf_counter() - started
    return figures


def count_tallies(url: str) -> None:
    """The study's running totals, its companies' months and calendar periods, and programme reach
    per period, counted by the app's own code (the rows above went around it)."""
    script = ("import asyncio\nfrom crm import db\nfrom crm.services import reach\n"
              "from crm.services.tallies import rebuild\nfrom crm.services.holdings import rebuild_months\n"
              "async def main():\n    async with db.write_transaction():\n        await rebuild()\n"
              "        await rebuild_months()\n        await reach.rebuild()\n"
              "asyncio.run(main())\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                   env={**os.environ, "CRM_DATABASE_URL": url, "CRM_SECRET_KEY": "bench"})


def _companies(writer: Writer, rows: list[tuple]) -> None:
    writer.insert("company", ["id", "business_id", "name", "other_names", "name_key", "company_form", "industry_code",
                              "industry_classification", "size_class", "website", "street", "postal_code", "city",
                              "municipality_code", "country", "status", "search_text", "created_at", "updated_at"],
                  rows)


def _contacts(writer: Writer, rows: list[tuple], links: list[tuple]) -> None:
    writer.insert("contact", ["id", "first_name", "last_name", "email", "phone", "title", "language", "person_key",
                              "created_at", "updated_at"], rows)
    writer.insert("company_contact", ["company", "contact", "role", "start_date", "end_date"], links)


def _interactions(writer: Writer, rows: list[tuple], contact_links: list[tuple], programme_links: list[tuple]) -> None:
    writer.insert("interaction", ["id", "company", "department", "advisor", "advisor_name", "kind", "date", "subject",
                                  "notes", "follow_up_date", "follow_up_done", "confidential", "created_at",
                                  "updated_at", "created_by", "updated_by"], rows)
    writer.insert("interaction_contact", ["interaction", "contact"], sorted(set(contact_links)))
    writer.insert("interaction_programme", ["interaction", "programme"], programme_links)


def _fix_sequences(url: str) -> None:
    """COPY with explicit ids leaves the sequences at 1: move them past the rows."""
    import asyncpg

    async def run():
        connection = await asyncpg.connect(url)
        for table in ("crm_user", "company", "contact", "company_contact", "interaction", "interaction_contact",
                      "interaction_programme", "import_batch", "company_source", "programme"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))")
        await connection.close()

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=2_000_000)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--big", type=int, default=100_000, help="interactions of the one big account (company 1)")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = build(args.url, args.companies, args.contacts, args.interactions, args.big)
    parts = ", ".join(f"{name.removesuffix('_s')} {seconds:.0f} s" for name, seconds in figures.items())
    print(f"{args.companies:,} companies, {args.contacts:,} contacts, {args.interactions:,} interactions "
          f"({args.big:,} on company 1) in {time.perf_counter() - started:.0f} s ({parts})")


if __name__ == "__main__":
    main()
