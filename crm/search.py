"""Company search: the one module that holds full-text SQL, one statement per engine.

The index covers `company.search_text` (names and Business ID, folded: lower case, no
diacritics): SQLite FTS5 (new rows added by index_new_companies, updates and deletes by
triggers), PostgreSQL a generated tsvector with a GIN
index (both made by a migration). A query matches companies having every word as a prefix.
"""

from __future__ import annotations

from crm.db import execute_many, is_sqlite
from crm.domain.names import fold


def words(query: str) -> list[str]:
    return [word for word in fold(query).split() if word][:8]


def match_clause(query: str) -> tuple[str, list[str]] | None:
    """A WHERE fragment (Piccolo WhereRaw, `{}` placeholders) and its parameters, or None for an
    empty query. Words are folded to letters and digits, so nothing in them is FTS syntax."""
    terms = words(query)
    if not terms:
        return None
    if is_sqlite():
        expression = " ".join(f'"{term}"*' for term in terms)
        return "company.id IN (SELECT rowid FROM company_fts WHERE company_fts MATCH {})", [expression]
    expression = " & ".join(f"{term}:*" for term in terms)
    return "company.search_vector @@ to_tsquery('simple', {})", [expression]


async def index_new_companies(first_id: int, last_id: int) -> None:
    """Add newly inserted companies (ids first_id..last_id) to the index in one statement, in the
    transaction that inserted them. PostgreSQL's generated column needs nothing."""
    if is_sqlite():
        await execute_many(
            "INSERT INTO company_fts(rowid, search_text) SELECT id, search_text FROM company "
            "WHERE id BETWEEN ? AND ?", [(first_id, last_id)])
