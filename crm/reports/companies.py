"""What the companies in scope are: industry (TOL section) mix, and Espoo (049) against other
municipalities. Companies in scope are the ones some department holds (the department's own,
when the scope names one)."""

from __future__ import annotations

from collections import Counter

from crm.reports.scope import Scope, counting
from crm.tables import CompanyTally


async def _keys(scope: Scope) -> Counter:
    """Held companies per (section, place) they are counted under."""
    counts: Counter = Counter()
    if scope.dated and not scope.counted:
        return await _keys(await counting(scope))
    if scope.counted:
        for mask, section, place, _, companies in scope.profile:
            if not scope.department_id or mask & scope.bit:
                counts[section, place] += companies
        return counts
    rows = await CompanyTally.raw(
        "SELECT mask, section, place, SUM(companies) AS companies FROM company_tally WHERE batch IS NULL "
        "GROUP BY mask, section, place")
    for row in rows:
        if not scope.department_id or int(row["mask"]) & scope.bit:
            counts[row["section"], row["place"]] += int(row["companies"] or 0)
    return counts


async def industry_mix(scope: Scope) -> list[dict]:
    """[{"classification", "section" (None: not known), "companies"}], most companies first."""
    sections: Counter = Counter()
    for (section, _), count in (await _keys(scope)).items():
        sections[section] += count
    rows = []
    for key, count in sections.items():
        if count:
            classification, _, letter = key.partition(":")
            rows.append({"classification": classification if letter else "", "section": letter or None,
                         "companies": count})
    return sorted(rows, key=lambda row: (row["section"] is None, -row["companies"], row["section"] or ""))


async def municipalities(scope: Scope) -> dict[str, int]:
    """{"espoo", "other", "unknown"}: held companies by municipality."""
    counts = dict.fromkeys(("espoo", "other", "unknown"), 0)
    for (_, place), count in (await _keys(scope)).items():
        counts[place] += count
    return counts
