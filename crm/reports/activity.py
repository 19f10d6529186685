"""Interactions per month per department (counts only: a confidential interaction is counted and
nothing more)."""

from __future__ import annotations

import datetime as dt

from crm.reports.scope import Scope
from crm.domain.periods import month_end
from crm.tables import Interaction, InteractionTally


async def per_month(scope: Scope) -> list[dict]:
    """[{"month": "2026-03", "department": id, "interactions": n}], oldest month first. Whole months
    from the running totals; the days of a month the period holds only in part from the record."""
    first, last = scope.date_from, scope.date_to
    counted: dict[tuple[str, int], int] = {}
    if first and first.day != 1:  # the first month in part
        end = min(month_end(first), last or dt.date.max)
        await _add_days(counted, scope, first, end)
        first = end + dt.timedelta(days=1)
    if last and (first is None or first <= last) and last != month_end(last):  # the last month in part
        start = max(last.replace(day=1), first or dt.date.min)
        await _add_days(counted, scope, start, last)
        last = start - dt.timedelta(days=1)
    if first is None or last is None or first <= last:
        await _add_months(counted, scope, first, last)
    return [{"month": month, "department": department, "interactions": count}
            for (month, department), count in sorted(counted.items()) if count]


async def _add_days(counted: dict, scope: Scope, first: dt.date, last: dt.date) -> None:
    where, params = "", [first, last]
    if scope.department_id:
        where, params = " AND department = {}", [*params, scope.department_id]
    rows = await Interaction.raw(
        f"SELECT substr(CAST(date AS TEXT), 1, 7) AS month, department, COUNT(*) AS interactions FROM interaction "
        f"WHERE deleted_at IS NULL AND date >= {{}} AND date <= {{}}{where} "
        f"GROUP BY substr(CAST(date AS TEXT), 1, 7), department", *params)
    _add(counted, rows)


async def _add_months(counted: dict, scope: Scope, first: dt.date | None, last: dt.date | None) -> None:
    where, params = ("AND department = {}", [scope.department_id]) if scope.department_id else ("", [])
    if first:
        where, params = where + " AND month >= {}", [*params, first.isoformat()[:7]]
    if last:
        where, params = where + " AND month <= {}", [*params, last.isoformat()[:7]]
    rows = await InteractionTally.raw(
        f"SELECT month, department, SUM(interactions) AS interactions FROM interaction_tally "
        f"WHERE programme IS NULL {where} GROUP BY month, department", *params)
    _add(counted, rows)


def _add(counted: dict, rows: list[dict]) -> None:
    for row in rows:
        key = (row["month"], row["department"])
        counted[key] = counted.get(key, 0) + int(row["interactions"] or 0)
