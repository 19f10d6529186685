"""Programme reach per calendar period (a month, a quarter, a year), kept by every write that counts
a tagged interaction or tags a company, so a report of a calendar period reads a few rows per
programme instead of its period's tagged interactions (crm/reports/programmes.py).

programme_year: per year, programme (and theme, its projects included: theme_level), company and
department, the company's tagged interactions with that department in each month (m1..m12), and
whether the company itself is tagged with the programme (at theme level: with the theme or one of
its projects). A row at zero in every month is removed.

reach_tally: delta rows of companies per (period, programme, theme_level, mask, tagged), where
mask holds the departments whose tagged interactions reached the company in the period. A
department's reach counts the companies whose mask has its bit; the reach of all departments adds
the companies tagged with the programme, whatever the period (as the count from the record does),
to the companies reached in the period that are not tagged. On PostgreSQL the rows are read with a
row lock before they change.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Iterable

from crm import db
from crm.domain.study import bit
from crm.services.periods import MONTHS, period_masks

TALLY_KEY = ["period", "programme", "theme_level", "mask", "tagged"]  # reach_tally's columns but companies
Group = tuple[int, int, bool, int]  # (year, programme, theme_level, company)
State = tuple[tuple[int, ...], bool]  # a group's department masks per month, and whether the company is tagged
_COUNTS = ", ".join(MONTHS)
_NEW = ("INSERT INTO programme_year (year, programme, theme_level, company, department, tagged) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (year, programme, theme_level, company, department) DO NOTHING")


async def programme_themes() -> dict[int, int]:
    """Each programme's theme (a theme is its own)."""
    return {row["id"]: row["theme"] or row["id"] for row in await db.fetch_all("SELECT id, theme FROM programme")}


async def _rows(company_ids: list[int]) -> dict[Group, tuple[dict[int, list[int]], bool]]:
    """The companies' programme_year rows: group -> department -> twelve counts, locked (PostgreSQL)."""
    groups: dict[Group, dict[int, list[int]]] = defaultdict(dict)
    tagged: dict[Group, bool] = {}
    for row in await db.fetch_in(
            f"SELECT year, programme, theme_level, company, department, tagged, {_COUNTS} FROM programme_year "
            f"WHERE company IN (?) ORDER BY company, year, programme, theme_level, department" + db.for_update(),
            company_ids):
        group = (row["year"], row["programme"], bool(row["theme_level"]), row["company"])
        groups[group][row["department"]] = [int(row[month]) for month in MONTHS]
        tagged[group] = bool(row["tagged"])
    return {group: (departments, tagged[group]) for group, departments in groups.items()}


def _state(departments: dict[int, list[int]], tagged: bool) -> State:
    masks = [0] * 12
    for department, counts in departments.items():
        for month, count in enumerate(counts):
            if count > 0:
                masks[month] |= bit(department)
    return tuple(masks), tagged


async def _move(before: dict[Group, State], after: dict[Group, State]) -> None:
    tally: Counter = Counter()
    for group in before.keys() | after.keys():
        old, new = before.get(group), after.get(group)
        if old == new:
            continue
        year, programme, theme_level, _ = group
        for state, sign in ((old, -1), (new, 1)):
            if state:
                for period, mask in period_masks(year, state[0]).items():
                    tally[period, programme, theme_level, mask, state[1]] += sign
    await db.insert_rows("reach_tally", [*TALLY_KEY, "companies"],
                         [(*key, count) for key, count in tally.items() if count])


async def _tags(pairs: Iterable[tuple[int, bool, int]], themes: dict[int, int]) -> dict[tuple[int, bool, int], bool]:
    """Whether each (programme, theme_level, company) is tagged now."""
    pairs = set(pairs)
    tagged = dict.fromkeys(pairs, False)
    for row in await db.fetch_in("SELECT company, programme FROM company_programme WHERE company IN (?)",
                                 sorted({company for _, _, company in pairs})):
        for key in ((row["programme"], False, row["company"]), (themes.get(row["programme"], row["programme"]),
                                                                True, row["company"])):
            if key in tagged:
                tagged[key] = True
    return tagged


async def count_logged(rows: Iterable[tuple[int, int, dt.date, Iterable[int]]], sign: int) -> None:
    """Tagged interactions added (sign 1) or removed (-1), as (company, department, date, programmes)."""
    themes = await programme_themes()
    increments: dict[tuple[Group, int], list[int]] = {}
    for company, department, day, programmes in rows:
        for programme in set(programmes):
            for key, theme_level in ((programme, False), (themes.get(programme, programme), True)):
                place = ((day.year, key, theme_level, company), department)
                increments.setdefault(place, [0] * 12)[day.month - 1] += sign
    if not increments:
        return
    themes_level = {(key, level, company) for (_, key, level, company), _ in increments}
    tagged = await _tags(themes_level, themes)
    await db.execute_many(_NEW, [(year, key, level, company, department, tagged[key, level, company])
                                 for (year, key, level, company), department in sorted(increments)])
    companies = sorted({company for (_, _, _, company), _ in increments})
    stored = await _rows(companies)
    groups = {group for group, _ in increments}
    before = {group: _state(*stored[group]) for group in groups if group in stored}
    written, emptied = [], []
    for group in sorted(groups):
        departments, is_tagged = stored.get(group, ({}, False))
        for department in list(departments):
            if (group, department) in increments:
                counts = [a + b for a, b in zip(departments[department], increments[group, department])]
                departments[department] = counts
                if any(counts):
                    written.append((*counts, *group, department))
                else:
                    emptied.append((*group, department))
                    del departments[department]
    await db.execute_many(
        f"UPDATE programme_year SET {', '.join(f'{month} = ?' for month in MONTHS)} WHERE year = ? AND programme = ? "
        f"AND theme_level = ? AND company = ? AND department = ?", written)
    await db.execute_many("DELETE FROM programme_year WHERE year = ? AND programme = ? AND theme_level = ? "
                          "AND company = ? AND department = ?", emptied)
    after = {group: _state(*stored[group]) for group in groups if group in stored and stored[group][0]}
    await _move(before, after)


async def retag(pairs: Iterable[tuple[int, int]]) -> None:
    """(programme, company) tags just added or removed: the companies' rows follow."""
    pairs = set(pairs)
    if not pairs:
        return
    themes = await programme_themes()
    stored = await _rows(sorted({company for _, company in pairs}))
    levels = {(programme, False, company) for programme, company in pairs} | \
             {(themes.get(programme, programme), True, company) for programme, company in pairs}
    tagged = await _tags(levels, themes)
    before, after, changed = {}, {}, set()
    for group, (departments, was) in stored.items():
        level = group[1:]
        if level in tagged and tagged[level] != was:
            before[group], after[group] = _state(departments, was), _state(departments, tagged[level])
            changed.add((tagged[level], *level))
    await db.execute_many("UPDATE programme_year SET tagged = ? WHERE programme = ? AND theme_level = ? AND company = ?",
                          sorted(changed))
    await _move(before, after)


async def rebuild() -> None:
    """Count programme_year and reach_tally from scratch (the migration that made them)."""
    await db.execute_many("DELETE FROM reach_tally", [()])
    await db.execute_many("DELETE FROM programme_year", [()])
    year = "CAST(substr(CAST(interaction.date AS TEXT), 1, 4) AS INTEGER)"
    month = "CAST(substr(CAST(interaction.date AS TEXT), 6, 2) AS INTEGER)"
    counts = ", ".join(f"SUM(CASE WHEN {month} = {number} THEN 1 ELSE 0 END)" for number in range(1, 13))
    for key, level in (("interaction_programme.programme", "FALSE"), ("COALESCE(programme.theme, programme.id)", "TRUE")):
        await db.execute_many(
            f"INSERT INTO programme_year (year, programme, theme_level, company, department, tagged, {_COUNTS}) "
            f"SELECT {year}, {key}, {level}, interaction.company, interaction.department, FALSE, {counts} "
            f"FROM interaction_programme JOIN interaction ON interaction.id = interaction_programme.interaction "
            f"JOIN programme ON programme.id = interaction_programme.programme WHERE interaction.deleted_at IS NULL "
            f"GROUP BY {year}, {key}, interaction.company, interaction.department", [()])
    await db.execute_many(
        "UPDATE programme_year SET tagged = TRUE WHERE theme_level = FALSE AND EXISTS (SELECT 1 FROM company_programme "
        "WHERE company_programme.company = programme_year.company "
        "AND company_programme.programme = programme_year.programme)", [()])
    await db.execute_many(
        "UPDATE programme_year SET tagged = TRUE WHERE theme_level = TRUE AND EXISTS (SELECT 1 FROM company_programme "
        "JOIN programme ON programme.id = company_programme.programme "
        "WHERE company_programme.company = programme_year.company "
        "AND COALESCE(programme.theme, programme.id) = programme_year.programme)", [()])
    after = 0
    while rows := await db.fetch_all("SELECT id FROM company WHERE id > ? ORDER BY id LIMIT 5000", [after]):
        after = rows[-1]["id"]
        stored = await _rows([row["id"] for row in rows])
        await _move({}, {group: _state(*state) for group, state in stored.items()})
    await db.fold_rows("reach_tally", TALLY_KEY, "companies")
