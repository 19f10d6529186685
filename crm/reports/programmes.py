"""Programme reach: per programme (and per theme, its projects included) the companies it reached
(tagged with it, or named by an interaction tagged with it) and the interactions tagged with it.
A department's scope counts what its own tagged interactions reached."""

from __future__ import annotations

from collections import Counter

from crm.reports.scope import Scope
from crm.tables import Programme

THEME = "COALESCE(programme.theme, programme.id)"


async def _counted(scope: Scope) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Companies per programme, companies per theme (its projects included), interactions per programme."""
    if not scope.dated:
        department, params = ("department = {}", [scope.department_id]) if scope.department_id else \
            ("department IS NULL", [])
        reached = await Programme.raw(
            f"SELECT programme, theme_level, SUM(companies) AS companies FROM programme_tally WHERE {department} "
            f"GROUP BY programme, theme_level", *params)
        companies = {row["programme"]: int(row["companies"]) for row in reached if not row["theme_level"]}
        themes = {row["programme"]: int(row["companies"]) for row in reached if row["theme_level"]}
        return companies, themes, await _tagged_interactions(scope)
    if scope.period:
        return await _in_calendar_period(scope)
    dated, params = scope.range_sql("interaction.date")
    if scope.department_id:
        dated, params = dated + " AND interaction.department = {}", [*params, scope.department_id]
    # one statement: the period's tagged interactions are read once (MATERIALIZED), and the three
    # counts come back as a few rows per programme, not as the period's (programme, company) pairs
    tags = "" if scope.department_id else " UNION SELECT programme, company FROM company_programme"
    rows = await Programme.raw(
        f"WITH logged AS MATERIALIZED (SELECT interaction_programme.programme AS programme, "
        f"interaction.company AS company, COUNT(*) AS interactions FROM interaction_programme "
        f"JOIN interaction ON interaction.id = interaction_programme.interaction "
        f"WHERE interaction.deleted_at IS NULL{dated} GROUP BY interaction_programme.programme, interaction.company), "
        f"reached AS MATERIALIZED (SELECT programme, company FROM logged{tags}) "
        f"SELECT 'companies' AS counted, programme AS programme, COUNT(DISTINCT company) AS n FROM reached "
        f"GROUP BY programme "
        f"UNION ALL SELECT 'themes', {THEME}, COUNT(DISTINCT reached.company) FROM reached "
        f"JOIN programme ON programme.id = reached.programme GROUP BY {THEME} "
        f"UNION ALL SELECT 'interactions', programme, SUM(interactions) FROM logged GROUP BY programme", *params)
    counted: dict[str, dict[int, int]] = {"companies": {}, "themes": {}, "interactions": {}}
    for row in rows:
        counted[row["counted"]][row["programme"]] = int(row["n"])
    return counted["companies"], counted["themes"], counted["interactions"]


async def _tagged_interactions(scope: Scope) -> dict[int, int]:
    """Interactions per programme from the running totals, within the scope's whole months if any."""
    where, params = ("AND department = {}", [scope.department_id]) if scope.department_id else ("", [])
    if scope.date_from:
        where, params = where + " AND month >= {}", [*params, scope.date_from.isoformat()[:7]]
    if scope.date_to:
        where, params = where + " AND month <= {}", [*params, scope.date_to.isoformat()[:7]]
    logged = await Programme.raw(
        f"SELECT programme, SUM(interactions) AS interactions FROM interaction_tally "
        f"WHERE programme IS NOT NULL {where} GROUP BY programme", *params)
    return {row["programme"]: int(row["interactions"]) for row in logged if int(row["interactions"] or 0)}


async def _in_calendar_period(scope: Scope) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """A calendar month, quarter or year, from the running totals (crm/services/reach.py): a
    department's companies are the ones its interactions reached; all departments' add the tagged
    companies to the ones reached in the period and not tagged. Interactions from the months'."""
    counted: dict[bool, Counter] = {False: Counter(), True: Counter()}
    for row in await Programme.raw(
            "SELECT programme, theme_level, mask, tagged, SUM(companies) AS companies FROM reach_tally "
            "WHERE period = {} GROUP BY programme, theme_level, mask, tagged HAVING SUM(companies) <> 0", scope.period):
        if (int(row["mask"]) & scope.bit) if scope.department_id else not row["tagged"]:
            counted[bool(row["theme_level"])][row["programme"]] += int(row["companies"])
    if not scope.department_id:
        for theme_level, key in ((False, "company_programme.programme"), (True, THEME)):
            for row in await Programme.raw(
                    f"SELECT {key} AS programme, COUNT(DISTINCT company_programme.company) AS companies "
                    f"FROM company_programme JOIN programme ON programme.id = company_programme.programme "
                    f"GROUP BY {key}"):
                counted[theme_level][row["programme"]] += int(row["companies"])
    return dict(counted[False]), dict(counted[True]), await _tagged_interactions(scope)


async def reach(scope: Scope) -> list[dict]:
    """Every programme in code order, with its theme, companies and interactions. A calendar period
    is read from its running totals (unless the scope is counted from the record)."""
    companies, theme_companies, interactions = await _counted(scope)
    rows = await Programme.select().order_by(Programme.code)
    theme_of = {row["id"]: row["theme"] or row["id"] for row in rows}
    theme_interactions: dict[int, int] = {}
    for programme_id, count in interactions.items():
        theme = theme_of.get(programme_id, programme_id)
        theme_interactions[theme] = theme_interactions.get(theme, 0) + count
    result = []
    for row in rows:
        is_theme = row["theme"] is None
        result.append({
            **row,
            "companies": companies.get(row["id"], 0),
            "interactions": interactions.get(row["id"], 0),
            "is_theme": is_theme,
            "theme_companies": theme_companies.get(row["id"], 0) if is_theme else None,
            "theme_interactions": theme_interactions.get(row["id"], 0) if is_theme else None,
        })
    return result
