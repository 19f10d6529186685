"""Holdings (company_source): which department holds which company, and through what (SPEC §9).

Written in the transaction of the change that makes them: an import batch's rows (bulk, one row
per company and department in the batch), an interaction (one row per company and department,
counting its interactions with first and last date), a company created by hand. A revert removes
its batch's rows; removing interactions recounts the pairs they belonged to.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

from crm import db

COLUMNS = ["company", "department", "via", "import_batch", "interactions", "first_date", "last_date"]

# One statement on both engines: a pair already held gets the new interactions added.
_COUNT_INTERACTIONS = (
    "INSERT INTO company_source (company, department, via, import_batch, interactions, first_date, last_date) "
    "VALUES (?, ?, 'interaction', NULL, ?, ?, ?) "
    "ON CONFLICT (company, department, via) WHERE import_batch IS NULL DO UPDATE SET "
    "interactions = company_source.interactions + excluded.interactions, "
    "first_date = CASE WHEN excluded.first_date < company_source.first_date "
    "THEN excluded.first_date ELSE company_source.first_date END, "
    "last_date = CASE WHEN excluded.last_date > company_source.last_date "
    "THEN excluded.last_date ELSE company_source.last_date END"
)
_CREATED = (
    "INSERT INTO company_source (company, department, via, import_batch, interactions, first_date, last_date) "
    "VALUES (?, ?, 'created', NULL, 0, ?, ?) "
    "ON CONFLICT (company, department, via) WHERE import_batch IS NULL DO NOTHING"
)


async def add_batch_holdings(batch_id: int, pairs: Iterable[tuple[int, int]], day: dt.date) -> None:
    """(company, department) pairs a batch's rows touched; the caller passes each pair once per batch."""
    await db.insert_rows("company_source", COLUMNS,
                         [(company, department, "import", batch_id, 0, day, day) for company, department in pairs])


async def count_interactions(interactions: Iterable[tuple[int, int, dt.date]]) -> None:
    """New interactions, as (company, department, date): each pair's count and dates grow."""
    pairs: dict[tuple[int, int], list] = defaultdict(lambda: [0, None, None])
    for company, department, day in interactions:
        tally = pairs[company, department]
        tally[0] += 1
        tally[1] = day if tally[1] is None or day < tally[1] else tally[1]
        tally[2] = day if tally[2] is None or day > tally[2] else tally[2]
    await db.execute_many(_COUNT_INTERACTIONS, [(company, department, count, first, last)
                                                for (company, department), (count, first, last) in pairs.items()])


async def recount_interactions(pairs: Iterable[tuple[int, int]]) -> None:
    """Count the pairs' interactions again from the interaction table (after some were removed or
    moved); a pair with none left is no longer held through interactions."""
    pairs = sorted(set(pairs))
    if not pairs:
        return
    await db.execute_many(
        "DELETE FROM company_source WHERE company = ? AND department = ? AND via = 'interaction' "
        "AND import_batch IS NULL", pairs)
    await db.execute_many(
        "INSERT INTO company_source (company, department, via, import_batch, interactions, first_date, last_date) "
        "SELECT company, department, 'interaction', NULL, COUNT(*), MIN(date), MAX(date) FROM interaction "
        "WHERE company = ? AND department = ? AND deleted_at IS NULL GROUP BY company, department", pairs)


async def add_created(company_id: int, department_id: int, day: dt.date) -> None:
    """A company a user of the department created by hand."""
    await db.execute_many(_CREATED, [(company_id, department_id, day, day)])


async def remove_batch_holdings(batch_id: int) -> None:
    await db.execute_many("DELETE FROM company_source WHERE import_batch = ?", [(batch_id,)])
