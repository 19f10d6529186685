"""Interactions per month per department (counts only: a confidential interaction is counted and
nothing more)."""

from __future__ import annotations

from crm.reports.scope import Scope
from crm.tables import Interaction, InteractionTally


async def per_month(scope: Scope) -> list[dict]:
    """[{"month": "2026-03", "department": id, "interactions": n}], oldest month first."""
    if scope.dated:
        dated, params = scope.range_sql("date")
        if scope.department_id:
            dated, params = dated + " AND department = {}", [*params, scope.department_id]
        rows = await Interaction.raw(
            f"SELECT substr(CAST(date AS TEXT), 1, 7) AS month, department, COUNT(*) AS interactions "
            f"FROM interaction WHERE deleted_at IS NULL{dated} GROUP BY substr(CAST(date AS TEXT), 1, 7), department", *params)
    else:
        where, params = ("AND department = {}", [scope.department_id]) if scope.department_id else ("", [])
        rows = await InteractionTally.raw(
            f"SELECT month, department, SUM(interactions) AS interactions FROM interaction_tally "
            f"WHERE programme IS NULL {where} GROUP BY month, department", *params)
    return sorted(({"month": row["month"], "department": row["department"],
                    "interactions": int(row["interactions"])} for row in rows if int(row["interactions"] or 0)),
                  key=lambda row: (row["month"], row["department"]))
