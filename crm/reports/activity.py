"""Interactions per month per department (counts only: a confidential interaction is counted and
nothing more)."""

from __future__ import annotations

import datetime as dt

from crm.reports.scope import Scope
from crm.tables import Interaction, InteractionTally


def _whole_months(scope: Scope) -> bool:
    """A period of whole months: the running totals answer it."""
    starts = scope.date_from is None or scope.date_from.day == 1
    ends = scope.date_to is None or (scope.date_to + dt.timedelta(days=1)).day == 1
    return starts and ends


async def per_month(scope: Scope) -> list[dict]:
    """[{"month": "2026-03", "department": id, "interactions": n}], oldest month first."""
    if scope.dated and not _whole_months(scope):
        dated, params = scope.range_sql("date")
        if scope.department_id:
            dated, params = dated + " AND department = {}", [*params, scope.department_id]
        rows = await Interaction.raw(
            f"SELECT substr(CAST(date AS TEXT), 1, 7) AS month, department, COUNT(*) AS interactions "
            f"FROM interaction WHERE deleted_at IS NULL{dated} GROUP BY substr(CAST(date AS TEXT), 1, 7), department", *params)
    else:
        where, params = ("AND department = {}", [scope.department_id]) if scope.department_id else ("", [])
        if scope.date_from:
            where, params = where + " AND month >= {}", [*params, scope.date_from.isoformat()[:7]]
        if scope.date_to:
            where, params = where + " AND month <= {}", [*params, scope.date_to.isoformat()[:7]]
        rows = await InteractionTally.raw(
            f"SELECT month, department, SUM(interactions) AS interactions FROM interaction_tally "
            f"WHERE programme IS NULL {where} GROUP BY month, department", *params)
    return sorted(({"month": row["month"], "department": row["department"],
                    "interactions": int(row["interactions"])} for row in rows if int(row["interactions"] or 0)),
                  key=lambda row: (row["month"], row["department"]))
