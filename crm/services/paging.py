"""One page of a list: every list in the app is paged the same way. Counting is asked for by the
lists that show a total (the company and contact lists); the others never count the whole table."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query import Select


@dataclass
class Page:
    rows: list[dict]
    page: int
    has_next: bool
    total: int | None = None  # every row the query matches, when counted

    @property
    def pages(self) -> int | None:
        return None if self.total is None or not self.per_page else max(1, -(-self.total // self.per_page))

    per_page: int = 0


async def fetch_page(query: Select, page: int, per_page: int, *, count: bool = False) -> Page:
    """Rows `page` (from 1) of an ordered query; one extra row tells whether a next page exists.
    With `count`, the total of matching rows too (the same WHERE, joins included)."""
    page = max(page, 1)
    rows = await query.limit(per_page + 1).offset((page - 1) * per_page)
    total = None
    if count:
        counting = query.table.count()
        counting.where_delegate = query.where_delegate
        total = await counting
    return Page(rows=rows[:per_page], page=page, has_next=len(rows) > per_page, total=total, per_page=per_page)
