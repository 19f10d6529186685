"""What a report counts: an optional date range and an optional department.

Without dates the reports read the running totals that every write keeps (crm/services/tallies.py).
With dates a holding counts when what made it happened in the range (a batch or a record created by
hand by its day, interactions by their own dates). A calendar month, quarter or year is read from
the periods' running totals (crm/services/periods.py); any other range is counted from the record:
whole months from the holdings per company and month that every write keeps
(crm/services/holdings.py), the days at either end from the holdings. A department narrows the
companies to the ones it holds. Either way only committed batches count.
"""

from __future__ import annotations

import datetime as dt
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, AsyncIterator

from crm import db
from crm.domain.dates import parse_date
from crm.domain.problems import N_, rule_message
from crm.domain.periods import month_end, period_of
from crm.services.holdings import days_held_sql
from crm.services.tallies import MASK_SQL, MAX_DEPARTMENT_ID, bit
from crm.services.lookups import department_id_by_code
from crm.tables import Company, Department


@dataclass(frozen=True)
class Scope:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    department_id: int | None = None
    counted: bool = False  # the profile is read; the masks are in the temporary table scope_mask unless `period`
    # the period's held companies per (mask, section, place, has a Business ID), counted with the masks
    profile: tuple[tuple[int, str, str, bool, int], ...] = ()
    from_record: bool = False  # counted from the record even when the running totals could answer

    @property
    def period(self) -> str | None:
        """The calendar period ('2026', '2026-Q2', '2026-04') whose running totals answer the scope."""
        return None if self.from_record else period_of(self.date_from, self.date_to)

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def bit(self) -> int:
        return bit(self.department_id)

    def range_sql(self, column: str) -> tuple[str, list]:
        """` AND column >= {} AND column <= {}` for the bounds given, with their parameters."""
        sql, params = "", []
        if self.date_from:
            sql, params = sql + f" AND {column} >= {{}}", [*params, self.date_from]
        if self.date_to:
            sql, params = sql + f" AND {column} <= {{}}", [*params, self.date_to]
        return sql, params

    def holding_pairs(self) -> tuple[str, list]:
        """SQL (Piccolo raw, `{}` placeholders) of the holdings in the date range, as (company,
        department, day); a pair may appear more than once."""
        held, held_params = self.range_sql("company_source.first_date")
        logged, logged_params = self.range_sql("date")
        return days_held_sql(held, logged), [*held_params, *logged_params]

    def masks_sql(self) -> tuple[str, list]:
        """(company, mask) of every company held in the date range."""
        if self.counted:
            return "SELECT company, mask FROM scope_mask", []
        pairs, params = self.holding_pairs()
        return (f"SELECT company_source.company AS company, {MASK_SQL} AS mask FROM ({pairs}) AS company_source "
                f"GROUP BY company_source.company", params)


@asynccontextmanager
async def counting(scope: Scope) -> AsyncIterator[Scope]:
    """The scope with its profile read: what its companies are (section, place, Business ID) per
    mask. A calendar month, quarter or year is read from the periods' running totals
    (crm/services/periods.py), and so are its sources' masks (`period`); any other period is
    counted from the record (`counted_from_record`)."""
    if not scope.dated or scope.counted:
        yield scope
    elif scope.period:
        rows = await Company.raw(
            "SELECT mask, section, place, with_business_id, SUM(companies) AS companies FROM period_tally "
            "WHERE period = {} AND batch IS NULL GROUP BY mask, section, place, with_business_id "
            "HAVING SUM(companies) <> 0", scope.period)
        yield replace(scope, counted=True, profile=_profile(rows))
    else:
        async with counted_from_record(scope) as counted:
            yield counted


@asynccontextmanager
async def counted_from_record(scope: Scope) -> AsyncIterator[Scope]:
    """A period's reports share one pass over the record: its companies' masks are counted once into a
    temporary table, and every report of the period reads that (one connection, one transaction).
    The whole months of the period are read from company_year, one row per company and year
    (crm/services/holdings.py); only the days at either end that make no whole month are grouped
    from the holdings themselves. What the companies are is read once too, as the scope's profile."""
    async with db.engine().transaction():
        await Company.raw("DROP TABLE IF EXISTS scope_mask")
        await Company.raw("CREATE TEMPORARY TABLE scope_mask (company INTEGER PRIMARY KEY, mask BIGINT)")
        for part, params in await _period_parts(scope):  # a company in two parts gets both parts' bits
            await Company.raw(f"INSERT INTO scope_mask (company, mask) SELECT company, mask FROM ({part}) AS part "
                              f"WHERE true ON CONFLICT (company) DO UPDATE SET mask = scope_mask.mask | excluded.mask",
                              *params)
        rows = await Company.raw(
            "SELECT scope_mask.mask AS mask, company.study_section AS section, company.study_place AS place, "
            "company.business_id IS NOT NULL AS with_business_id, COUNT(*) AS companies FROM scope_mask "
            "JOIN company ON company.id = scope_mask.company GROUP BY scope_mask.mask, company.study_section, "
            "company.study_place, company.business_id IS NOT NULL")
        try:
            yield replace(scope, counted=True, from_record=True, profile=_profile(rows))
        finally:
            await Company.raw("DROP TABLE IF EXISTS scope_mask")


def _profile(rows: list[dict]) -> tuple[tuple[int, str, str, bool, int], ...]:
    return tuple(sorted((int(row["mask"]), row["section"] or "", row["place"] or "unknown",
                         bool(row["with_business_id"]), int(row["companies"])) for row in rows))


async def _period_parts(scope: Scope) -> list[tuple[str, list]]:
    """The period as SELECTs of (company, mask): its whole months from company_year, a year at a
    time, and the days before the first whole month and after the last from the holdings (Scope's
    masks_sql), within the first and last year anything is held in."""
    years = (await Company.raw("SELECT MIN(year) AS low, MAX(year) AS high FROM company_year"))[0]
    if years["low"] is None:
        return []  # nothing is held in any month
    first = max(scope.date_from or dt.date.min, dt.date(int(years["low"]), 1, 1))
    last = min(scope.date_to or dt.date.max, dt.date(int(years["high"]), 12, 31))
    if first > last:
        return []
    whole_from = first if first.day == 1 else month_end(first) + dt.timedelta(days=1)
    whole_to = last if (last + dt.timedelta(days=1)).day == 1 else last.replace(day=1) - dt.timedelta(days=1)
    if whole_from > whole_to:  # not one whole month: the days themselves
        return [replace(scope, date_from=first, date_to=last).masks_sql()]
    parts = []
    if first < whole_from:
        parts.append(replace(scope, date_from=first, date_to=whole_from - dt.timedelta(days=1)).masks_sql())
    for year in range(whole_from.year, whole_to.year + 1):
        months = range(whole_from.month if year == whole_from.year else 1,
                       (whole_to.month if year == whole_to.year else 12) + 1)
        mask = " | ".join(f"m{month}" for month in months)
        parts.append((f"SELECT company, {mask} AS mask FROM company_year WHERE year = {{}} AND ({mask}) <> 0", [year]))
    if whole_to < last:
        parts.append(replace(scope, date_from=whole_to + dt.timedelta(days=1), date_to=last).masks_sql())
    return parts


def periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The periods an analyst asks for most, as (label, first day, last day): whole months, which
    the reports count from company_year at once."""
    month = today.replace(day=1)
    last_month = (month - dt.timedelta(days=1)).replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    last_quarter = (quarter - dt.timedelta(days=1)).replace(day=1)
    last_quarter = last_quarter.replace(month=(last_quarter.month - 1) // 3 * 3 + 1)
    year = month.replace(month=1)
    day_before = dt.timedelta(days=1)
    return [(N_("This month"), month, month_end(month)),
            (N_("Last month"), last_month, month - day_before),
            (N_("This quarter"), quarter, month_end(quarter.replace(month=quarter.month + 2))),
            (N_("Last quarter"), last_quarter, quarter - day_before),
            (N_("This year"), year, year.replace(month=12, day=31)),
            (N_("Last year"), year.replace(year=year.year - 1), year - day_before)]


async def departments() -> list[dict]:
    """Every department, in code order: reports list each one, holding anything or not."""
    rows = await Department.select().order_by(Department.code)
    if any(row["id"] > MAX_DEPARTMENT_ID for row in rows):
        raise ValueError(f"The study counts departments with ids up to {MAX_DEPARTMENT_ID}")
    return rows


async def from_filters(params: Any) -> tuple[Scope, dict[str, str], dict[str, Any]]:
    """The filters as given, the scope they make, and an error beside each filter that is not valid
    (that filter is then left out)."""
    filters = {name: str(params.get(name) or "").strip()[:40] for name in ("from", "to", "department")}
    errors: dict[str, Any] = {}
    dates: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        try:
            dates[name] = parse_date(filters[name]) if filters[name] else None
        except ValueError as error:
            errors[name], dates[name] = str(error), None
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"], dates["to"] = rule_message("The end of the period is before its start"), None
    department_id = None
    if filters["department"]:
        try:
            department_id = await department_id_by_code(filters["department"])
            filters["department"] = filters["department"].upper()
        except ValueError as error:
            errors["department"] = str(error)
    return Scope(dates["from"], dates["to"], department_id), filters, errors
