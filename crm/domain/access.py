"""Who may read what. Pure rules, used by every read path."""

from __future__ import annotations

SEES_ALL_CONFIDENTIAL = ("manager", "admin")


def can_close_follow_up(role: str, user_id: int, user_department_id: int | None, advisor_id: int | None,
                        interaction_department_id: int) -> bool:
    """A follow-up is closed by its advisor, by the department that logged it, or by a manager or admin."""
    return advisor_id == user_id or user_department_id == interaction_department_id or role in SEES_ALL_CONFIDENTIAL


def can_read_confidential(role: str, user_department_id: int | None, interaction_department_id: int) -> bool:
    """A confidential interaction (business secret, JulkL 621/1999 24 § 1 mom. 20 k) is readable by
    the department that logged it, and by managers and admins."""
    return role in SEES_ALL_CONFIDENTIAL or user_department_id == interaction_department_id


def can_change_interaction(role: str, user_id: int, user_department_id: int | None, author_id: int | None,
                           interaction_department_id: int) -> bool:
    """An interaction is corrected or deleted by its author, by the advisors of the department that
    logged it, and by managers and admins; another department's users never (not even to see that
    a confidential one exists beyond its date)."""
    return (role in SEES_ALL_CONFIDENTIAL or author_id == user_id
            or (user_department_id is not None and user_department_id == interaction_department_id))
