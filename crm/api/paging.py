"""Cursors: the token of a list's next page (`items`, `next`)."""

from __future__ import annotations

import re

from crm.api.schemas import CURSOR
from crm.domain.problems import rule_message
from crm.errors import Invalid
from crm.services.paging import Page

PER_PAGE = 50


def page_number(cursor: str | None) -> int:
    """The page a cursor points at (1 without one)."""
    if not cursor:
        return 1
    if not re.fullmatch(CURSOR, cursor):  # the schema says so too; this holds whatever checks the schema
        raise Invalid({"cursor": rule_message("Not a cursor this API handed out")})
    return int(cursor[1:])


def next_cursor(result: Page) -> str | None:
    return f"p{result.page + 1}" if result.has_next else None
