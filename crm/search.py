"""Company and contact search: the one module that holds full-text SQL, one statement per engine.

Companies: the index covers `company.search_text` (names and Business ID, folded: lower case, no
diacritics): SQLite FTS5 (new rows added by index_new_companies, updates and deletes by
triggers), PostgreSQL a generated tsvector with a GIN
index (both made by a migration). A query matches companies having every word as a prefix.

Contacts: the index covers the name (`contact.person_key`), the words of the e-mail and the forms of
the phone number (migration 2026-12-03T17:00, which says which): SQLite FTS5 kept by triggers,
PostgreSQL a generated, weighted tsvector with a GIN index; the database keeps both for every writer.
A query matches people having every word as a prefix of a word of the name, or of the e-mail, or (a
query of digits) the digits as a prefix of a form of the phone.
"""

from __future__ import annotations

import json
import re

from crm.db import execute_many, is_sqlite
from crm.domain.names import fold
from crm.tables import Company


def words(query: str) -> list[str]:
    return [word for word in fold(query).split() if word][:8]


def match_clause(query: str, *, walk: bool = False) -> tuple[str, list[str]] | None:
    """A WHERE fragment (Piccolo WhereRaw, `{}` placeholders) and its parameters, or None for an
    empty query. Words are folded to letters and digits, so nothing in them is FTS syntax.

    The fragment reads the full-text index; with `walk` it is only a test of each row, so the
    database reads the rows in the order's index and keeps the matching ones (a word matching much
    of the record: its first page is a short walk, where sorting its matches would read them all)."""
    terms = words(query)
    if not terms:
        return None
    if is_sqlite():
        expression = " ".join(f'"{term}"*' for term in terms)
        test = "+company.id" if walk else "company.id"  # unary +: SQLite does not drive the query by it
        return f"{test} IN (SELECT rowid FROM company_fts WHERE company_fts MATCH {{}})", [expression]
    expression = " & ".join(f"{term}:*" for term in terms)
    if walk:  # IS TRUE: a test no index serves
        return "(company.search_vector @@ to_tsquery('simple', {})) IS TRUE", [expression]
    return "company.search_vector @@ to_tsquery('simple', {})", [expression]


async def count_matches(query: str, limit: int) -> int:
    """About how many companies match the words, in milliseconds: SQLite counts them (up to
    `limit`) in the full-text index alone; PostgreSQL gives its planner's estimate (counting would
    visit each matching row), which is what it takes to choose how to page them."""
    terms = words(query)
    if not terms:
        return 0
    if is_sqlite():
        rows = await Company.raw("SELECT COUNT(*) AS n FROM (SELECT rowid FROM company_fts WHERE company_fts MATCH {} "
                                 "LIMIT {}) AS matching", " ".join(f'"{term}"*' for term in terms), limit)
        return int(rows[0]["n"])
    rows = await Company.raw("EXPLAIN (FORMAT JSON) SELECT 1 FROM company WHERE search_vector @@ to_tsquery('simple', {})",
                             " & ".join(f"{term}:*" for term in terms))
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


_PHONE_QUERY = re.compile(r"[0-9\s+()-]*")


def phone_digits(query: str) -> str | None:
    """The digits of a query that is a phone number or a part of one (at least four digits, written
    with nothing but digits, spaces and + ( ) -), else None."""
    digits = re.sub(r"[^0-9]", "", query)
    return digits if len(digits) >= 4 and _PHONE_QUERY.fullmatch(query) else None


def contact_match_clause(query: str, *, walk: bool = False) -> tuple[str, list[str]] | None:
    """A WHERE fragment over `contact` (Piccolo WhereRaw, `{}` placeholders) and its parameter, or
    None for an empty query: every word a prefix in the name, or every word a prefix in the e-mail,
    or the digits a prefix of a form of the phone. Words and digits hold only letters and digits.
    `walk` as in match_clause."""
    terms = words(query)
    if not terms:
        return None
    digits = phone_digits(query)
    if is_sqlite():
        phrases = " ".join(f'"{term}"*' for term in terms)
        parts = [f"{{person_key}} : ({phrases})", f"{{email}} : ({phrases})"]
        if digits:
            parts.append(f'{{phone_forms}} : "{digits}"*')
        expression = " OR ".join(f"({part})" for part in parts)
        test = "+contact.id" if walk else "contact.id"
        return f"{test} IN (SELECT rowid FROM contact_fts WHERE contact_fts MATCH {{}})", [expression]
    parts = [" & ".join(f"{term}:*{weight}" for term in terms) for weight in "AB"]  # A the name, B the e-mail
    if digits:
        parts.append(f"{digits}:*C")
    expression = " | ".join(f"({part})" for part in parts)
    if walk:
        return "(contact.search_vector @@ to_tsquery('simple', {})) IS TRUE", [expression]
    return "contact.search_vector @@ to_tsquery('simple', {})", [expression]


async def index_new_companies(first_id: int, last_id: int) -> None:
    """Add newly inserted companies (ids first_id..last_id) to the index in one statement, in the
    transaction that inserted them. PostgreSQL's generated column needs nothing."""
    if is_sqlite():
        await execute_many(
            "INSERT INTO company_fts(rowid, search_text) SELECT id, search_text FROM company "
            "WHERE id BETWEEN ? AND ?", [(first_id, last_id)])
