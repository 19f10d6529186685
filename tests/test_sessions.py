"""A session is the browser's key to the app: it lasts a working day, is renewed while in use, and
opens nothing once it has expired or its user has been deactivated."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.services import sessions
from crm.tables import User, WebSession
from tests.webutil import make_user

pytestmark = pytest.mark.usefixtures("db")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def _expires(token: str, at: dt.datetime) -> None:
    await WebSession.update({WebSession.expires_at: at}).where(WebSession.key == sessions._key(token))


async def test_a_live_session_names_its_user_and_department():
    user_id = await make_user("liisa@espoo.example", role="manager", department="TYO", name="Liisa")
    token = await sessions.start_session(user_id)
    user = await sessions.user_for_token(token)
    assert (user.id, user.email, user.name, user.role, user.department_code, user.language) == \
        (user_id, "liisa@espoo.example", "Liisa", "manager", "TYO", "en")
    assert user.department_names["code"] == "TYO" and user.department_names["name_fi"]
    assert await sessions.user_for_token(token + "x") is None
    assert await sessions.user_for_token("") is None


async def test_an_expired_session_opens_nothing_and_one_in_use_is_renewed():
    token = await sessions.start_session(await make_user("aino@espoo.example"))
    await _expires(token, _now() - dt.timedelta(seconds=1))
    assert await sessions.user_for_token(token) is None
    await _expires(token, _now() + dt.timedelta(hours=1))  # less than half of its day left
    assert (await sessions.user_for_token(token)).email == "aino@espoo.example"
    renewed = (await WebSession.select(WebSession.expires_at).first())["expires_at"]
    assert renewed > _now() + sessions.LIFETIME - dt.timedelta(minutes=5)


async def test_a_deactivated_users_session_opens_nothing():
    user_id = await make_user("eero@espoo.example")
    token = await sessions.start_session(user_id)
    await User.update({User.active: False}).where(User.id == user_id)
    assert await sessions.user_for_token(token) is None
