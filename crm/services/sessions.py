"""Server-side sessions in the database: revocable, and shared by every app process.

The browser holds a random token; the table holds only its SHA-256, so a leaked database
backup does not hand out live sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from crm import db
from crm.tables import WebSession

LIFETIME = dt.timedelta(hours=10)  # a working day; renewed while in use


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    role: str
    department_id: int
    department_code: str
    language: str
    # The department's names (name_fi, name_sv, name_en, code) for pages: `user.department_names|local_name`.
    department_names: dict = field(default_factory=dict, compare=False)

    @property
    def display_name(self) -> str:
        return self.name or self.email


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def start_session(user_id: int) -> str:
    token = secrets.token_urlsafe(32)
    async with db.write_transaction():
        await WebSession.insert(
            WebSession(key=_key(token), data=b"", expires_at=_now() + LIFETIME, user_id=user_id)
        )
    return token


async def user_for_token(token: str) -> CurrentUser | None:
    """The active user a live session belongs to; renews the session when half of it is used."""
    if not token or len(token) > 200:
        return None
    rows = await WebSession.raw(  # one statement: every request asks it
        "SELECT web_session.id AS session, web_session.expires_at AS expires_at, crm_user.id AS id, "
        "crm_user.email AS email, crm_user.name AS name, crm_user.role AS role, crm_user.department AS department, "
        "crm_user.language AS language, department.code AS \"department.code\", "
        "department.name_fi AS \"department.name_fi\", department.name_sv AS \"department.name_sv\", "
        "department.name_en AS \"department.name_en\" FROM web_session "
        "JOIN crm_user ON crm_user.id = web_session.user_id AND crm_user.active = {} "
        "LEFT JOIN department ON department.id = crm_user.department WHERE web_session.key = {}", True, _key(token))
    user = rows[0] if rows else None
    if user is None or user["expires_at"] is None or user["expires_at"] < _now():
        return None
    if user["expires_at"] - _now() < LIFETIME / 2:
        await WebSession.update({WebSession.expires_at: _now() + LIFETIME}).where(WebSession.id == user["session"])
    return CurrentUser(
        id=user["id"], email=user["email"], name=user["name"], role=user["role"],
        department_id=user["department"], department_code=user["department.code"], language=user["language"],
        department_names={name: user[f"department.{name}"] for name in ("code", "name_fi", "name_sv", "name_en")},
    )


async def end_session(token: str) -> None:
    await WebSession.delete().where(WebSession.key == _key(token))


async def end_user_sessions(user_id: int) -> None:
    await WebSession.delete().where(WebSession.user_id == user_id)


async def purge_expired() -> None:
    """Delete expired sessions; writes only when there are some (a start need not wait for the write lock)."""
    if await WebSession.exists().where(WebSession.expires_at < _now()):
        await WebSession.delete().where(WebSession.expires_at < _now())


async def end_other_sessions(user_id: int, token: str) -> None:
    """Every session of the user but this one (a password changed on another device ends them)."""
    await WebSession.delete().where((WebSession.user_id == user_id) & (WebSession.key != _key(token)))
