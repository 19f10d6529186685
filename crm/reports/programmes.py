"""Programme reach: per programme (and per theme, its projects included) the companies it reached
(tagged with it, or named by an interaction tagged with it) and the interactions tagged with it."""

from __future__ import annotations

from crm.reports.scope import Scope
from crm.tables import Programme


def _interactions_sql(scope: Scope) -> tuple[str, list]:
    """(programme, company) of every tagged interaction in scope."""
    dated, params = scope.range_sql("interaction.date")
    if scope.department_id:
        dated, params = dated + " AND interaction.department = {}", [*params, scope.department_id]
    return (f"SELECT interaction_programme.programme AS programme, interaction.company AS company "
            f"FROM interaction_programme JOIN interaction ON interaction.id = interaction_programme.interaction "
            f"WHERE 1 = 1{dated}", params)


def _tagged_sql(scope: Scope) -> tuple[str, list]:
    """(programme, company) of tagged companies; a department's scope keeps the companies it holds."""
    if not scope.department_id:
        return "SELECT programme, company FROM company_programme", []
    pairs, params = scope.holding_pairs()
    return (f"SELECT programme, company FROM company_programme WHERE company IN "
            f"(SELECT company FROM ({pairs}) AS held WHERE department = {{}})", [*params, scope.department_id])


async def reach(scope: Scope) -> list[dict]:
    """Every programme in code order, with its theme, companies and interactions."""
    logged, logged_params = _interactions_sql(scope)
    tagged, tagged_params = _tagged_sql(scope)
    interactions = {row["programme"]: int(row["interactions"]) for row in await Programme.raw(
        f"SELECT programme, COUNT(*) AS interactions FROM ({logged}) AS logged GROUP BY programme", *logged_params)}
    companies = {row["programme"]: int(row["companies"]) for row in await Programme.raw(
        f"SELECT programme, COUNT(DISTINCT company) AS companies FROM "
        f"({logged} UNION {tagged}) AS reached GROUP BY programme", *logged_params, *tagged_params)}
    themes = {row["theme"]: row for row in await Programme.raw(
        f"SELECT COALESCE(programme.theme, programme.id) AS theme, COUNT(DISTINCT reached.company) AS companies "
        f"FROM ({logged} UNION {tagged}) AS reached JOIN programme ON programme.id = reached.programme "
        f"GROUP BY COALESCE(programme.theme, programme.id)", *logged_params, *tagged_params)}
    theme_interactions = {row["theme"]: int(row["interactions"]) for row in await Programme.raw(
        f"SELECT COALESCE(programme.theme, programme.id) AS theme, COUNT(*) AS interactions "
        f"FROM ({logged}) AS logged JOIN programme ON programme.id = logged.programme "
        f"GROUP BY COALESCE(programme.theme, programme.id)", *logged_params)}
    result = []
    for row in await Programme.select().order_by(Programme.code):
        is_theme = row["theme"] is None
        result.append({
            **row,
            "companies": companies.get(row["id"], 0),
            "interactions": interactions.get(row["id"], 0),
            "is_theme": is_theme,
            "theme_companies": int(themes.get(row["id"], {}).get("companies") or 0) if is_theme else None,
            "theme_interactions": theme_interactions.get(row["id"], 0) if is_theme else None,
        })
    return result
