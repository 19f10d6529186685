"""Companies per calendar period (a month, a quarter, a year) as a dated report counts them, kept
by every write that changes company_year, so a report of a calendar period reads a few hundred rows
instead of one per company (crm/reports/scope.py).

period_tally holds delta rows like company_tally: companies per (period, mask, section, place,
with a Business ID) for the record (batch NULL), and per (period, mask) of each committed import
batch's companies, for the periods holding the batch's day (the sources table's "shared").
A company's mask in a period is the OR of its month masks in company_year
(crm/services/holdings.py). Each company_year row also carries the key it is counted under (the
company's section, place and whether it has a Business ID), so a change to a row moves the tally
by the difference between the row before and after, and a company whose key changes moves its rows.
On PostgreSQL the rows are read with a row lock before they change.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from crm import db
from crm.domain.periods import QUARTERS, period_masks, periods_of_day
from crm.domain.study import study_key

MONTHS = [f"m{month}" for month in range(1, 13)]
KEY_COLUMNS = ["section", "place", "with_business_id"]
TALLY_KEY = ["period", "batch", "mask", *KEY_COLUMNS]  # period_tally's columns but its measure, companies
PAGE = 5_000

Key = tuple[str, str, bool]  # (section, place, with a Business ID)
Row = tuple[tuple[int, ...], Key]  # a company_year row: its twelve month masks and its key


def key_of(company: dict) -> Key:
    """The key a company is counted under, from its fields."""
    return (*study_key(company), company.get("business_id") is not None)


async def keys(company_ids: list[int]) -> dict[int, Key]:
    """The companies' keys as their fields give them now."""
    return {row["id"]: key_of(row) for row in await db.fetch_in(
        "SELECT id, industry_code, industry_classification, municipality_code, business_id FROM company "
        "WHERE id IN (?)", company_ids)}


async def stored(company_ids: list[int]) -> dict[tuple[int, int], Row]:
    """The companies' company_year rows by (year, company), locked against other writers (PostgreSQL)."""
    return {(row["year"], row["company"]): (tuple(int(row[month]) for month in MONTHS),
                                            (row["section"], row["place"], bool(row["with_business_id"])))
            for row in await db.fetch_in(
                f"SELECT year, company, {', '.join(MONTHS)}, {', '.join(KEY_COLUMNS)} FROM company_year "
                f"WHERE company IN (?) ORDER BY company, year" + db.for_update(), company_ids)}


async def move(before: dict[tuple[int, int], Row], after: dict[tuple[int, int], Row]) -> None:
    """company_year rows went from `before` to `after` (a row missing: none): the tally moves by the
    difference, for the record and for every committed batch holding a company whose masks moved."""
    record: Counter = Counter()
    moved: dict[tuple[int, int], tuple[dict[str, int], dict[str, int]]] = {}
    for year, company in before.keys() | after.keys():
        old, new = before.get((year, company)), after.get((year, company))
        if old == new:
            continue
        old_masks = period_masks(year, old[0]) if old else {}
        new_masks = period_masks(year, new[0]) if new else {}
        for period, mask in old_masks.items():
            record[period, mask, *old[1]] -= 1
        for period, mask in new_masks.items():
            record[period, mask, *new[1]] += 1
        if old_masks != new_masks:
            moved[year, company] = (old_masks, new_masks)
    batches: Counter = Counter()
    if moved:
        held = await db.fetch_in(
            "SELECT DISTINCT company_source.import_batch AS batch, company_source.company AS company, "
            "company_source.first_date AS day FROM company_source "
            "JOIN import_batch ON import_batch.id = company_source.import_batch "
            "WHERE company_source.company IN (?) AND import_batch.status = 'committed' "
            "AND company_source.department IS NOT NULL", sorted({company for _, company in moved}))
        for row in held:
            day = db.as_date(row["day"])
            if (day.year, row["company"]) not in moved:
                continue
            old_masks, new_masks = moved[day.year, row["company"]]
            for period in periods_of_day(day):
                old, new = old_masks.get(period, 0), new_masks.get(period, 0)
                if old != new:
                    if old:
                        batches[period, row["batch"], old] -= 1
                    if new:
                        batches[period, row["batch"], new] += 1
    await db.insert_rows("period_tally", [*TALLY_KEY, "companies"],
                         [(period, None, mask, *key, count) for (period, mask, *key), count in record.items() if count] +
                         [(period, batch, mask, "", "", False, count)
                          for (period, batch, mask), count in batches.items() if count])


async def follow_keys(companies: dict[int, dict]) -> None:
    """Companies whose fields were just read (their rows held by the caller): rows counted under
    another key than the fields give now move to it."""
    ids = sorted(companies)
    for start in range(0, len(ids), PAGE):
        page = ids[start:start + PAGE]
        rows = await stored(page)
        now = {company: key_of(companies[company]) for company in page}
        before = {place: row for place, row in rows.items() if row[1] != now[place[1]]}
        if not before:
            continue
        await db.execute_many(
            f"UPDATE company_year SET {', '.join(f'{column} = ?' for column in KEY_COLUMNS)} WHERE company = ?",
            sorted({(*now[company], company) for _, company in before}, key=lambda row: row[-1]))
        await move(before, {place: (row[0], now[place[1]]) for place, row in before.items()})


async def forget(company_ids: Iterable[int]) -> None:
    """Companies about to be deleted, or to be counted again from nothing: their rows leave
    company_year and the tally."""
    ids = sorted(set(company_ids))
    for start in range(0, len(ids), PAGE):
        page = ids[start:start + PAGE]
        before = await stored(page)
        await db.fetch_in("DELETE FROM company_year WHERE company IN (?)", page)
        await move(before, {})


def _period_mask_sql(period: str) -> tuple[int, str]:
    """(year, SQL of a company_year row's mask in the period)."""
    year, _, part = period.partition("-")
    if not part:
        months = range(1, 13)
    elif part.startswith("Q"):
        months = QUARTERS[int(part[1:]) - 1]
    else:
        months = (int(part),)
    return int(year), "(" + " | ".join(f"company_year.m{month}" for month in months) + ")"


async def count_batch(batch_id: int) -> None:
    """A batch just committed: its companies per mask in each period holding its day, counted afresh."""
    await drop_batch(batch_id)
    days = await db.fetch_all("SELECT DISTINCT first_date AS day FROM company_source WHERE import_batch = ? "
                              "AND department IS NOT NULL", [batch_id])
    for row in days:
        for period in periods_of_day(db.as_date(row["day"])):
            year, mask = _period_mask_sql(period)
            await db.execute_many(
                f"INSERT INTO period_tally (period, batch, mask, section, place, with_business_id, companies) "
                f"SELECT ?, ?, {mask}, '', '', FALSE, COUNT(DISTINCT company_source.company) FROM company_source "
                f"JOIN company_year ON company_year.company = company_source.company AND company_year.year = ? "
                f"WHERE company_source.import_batch = ? AND company_source.department IS NOT NULL "
                f"AND company_source.first_date = ? AND {mask} <> 0 GROUP BY {mask}",
                [(period, batch_id, year, batch_id, row["day"])])


async def drop_batch(batch_id: int) -> None:
    await db.execute_many("DELETE FROM period_tally WHERE batch = ?", [(batch_id,)])
