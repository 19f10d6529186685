"""The study's running totals, kept in the transaction of every write that changes them, so the
reports read a few hundred rows instead of millions (SPEC §7: the reports page under a second with
1M companies and 10M interactions).

- company.study_mask / study_section / study_place: the departments holding a company as a bit
  mask (department id n is bit n-1), and the industry section and place it is counted under.
- company_tally: companies per (mask, section, place) for the record (batch NULL), and per mask of
  each committed import batch's companies (the sources table's "shared").
- interaction_tally: interactions per department and month (programme NULL), and per programme.
- programme_reach: (programme, company, department) pairs: a tagged interaction's department, or
  NULL for a company tagged with the programme; companies per programme count them.

The tallies are delta rows: a write adds +n/-n rows and never updates a shared counter, so writers
on PostgreSQL do not queue behind each other; `compact()` folds them up. A company's own state is
read with a row lock (PostgreSQL) before it is changed. Only committed batches count.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Iterable

from crm import db
from crm.domain.study import bit, study_key
from crm.services import periods, reach as period_reach

PAGE = 5_000
COMPACT_ABOVE = 2_000  # delta rows a tally may hold before a bulk writer folds them up
MAX_DEPARTMENT_ID = 63

MASK_SQL = "SUM(DISTINCT CAST(1 AS BIGINT) << (company_source.department - 1))"
# A running batch holds too: on SQLite its chunks commit one by one (crm/importing/load.py), and a
# company another writer counts again meanwhile must keep the bits they added.
HELD_SQL = ("company_source.department IS NOT NULL AND (company_source.import_batch IS NULL OR "
            "company_source.import_batch IN (SELECT id FROM import_batch WHERE status IN ('committed', 'running')))")
STATE_COLUMNS = "study_mask, study_section, study_place"

State = tuple[int, str, str]  # (mask, section, place)


def state_of(row: dict) -> State:
    return int(row["study_mask"] or 0), row["study_section"], row["study_place"]


async def locked_states(company_ids: list[int]) -> dict[int, dict]:
    """The companies' fields and counted state, locked against other writers until commit (PostgreSQL)."""
    return {row["id"]: row for row in await db.fetch_in(
        "SELECT id, industry_code, industry_classification, municipality_code, business_id, " + STATE_COLUMNS +
        " FROM company WHERE id IN (?) ORDER BY id" + db.for_update(), company_ids)}


async def apply(changes: list[tuple[int, State | None, State | None]], *, write: bool = True,
                except_batch: int | None = None) -> None:
    """Companies whose counted state went from old to new (None: not in the record): the tallies move
    by the difference, and (write) the companies' columns get the new state."""
    changes = [(company_id, old, new) for company_id, old, new in changes if old != new]
    if not changes:
        return
    record: Counter = Counter()
    for _, old, new in changes:
        if old and old[0]:
            record[old] -= 1
        if new and new[0]:
            record[new] += 1
    batches: Counter = Counter()
    moved_mask = {company_id: (old[0] if old else 0, new[0] if new else 0) for company_id, old, new in changes
                  if (old[0] if old else 0) != (new[0] if new else 0)}
    if moved_mask:
        for row in await db.fetch_in(
                "SELECT company_source.import_batch AS batch, company_source.company AS company FROM company_source "
                "JOIN import_batch ON import_batch.id = company_source.import_batch "
                "WHERE company_source.company IN (?) AND import_batch.status = 'committed' "
                "AND company_source.department IS NOT NULL", sorted(moved_mask)):
            if row["batch"] == except_batch:
                continue
            old_mask, new_mask = moved_mask[row["company"]]
            if old_mask:
                batches[row["batch"], old_mask] -= 1
            if new_mask:
                batches[row["batch"], new_mask] += 1
    await db.insert_rows("company_tally", ["batch", "mask", "section", "place", "companies"],
                         [(None, *key, count) for key, count in record.items() if count] +
                         [(batch, mask, "", "", count) for (batch, mask), count in batches.items() if count])
    if write:
        await db.execute_many("UPDATE company SET study_mask = ?, study_section = ?, study_place = ? WHERE id = ?",
                              [(*new, company_id) for company_id, _, new in changes if new])


async def add_holders(pairs: Iterable[tuple[int, int | None]]) -> None:
    """(company, department) holdings just written: each company's mask gains the department's bit.
    One relative update per department, so a writer only waits for a company's row when its
    department did not hold it yet (PostgreSQL: another transaction may be writing that row)."""
    by_department: dict[int, set[int]] = defaultdict(set)
    for company, department in pairs:
        if department:
            by_department[department].add(company)
    moves = []
    for department, ids in sorted(by_department.items()):
        added = bit(department)
        for row in await db.fetch_in(
                f"UPDATE company SET study_mask = study_mask | ? WHERE (study_mask & ?) = 0 AND id IN (?) "
                f"RETURNING id, {STATE_COLUMNS}", sorted(ids), before=(added, added)):
            now = state_of(row)
            moves.append((row["id"], (now[0] & ~added, now[1], now[2]), now))
    await apply(moves, write=False)


async def refresh_keys(company_ids: Iterable[int]) -> None:
    """Companies whose fields the caller has just updated (so holds their rows): the section and
    place they are counted under follow the new values."""
    ids = sorted(set(company_ids))
    for start in range(0, len(ids), PAGE):
        rows = await locked_states(ids[start:start + PAGE])
        await apply([(company_id, state_of(row), (int(row["study_mask"]), *study_key(row)))
                     for company_id, row in rows.items()])
        await periods.follow_keys(rows)


async def refresh_companies(company_ids: Iterable[int]) -> None:
    """Count these companies again from their committed holdings and their fields."""
    ids = sorted(set(company_ids))
    for start in range(0, len(ids), PAGE):
        page = ids[start:start + PAGE]
        rows = await locked_states(page)
        masks = {row["company"]: int(row["mask"]) for row in await db.fetch_in(
            f"SELECT company, {MASK_SQL} AS mask FROM company_source WHERE company IN (?) AND {HELD_SQL} "
            "GROUP BY company", page)}
        await apply([(company_id, state_of(row), (masks.get(company_id, 0), *study_key(row)))
                     for company_id, row in rows.items()])
        await periods.follow_keys(rows)


async def forget_companies(company_ids: Iterable[int]) -> None:
    """Companies about to be deleted (or counted again from nothing): out of every tally, and their
    months out of company_year (call before the delete)."""
    ids = sorted(set(company_ids))
    for start in range(0, len(ids), PAGE):
        rows = await locked_states(ids[start:start + PAGE])
        await apply([(company_id, state_of(row), None) for company_id, row in rows.items()], write=False)
    await periods.forget(ids)


async def count_batch(batch_id: int) -> None:
    """A committed batch's own tally, counted afresh from its companies' masks."""
    await drop_batch(batch_id)
    await db.execute_many(
        "INSERT INTO company_tally (batch, mask, section, place, companies) "
        "SELECT ?, company.study_mask, '', '', COUNT(DISTINCT company.id) FROM company_source "
        "JOIN company ON company.id = company_source.company "
        "WHERE company_source.import_batch = ? AND company_source.department IS NOT NULL "
        "AND company.study_mask <> 0 GROUP BY company.study_mask",
        [(batch_id, batch_id)])
    await periods.count_batch(batch_id)


async def drop_batch(batch_id: int) -> None:
    await db.execute_many("DELETE FROM company_tally WHERE batch = ?", [(batch_id,)])
    await periods.drop_batch(batch_id)


async def count_interactions(rows: Iterable[tuple[int, int, dt.date, Iterable[int]]], sign: int = 1,
                             totals: bool = True) -> None:
    """Interactions added (sign 1) or removed (sign -1), as (company, department, date, programme ids):
    the month and programme tallies, and which companies each programme reached. `totals=False`:
    only programmes added to (or taken from) interactions already counted."""
    rows = [(company, department, day, list(programmes)) for company, department, day, programmes in rows]
    tally: Counter = Counter()
    reach: Counter = Counter()
    for company, department, day, programmes in rows:
        month = day.isoformat()[:7]
        if totals:
            tally[department, month, None] += sign
        for programme in programmes:
            tally[department, month, programme] += sign
            reach[programme, company, department] += sign
    await db.insert_rows("interaction_tally", ["department", "month", "programme", "interactions"],
                         [(*key, count) for key, count in tally.items() if count])
    await _reach(reach)
    await period_reach.count_logged(rows, sign)


async def tag_companies(pairs: Iterable[tuple[int, int]], sign: int = 1) -> None:
    """Companies tagged with (sign 1) or untagged from (sign -1) programmes, as (programme, company)."""
    pairs = list(pairs)
    await _reach(Counter({(programme, company, None): sign for programme, company in pairs}))
    await period_reach.retag(pairs)


async def _reach(reach: Counter) -> None:
    """Move programme_reach by (programme, company, department or None for a tag) increments, and the
    companies each programme reached by the keys that appeared or emptied."""
    reach = Counter({key: count for key, count in reach.items() if count})
    if not reach:
        return
    themes = await period_reach.programme_themes()
    rows: Counter = Counter()  # (programme, theme_level, company, department or None) -> increment
    for (programme, company, department), count in reach.items():
        for key, theme_level in ((programme, False), (themes.get(programme, programme), True)):
            rows[key, theme_level, company, None] += count
            if department is not None:
                rows[key, theme_level, company, department] += count
    tally: Counter = Counter()
    for with_department in (False, True):
        keyed = sorted(((*key, count) for key, count in rows.items() if count and (key[3] is not None) == with_department),
                       key=lambda row: row[:4 if with_department else 3])
        if not with_department:
            keyed = [row[:3] + row[4:] for row in keyed]
        columns = ["programme", "theme_level", "company", *(["department"] if with_department else [])]
        where = "department IS NOT NULL" if with_department else "department IS NULL"
        added = {tuple(row[:-1]): row[-1] for row in keyed}
        for *key, now in await db.add_to_counts("programme_reach", columns, "interactions", keyed, where):
            step = added[tuple(key)]
            department = key[3] if with_department else None
            if now == step and step > 0:  # the company was not reached before
                tally[key[0], key[1], department] += 1
            elif now <= 0 < now - step:  # no longer reached
                tally[key[0], key[1], department] -= 1
    await db.execute_many("DELETE FROM programme_reach WHERE programme = ? AND company = ? AND interactions <= 0",
                          sorted({(programme, company) for (programme, _, company, _), count in rows.items()
                                  if count < 0}))
    await db.insert_rows("programme_tally", ["programme", "theme_level", "department", "companies"],
                         [(*key, count) for key, count in tally.items() if count])


async def compact() -> None:
    """Fold the delta rows of each tally into one row per key (bulk writers call it at their end)."""
    for table, key, measure in (("company_tally", ["batch", "mask", "section", "place"], "companies"),
                                ("period_tally", periods.TALLY_KEY, "companies"),
                                ("reach_tally", period_reach.TALLY_KEY, "companies"),
                                ("interaction_tally", ["department", "month", "programme"], "interactions"),
                                ("programme_tally", ["programme", "theme_level", "department"], "companies")):
        if await db.fetch_value(f"SELECT COUNT(*) FROM {table}") > COMPACT_ABOVE:
            await db.fold_rows(table, key, measure)


async def rebuild() -> None:
    """Count every tally from scratch (the migration that made them; data written around the app)."""
    for table in ("company_tally", "interaction_tally", "programme_reach", "programme_tally"):
        await db.execute_many(f"DELETE FROM {table}", [()])
    await db.execute_many("UPDATE company SET study_mask = 0, study_section = '', study_place = '' "
                          "WHERE study_mask <> 0 OR study_section <> '' OR study_place <> ''", [()])
    after = 0
    while True:
        rows = await db.fetch_all(f"SELECT id FROM company WHERE id > ? ORDER BY id LIMIT {PAGE}", [after])
        if not rows:
            break
        after = rows[-1]["id"]
        await refresh_companies([row["id"] for row in rows])
    await db.execute_many(
        "DELETE FROM company_tally WHERE batch IS NOT NULL", [()])  # counted once each, below
    for row in await db.fetch_all("SELECT id FROM import_batch WHERE status = 'committed' ORDER BY id"):
        await count_batch(row["id"])
    month = "substr(CAST(interaction.date AS TEXT), 1, 7)"
    await db.execute_many(
        f"INSERT INTO interaction_tally (department, month, programme, interactions) "
        f"SELECT department, {month}, NULL, COUNT(*) FROM interaction WHERE deleted_at IS NULL "
        f"GROUP BY department, {month}", [()])
    await db.execute_many(
        f"INSERT INTO interaction_tally (department, month, programme, interactions) "
        f"SELECT interaction.department, {month}, interaction_programme.programme, COUNT(*) "
        f"FROM interaction_programme JOIN interaction ON interaction.id = interaction_programme.interaction "
        f"WHERE interaction.deleted_at IS NULL GROUP BY interaction.department, {month}, interaction_programme.programme", [()])
    highest = await db.fetch_value("SELECT COALESCE(MAX(id), 0) FROM interaction")
    for start in range(0, highest + 1, 100_000):  # a page of interactions at a time: memory stays flat
        await _reach(Counter({(row["programme"], row["company"], row["department"]): int(row["interactions"])
                              for row in await db.fetch_all(
            "SELECT interaction_programme.programme AS programme, interaction.company AS company, "
            "interaction.department AS department, COUNT(*) AS interactions FROM interaction_programme "
            "JOIN interaction ON interaction.id = interaction_programme.interaction "
            "WHERE interaction.id BETWEEN ? AND ? AND interaction.deleted_at IS NULL "
            "GROUP BY interaction_programme.programme, interaction.company, interaction.department",
            [start, start + 99_999])}))
    await _reach(Counter({(row["programme"], row["company"], None): 1
                          for row in await db.fetch_all("SELECT programme, company FROM company_programme")}))
    await compact()
