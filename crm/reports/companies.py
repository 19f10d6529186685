"""What the companies in scope are: industry (TOL section) mix, and Espoo (049) against other
municipalities. Companies in scope are the ones some department holds (the department's own,
when the scope names one)."""

from __future__ import annotations

from crm.domain.industry import section_of
from crm.domain.postal import ESPOO_MUNICIPALITY_CODE
from crm.reports.scope import Scope
from crm.tables import Company


def _held_sql(scope: Scope) -> tuple[str, list]:
    pairs, params = scope.holding_pairs()
    if scope.department_id:
        return f"SELECT company FROM ({pairs}) AS held WHERE department = {{}}", [*params, scope.department_id]
    return f"SELECT company FROM ({pairs}) AS held", params


async def industry_mix(scope: Scope) -> list[dict]:
    """[{"classification", "section" (None: unknown), "companies"}], most companies first."""
    held, params = _held_sql(scope)
    rows = await Company.raw(
        f"SELECT industry_classification AS classification, substr(industry_code, 1, 2) AS division, "
        f"COUNT(*) AS companies FROM company WHERE id IN ({held}) "
        f"GROUP BY industry_classification, substr(industry_code, 1, 2)", *params)
    sections: dict[tuple[str, str | None], int] = {}
    for row in rows:
        try:
            section = section_of(row["division"], row["classification"]) if row["division"] else None
        except ValueError:
            section = None
        if section == "X":
            section = None
        classification = row["classification"] if section else ""
        key = (classification, section)
        sections[key] = sections.get(key, 0) + int(row["companies"])
    return sorted(({"classification": classification, "section": section, "companies": count}
                   for (classification, section), count in sections.items()),
                  key=lambda row: (row["section"] is None, -row["companies"], row["section"] or ""))


async def municipalities(scope: Scope) -> dict[str, int]:
    """{"espoo", "other", "unknown"}: companies by municipality code."""
    held, params = _held_sql(scope)
    rows = await Company.raw(
        f"SELECT municipality_code, COUNT(*) AS companies FROM company WHERE id IN ({held}) "
        f"GROUP BY municipality_code", *params)
    counts = dict.fromkeys(("espoo", "other", "unknown"), 0)
    for row in rows:
        code = row["municipality_code"] or ""
        place = "espoo" if code == ESPOO_MUNICIPALITY_CODE else "other" if code else "unknown"
        counts[place] += int(row["companies"])
    return counts
