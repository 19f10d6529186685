"""Reference look-ups shared by the services: codes and e-mails to ids, with clear errors."""

from __future__ import annotations

import re
from typing import Any

from crm.domain.problems import Problem
from crm.errors import NotFound
from crm.tables import Department, Programme, User


async def existing(query: Any, what: str, record_id: int) -> dict:
    """The row a select by id finds, or NotFound ('Company #12 does not exist')."""
    row = await query.first()
    if row is None:
        raise NotFound(f"{what} #{record_id} does not exist")
    return row


def split_codes(raw: Any) -> list[str]:
    """Programme codes from a list or from text separated by ',', ';' or new lines."""
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, (list, tuple)) else re.split(r"[,;\n]", str(raw or ""))
    return [str(item).strip() for item in items if str(item).strip()]


async def programme_ids_by_code(raw: Any) -> list[int]:
    codes = split_codes(raw)
    if not codes:
        return []
    rows = await Programme.select(Programme.id, Programme.code).where(
        Programme.code.is_in([code.upper() for code in codes])
    )
    found = {row["code"]: row["id"] for row in rows}
    unknown = [code for code in codes if code.upper() not in found]
    if unknown:
        raise Problem("Unknown programme: %(value)s", value=", ".join(unknown))
    return sorted({found[code.upper()] for code in codes})


async def advisor_id_by_email(email: str) -> int:
    row = await User.select(User.id).where(User.email == email.lower()).first()
    if row is None:
        raise Problem("No user has the e-mail address %(value)s", value=email)
    return row["id"]


async def department_id_by_code(code: str) -> int:
    row = await Department.select(Department.id).where(Department.code == code.strip().upper()).first()
    if row is None:
        raise Problem("Unknown department '%(value)s'", value=code)
    return row["id"]


async def department_of(user_id: int | None) -> int | None:
    """The department of a user (None for the command line, which acts as no user)."""
    if user_id is None:
        return None
    row = await User.select(User.department).where(User.id == user_id).first()
    return row["department"] if row else None
