"""Holdings (company_source): which department holds which company, and through what (SPEC §9).

Written in the transaction of the change that makes them: an import batch's rows (bulk, one row
per company and department in the batch), an interaction (one row per company and department,
counting its interactions with first and last date), a company created by hand. A revert removes
its batch's rows; removing interactions recounts the pairs they belonged to.

company_year keeps what a dated report needs (crm/reports/scope.py) without grouping millions of
rows: one row per company and calendar year, with a department mask per month (m1..m12, bit n-1 for
department id n) of the holdings made that month (a batch's or a record created by hand by its day,
interactions by their own dates). Writes that add holdings set bits; writes that remove or move
them count the companies' months again from their holdings (recount_months). Either way the
calendar periods' tally moves with the rows (crm/services/periods.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

from crm import db
from crm.services import periods
from crm.services.periods import MONTHS
from crm.services.tallies import HELD_SQL, MASK_SQL, bit

COLUMNS = ["company", "department", "via", "import_batch", "interactions", "first_date", "last_date"]

# One statement on both engines: a pair already held gets the new interactions added.
_COUNT_INTERACTIONS = (
    "INSERT INTO company_source (company, department, via, import_batch, interactions, first_date, last_date) "
    "VALUES (?, ?, 'interaction', NULL, ?, ?, ?) "
    "ON CONFLICT (company, department, via) WHERE import_batch IS NULL DO UPDATE SET "
    "interactions = company_source.interactions + excluded.interactions, "
    "first_date = CASE WHEN excluded.first_date < company_source.first_date "
    "THEN excluded.first_date ELSE company_source.first_date END, "
    "last_date = CASE WHEN excluded.last_date > company_source.last_date "
    "THEN excluded.last_date ELSE company_source.last_date END"
)
_CREATED = (
    "INSERT INTO company_source (company, department, via, import_batch, interactions, first_date, last_date) "
    "VALUES (?, ?, 'created', NULL, 0, ?, ?) "
    "ON CONFLICT (company, department, via) WHERE import_batch IS NULL DO NOTHING"
)


_KEY = ", ".join(periods.KEY_COLUMNS)
# a row with no month held yet, under the company's key, to be read (and locked) before it changes
_NEW_YEAR = (f"INSERT INTO company_year (year, company, {_KEY}) VALUES (?, ?, ?, ?, ?) "
             f"ON CONFLICT (year, company) DO NOTHING")
_WRITE_YEAR = (
    f"INSERT INTO company_year (year, company, {', '.join(MONTHS)}, {_KEY}) "
    f"VALUES (?, ?, {', '.join('?' for _ in MONTHS)}, ?, ?, ?) ON CONFLICT (year, company) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in [*MONTHS, *periods.KEY_COLUMNS])
)


def days_held_sql(held: str = "", logged: str = "") -> str:
    """SQL of every holding a dated report counts, as (company, department, day): a batch's or a
    record made by hand on the day it was made, an interaction on its own date. `held` and `logged`
    add conditions (" AND ...") to each side. A pair may appear more than once."""
    return ("SELECT company_source.company AS company, company_source.department AS department, "
            f"company_source.first_date AS day FROM company_source WHERE {HELD_SQL} "
            f"AND company_source.via <> 'interaction'{held} "
            f"UNION ALL SELECT company, department, date FROM interaction WHERE deleted_at IS NULL{logged}")


async def add_batch_holdings(batch_id: int, pairs: Iterable[tuple[int, int]], day: dt.date) -> None:
    """(company, department) pairs a batch's rows touched; the caller passes each pair once per batch."""
    pairs = list(pairs)
    await db.insert_rows("company_source", COLUMNS,
                         [(company, department, "import", batch_id, 0, day, day) for company, department in pairs])
    await _mark_months((company, department, day) for company, department in pairs)


async def count_interactions(interactions: Iterable[tuple[int, int, dt.date]]) -> None:
    """New interactions, as (company, department, date): each pair's count and dates grow."""
    pairs: dict[tuple[int, int], list] = defaultdict(lambda: [0, None, None])
    months = set()
    for company, department, day in interactions:
        months.add((company, department, day.replace(day=1)))
        tally = pairs[company, department]
        tally[0] += 1
        tally[1] = day if tally[1] is None or day < tally[1] else tally[1]
        tally[2] = day if tally[2] is None or day > tally[2] else tally[2]
    await db.execute_many(_COUNT_INTERACTIONS, [(company, department, count, first, last)
                                                for (company, department), (count, first, last) in pairs.items()])
    await _mark_months(months)


async def recount_interactions(pairs: Iterable[tuple[int, int]], *, months: bool = True) -> None:
    """Count the pairs' interactions again from the interaction table (after some were removed or
    moved); a pair with none left is no longer held through interactions. `months=False`: the
    caller counts the companies' months itself once their other holdings have moved too (a merge:
    a batch's companies in a period follow the holdings as they are when the months are counted)."""
    pairs = sorted(set(pairs))
    if not pairs:
        return
    await db.execute_many(
        "DELETE FROM company_source WHERE company = ? AND department = ? AND via = 'interaction' "
        "AND import_batch IS NULL", pairs)
    await db.execute_many(
        "INSERT INTO company_source (company, department, via, import_batch, interactions, first_date, last_date) "
        "SELECT company, department, 'interaction', NULL, COUNT(*), MIN(date), MAX(date) FROM interaction "
        "WHERE company = ? AND department = ? AND deleted_at IS NULL GROUP BY company, department", pairs)
    if months:
        await recount_months({company for company, _ in pairs})


async def add_created(company_id: int, department_id: int, day: dt.date) -> None:
    """A company a user of the department created by hand."""
    await db.execute_many(_CREATED, [(company_id, department_id, day, day)])
    await _mark_months([(company_id, department_id, day)])


async def remove_batch_holdings(batch_id: int) -> None:
    companies = [row["company"] for row in await db.fetch_all(
        "SELECT DISTINCT company FROM company_source WHERE import_batch = ?", [batch_id])]
    await db.execute_many("DELETE FROM company_source WHERE import_batch = ?", [(batch_id,)])
    await recount_months(companies)


async def _mark_months(holdings: Iterable[tuple[int, int | None, dt.date]]) -> None:
    """(company, department, day) just held: the company's month of that day gains the department's bit."""
    years: dict[tuple[int, int], list[int]] = {}
    for company, department, day in holdings:
        if department:
            years.setdefault((day.year, company), [0] * 12)[day.month - 1] |= bit(department)
    await _add_to_months(years)


async def recount_months(company_ids: Iterable[int]) -> None:
    """Count the companies' months again from their holdings (after some were removed or moved)."""
    ids = sorted(set(company_ids))
    month = "substr(CAST(company_source.day AS TEXT), 1, 7)"
    for start in range(0, len(ids), 2_000):
        page = ids[start:start + 2_000]
        before = await periods.stored(page)
        await db.fetch_in("DELETE FROM company_year WHERE company IN (?)", page)
        rows = await db.fetch_in(
            f"SELECT company_source.company AS company, {month} AS month, {MASK_SQL} AS mask "
            f"FROM ({days_held_sql()}) AS company_source WHERE company_source.company IN (?) "
            f"GROUP BY company_source.company, {month}", page)
        years: dict[tuple[int, int], list[int]] = {}
        for row in rows:
            year, number = int(row["month"][:4]), int(row["month"][5:7])
            years.setdefault((year, row["company"]), [0] * 12)[number - 1] |= int(row["mask"])
        keys = await periods.keys(sorted({company for _, company in years}))
        after = {place: (tuple(masks), keys[place[1]]) for place, masks in sorted(years.items())}
        await db.execute_many(_WRITE_YEAR, [(year, company, *masks, *key)
                                            for (year, company), (masks, key) in after.items()])
        await periods.move(before, after)


async def _add_to_months(years: dict[tuple[int, int], list[int]]) -> None:
    """(year, company) -> twelve masks: each month's stored mask gains the bits. A row made here is
    counted under the company's key as its fields give it now; a stored row keeps its key."""
    if not years:
        return
    companies = sorted({company for _, company in years})
    keys = await periods.keys(companies)
    await db.execute_many(_NEW_YEAR, [(year, company, *keys[company]) for year, company in sorted(years)])
    before = {place: row for place, row in (await periods.stored(companies)).items() if place in years}
    after = {place: (tuple(old | added for old, added in zip(row[0], years[place])), row[1])
             for place, row in before.items()}
    changed = {place: row for place, row in after.items() if row != before[place]}
    await db.execute_many(f"UPDATE company_year SET {', '.join(f'{month} = ?' for month in MONTHS)} "
                          f"WHERE year = ? AND company = ?",
                          [(*masks, year, company) for (year, company), (masks, _) in sorted(changed.items())])
    await periods.move({place: before[place] for place in changed}, changed)


async def rebuild_months() -> None:
    """Count every company's months, and so the calendar periods (crm/services/periods.py), from
    scratch (the migration that made them; data written around the app)."""
    await db.execute_many("DELETE FROM company_year", [()])
    await db.execute_many("DELETE FROM period_tally", [()])
    after = 0
    while rows := await db.fetch_all("SELECT id FROM company WHERE id > ? ORDER BY id LIMIT 2000", [after]):
        after = rows[-1]["id"]
        await recount_months(row["id"] for row in rows)
    await db.fold_rows("period_tally", periods.TALLY_KEY, "companies")
