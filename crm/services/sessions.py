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
from crm.tables import User, WebSession

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
    row = await WebSession.select().where(WebSession.key == _key(token)).first()
    if row is None or row["expires_at"] is None or row["expires_at"] < _now():
        return None
    user = await User.select(
        User.id, User.email, User.name, User.role, User.department, User.department.code, User.language,
        User.department.name_fi, User.department.name_sv, User.department.name_en,
    ).where((User.id == row["user_id"]) & (User.active == True)).first()  # noqa: E712
    if user is None:
        return None
    if row["expires_at"] - _now() < LIFETIME / 2:
        await WebSession.update({WebSession.expires_at: _now() + LIFETIME}).where(WebSession.id == row["id"])
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
