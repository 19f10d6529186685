"""Who may read what. Pure rules, used by every read path."""

from __future__ import annotations

SEES_ALL_CONFIDENTIAL = ("manager", "admin")


def can_read_confidential(role: str, user_department_id: int | None, interaction_department_id: int) -> bool:
    """A confidential interaction (business secret, JulkL 621/1999 24 § 1 mom. 20 k) is readable by
    the department that logged it, and by managers and admins."""
    return role in SEES_ALL_CONFIDENTIAL or user_department_id == interaction_department_id
