"""What a report counts: an optional date range and an optional department.

Without dates the reports read the running totals that every write keeps (crm/services/tallies.py).
With dates a holding counts when what made it happened in the range (a batch or a record created by
hand by its day, interactions by their own dates). A calendar month, quarter or year is read from
the periods' running totals (crm/services/periods.py); any other range is counted from the record:
whole months from the holdings per company and month that every write keeps
(crm/services/holdings.py), the days at either end from the holdings. The count groups one year's
months as they are stored and then moves only the companies the rest of the range holds (each other
year's rows, then the days at either end), with no temporary table: a range within one year costs a
pass over that year's rows and its days at either end. A department narrows the companies to the
ones it holds. Either way only committed batches count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from crm import db
from crm.domain.dates import parse_date
from crm.domain.problems import N_, rule_message
from crm.domain.periods import Split, month_end, period_of, split
from crm.services.holdings import days_held_sql
from crm.services.tallies import MAX_DEPARTMENT_ID, bit
from crm.services.lookups import department_id_by_code
from crm.tables import Company, Department


@dataclass(frozen=True)
class Scope:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    department_id: int | None = None
    counted: bool = False  # the profile is read
    # the period's held companies per (mask, section, place, has a Business ID)
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

    def holds(self, day: dt.date) -> bool:
        """Whether the day is in the date range (open ends hold every day before or after)."""
        return (not self.date_from or day >= self.date_from) and (not self.date_to or day <= self.date_to)

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


async def counting(scope: Scope) -> Scope:
    """The scope with its profile read: what its companies are (section, place, Business ID) per
    mask. A calendar month, quarter or year is read from the periods' running totals
    (crm/services/periods.py), and so are its sources' masks (`period`); any other period is
    counted from the record (`counted_from_record`)."""
    if not scope.dated or scope.counted:
        return scope
    if scope.period:
        rows = await Company.raw(
            "SELECT mask, section, place, with_business_id, SUM(companies) AS companies FROM period_tally "
            "WHERE period = {} AND batch IS NULL GROUP BY mask, section, place, with_business_id "
            "HAVING SUM(companies) <> 0", scope.period)
        return replace(scope, counted=True, profile=_profile(rows))
    return await counted_from_record(scope)


def _months_sql(alias: str, months: range) -> str:
    """The mask of a company_year row's months."""
    return "(" + " | ".join(f"{alias}.m{month}" for month in months) + ")"


@dataclass(frozen=True)
class _Parts:
    """A period to count from the record (Split), in stages: its whole months a year at a time (the
    year with the most first), each year's company_year rows as they are stored (one per company,
    so a stage groups nothing by company), then the days at either end from the holdings, grouped
    by company (less than a month at each end). Each stage after the first moves the companies it holds from
    the mask the stages before gave them to the mask with its own months added."""
    split: Split
    bits: tuple[int, ...]  # every department's bit, for an OR over rows on SQLite

    @property
    def years(self) -> tuple[tuple[int, range], ...]:
        return (self.split.base, *self.split.others) if self.split.base else ()

    def days_sql(self) -> tuple[str, list] | None:
        """(company, mask) of every company held on the days at either end, one row each."""
        if not self.split.days:
            return None
        held, params = [], []
        for first, last in self.split.days:
            pairs, pair_params = Scope(first, last).holding_pairs()
            held.append(f"SELECT company, CAST(1 AS BIGINT) << (department - 1) AS mask FROM ({pairs}) AS held")
            params += pair_params
        return (f"SELECT days.company AS company, {db.bit_or('days.mask', self.bits)} AS mask "
                f"FROM ({' UNION ALL '.join(held)}) AS days GROUP BY days.company", params)

    @staticmethod
    def years_of(company: str, years: tuple[tuple[int, range], ...]) -> tuple[str, str, list]:
        """(mask, LEFT JOINs, parameters): the mask the `years` give each row's `company` column."""
        masks, joins, params = [], "", []
        for number, (year, months) in enumerate(years):
            alias = f"y{number}"
            joins += f" LEFT JOIN company_year AS {alias} ON {alias}.year = {{}} AND {alias}.company = {company}"
            masks.append(f"COALESCE({_months_sql(alias, months)}, 0)")
            params.append(year)
        return ("(" + " | ".join(masks) + ")") if masks else "0", joins, params

    def mask_of(self, company: str) -> tuple[str, str, list]:
        """(mask, LEFT JOINs, parameters) of the period's mask of each row's `company` column."""
        mask, joins, params = self.years_of(company, self.years)
        if days := self.days_sql():
            joins += f" LEFT JOIN ({days[0]}) AS days ON days.company = {company}"
            mask, params = f"({mask} | COALESCE(days.mask, 0))", [*params, *days[1]]
        return mask, joins, params


def _key_sql(years: int, own: str | None) -> str:
    """Section, place and Business ID a company is counted under: its row of the first year stage
    that holds it (y0, y1, ...), else `own` (a company_year alias), else its company fields."""
    columns = (("section", "company.study_section"), ("place", "company.study_place"),
               ("with_business_id", "company.business_id IS NOT NULL"))
    keys = []
    for column, field in columns:
        cases = " ".join(f"WHEN y{number}.company IS NOT NULL THEN y{number}.{column}" for number in range(years))
        otherwise = f"{own}.{column}" if own else field
        keys.append(f"CASE {cases} ELSE {otherwise} END AS {column}" if cases else f"{otherwise} AS {column}")
    return ", ".join(keys)


async def counted_from_record(scope: Scope) -> Scope:
    """The scope's profile counted from the record, stage by stage (_Parts): the first year's rows
    grouped as they are, then each later stage's companies moved from the mask the stages before
    gave them to the mask with the stage's own added."""
    parts = await _period_parts(scope)
    counts: dict[tuple[int, str, str, bool], int] = {}

    def add(mask: int, row: dict, companies: int) -> None:
        key = (mask, row["section"] or "", row["place"] or "unknown", bool(row["with_business_id"]))
        counts[key] = counts.get(key, 0) + companies

    async def move(rows_sql: str, params: list) -> None:  # rows_sql: only the companies whose mask grows
        for row in await Company.raw(
                f"SELECT base_mask, period_mask, section, place, with_business_id, COUNT(*) AS companies "
                f"FROM ({rows_sql}) AS moved GROUP BY base_mask, period_mask, section, place, with_business_id",
                *params):
            was, now = int(row["base_mask"]), int(row["period_mask"])
            if was != now:
                if was:
                    add(was, row, -int(row["companies"]))
                add(now, row, int(row["companies"]))

    years = parts.years
    if years:
        mask = _months_sql("company_year", years[0][1])
        for row in await Company.raw(
                f"SELECT {mask} AS mask, section, place, with_business_id, COUNT(*) AS companies FROM company_year "
                f"WHERE year = {{}} AND {mask} <> 0 GROUP BY {mask}, section, place, with_business_id", years[0][0]):
            add(int(row["mask"]), row, int(row["companies"]))
    for number in range(1, len(years)):
        before, joins, params = parts.years_of("part.company", years[:number])
        mask = _months_sql("part", years[number][1])
        await move(f"SELECT {before} AS base_mask, {before} | {mask} AS period_mask, {_key_sql(number, 'part')} "
                   f"FROM company_year AS part{joins} WHERE part.year = {{}} AND ({before} | {mask}) <> {before}",
                   [*params, years[number][0]])
    if days := parts.days_sql():
        before, joins, params = parts.years_of("days.company", years)
        unheld = "".join(f" AND y{number}.company IS NULL" for number in range(len(years)))
        company = f" LEFT JOIN company ON company.id = days.company{unheld}" if years else \
            " JOIN company ON company.id = days.company"
        await move(f"SELECT {before} AS base_mask, {before} | days.mask AS period_mask, {_key_sql(len(years), None)} "
                   f"FROM ({days[0]}) AS days{joins}{company} WHERE ({before} | days.mask) <> {before}",
                   [*days[1], *params])
    profile = tuple(sorted((*key, companies) for key, companies in counts.items() if companies))
    return replace(scope, counted=True, from_record=True, profile=profile)


async def batch_masks_from_record(scope: Scope, batch_ids: list[int]) -> list[dict]:
    """(batch, mask, companies): per batch of `batch_ids`, its companies per the mask the period
    gives them (counted from the record, like the profile)."""
    parts = await _period_parts(scope)
    if not batch_ids or not (parts.years or parts.split.days):
        return []  # no batch in the range, or nothing held in any of its years
    mask, joins, params = parts.mask_of("held.company")
    batches = ", ".join(str(int(batch_id)) for batch_id in batch_ids)
    return await Company.raw(
        f"SELECT held.batch AS batch, {mask} AS mask, COUNT(*) AS companies FROM (SELECT DISTINCT "
        f"import_batch AS batch, company FROM company_source WHERE import_batch IN ({batches}) "
        f"AND department IS NOT NULL) AS held{joins} GROUP BY held.batch, {mask} HAVING {mask} <> 0", *params)


def _profile(rows: list[dict]) -> tuple[tuple[int, str, str, bool, int], ...]:
    return tuple(sorted((int(row["mask"]), row["section"] or "", row["place"] or "unknown",
                         bool(row["with_business_id"]), int(row["companies"])) for row in rows))


async def _period_parts(scope: Scope) -> _Parts:
    """The scope's range, within the first and last year anything is held in, as whole months and
    the days around them (Split)."""
    years = (await Company.raw(  # two subqueries: each is one step down the primary key
        "SELECT (SELECT MIN(year) FROM company_year) AS low, (SELECT MAX(year) FROM company_year) AS high"))[0]
    bits = tuple(bit(row["id"]) for row in await departments())
    if years["low"] is None:
        return _Parts(Split(), bits)  # nothing is held in any month
    first = max(scope.date_from or dt.date.min, dt.date(int(years["low"]), 1, 1))
    last = min(scope.date_to or dt.date.max, dt.date(int(years["high"]), 12, 31))
    return _Parts(split(first, last) if first <= last else Split(), bits)


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
