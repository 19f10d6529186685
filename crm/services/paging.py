"""One page of a list: every list in the app is paged the same way. Counting is asked for by the
lists that show a total (the company and contact lists), and stops at COUNT_LIMIT: past it the list
says "more than 10,000", so a common word in a million companies never counts them all."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query import Select
from piccolo.querystring import QueryString

COUNT_LIMIT = 10_000


@dataclass
class Page:
    rows: list[dict]
    page: int
    has_next: bool
    total: int | None = None  # every row the query matches, when counted and at most COUNT_LIMIT
    more_than: int | None = None  # counted, and more rows match than this

    @property
    def pages(self) -> int | None:
        return None if self.total is None or not self.per_page else max(1, -(-self.total // self.per_page))

    per_page: int = 0


async def fetch_page(query: Select, page: int, per_page: int, *, count: bool | int | Select = False) -> Page:
    """Rows `page` (from 1) of an ordered query; one extra row tells whether a next page exists.
    With `count`, the total of matching rows too (the same WHERE, joins included), or of the rows a
    query given as `count` matches (the same rows, by a WHERE that counts them faster), or the
    total itself when the caller knows it."""
    page = max(page, 1)
    rows = await query.limit(per_page + 1).offset((page - 1) * per_page)
    total = more_than = None
    if count is not False:
        total = count if type(count) is int else await _bounded_count(query if count is True else count)
        if total > COUNT_LIMIT:
            total, more_than = None, COUNT_LIMIT
    return Page(rows=rows[:per_page], page=page, has_next=len(rows) > per_page, total=total, per_page=per_page,
                more_than=more_than)


async def _bounded_count(query: Select) -> int:
    """Rows the query's WHERE matches, counted up to COUNT_LIMIT + 1 (the same WHERE, joins included)."""
    table = query.table
    matching = table.select(table._meta.primary_key).limit(COUNT_LIMIT + 1)
    matching.where_delegate = query.where_delegate
    counted = QueryString("SELECT COUNT(*) AS n FROM ({}) AS matching", matching.querystrings[0])
    rows = await table._meta.db.run_querystring(counted)
    return int(rows[0]["n"])
