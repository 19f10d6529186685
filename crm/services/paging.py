"""One page of a list: every list in the app is paged the same way, without counting the whole table."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query import Select


@dataclass
class Page:
    rows: list[dict]
    page: int
    has_next: bool


async def fetch_page(query: Select, page: int, per_page: int) -> Page:
    """Rows `page` (from 1) of an ordered query; one extra row tells whether a next page exists."""
    page = max(page, 1)
    rows = await query.limit(per_page + 1).offset((page - 1) * per_page)
    return Page(rows=rows[:per_page], page=page, has_next=len(rows) > per_page)
