"""The user's own profile (issue 12): their UI language wins over the browser's; a password change
needs the current password, stores Argon2id and ends the user's other sessions (not this one)."""

from __future__ import annotations

import pytest

from crm.tables import AuditEvent, User, WebSession
from tests.webutil import PASSWORD, client, login, make_user

pytestmark = pytest.mark.usefixtures("db")

HTML = {"Accept": "text/html"}
NEW = "a-much-longer-pass-1"


async def test_the_users_own_language_wins_over_the_browser():
    user_id = await make_user("aino@espoo.example")
    async with client() as c:  # the browser asks for English
        token = await login(c, "aino@espoo.example")
        page = await c.get("/profile")
        assert page.status_code == 200 and "My profile" in page.text and 'id="api-tokens"' in page.text
        saved = await c.post("/profile/language", data={"language": "sv", "_csrf_token": token},
                             follow_redirects=False)
        assert saved.status_code == 303
        swedish = (await c.get("/profile?done=language")).text
        assert '<html lang="sv">' in swedish and "Min profil" in swedish
        hostile = await c.post("/profile/language", data={"language": "de'><script>", "_csrf_token": token})
        assert hostile.status_code == 422 and "<script>" not in hostile.text
        await c.post("/profile/language", data={"language": "", "_csrf_token": token})  # the browser decides again
        assert '<html lang="en">' in (await c.get("/profile")).text
    assert (await User.select(User.language).where(User.id == user_id).first())["language"] == ""
    events = await AuditEvent.select().where((AuditEvent.entity == "user") & (AuditEvent.action == "update")
                                            ).output(load_json=True)
    assert events[0]["changes"] == {"language": ["en", "sv"]} and events[0]["user"] == user_id


async def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions():
    user_id = await make_user("aino@espoo.example")
    async with client() as other_device:
        await login(other_device, "aino@espoo.example")
        async with client() as c:
            token = await login(c, "aino@espoo.example")
            wrong = await c.post("/profile/password", data={"current_password": "guess", "new_password": NEW,
                                                            "_csrf_token": token})
            assert wrong.status_code == 422 and 'id="e-current_password"' in wrong.text
            short = await c.post("/profile/password", data={"current_password": PASSWORD, "new_password": "short",
                                                            "_csrf_token": token})
            assert short.status_code == 422 and 'id="e-new_password"' in short.text
            assert (await other_device.get("/", headers=HTML, follow_redirects=False)).status_code == 200
            done = await c.post("/profile/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                           "_csrf_token": token}, follow_redirects=False)
            assert done.status_code == 303
            assert (await c.get("/profile?done=password", headers=HTML, follow_redirects=False)).status_code == 200
        gone = await other_device.get("/", headers=HTML, follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert await WebSession.count().where(WebSession.user_id == user_id) == 1  # only the changing one
    stored = (await User.select(User.password_hash).where(User.id == user_id).first())["password_hash"]
    assert stored.startswith("$argon2id$") and NEW not in stored
    async with client() as c:
        await login(c, "aino@espoo.example", NEW)
    [event] = await AuditEvent.select().where(AuditEvent.action == "change_password").output(load_json=True)
    assert event["entity_id"] == user_id and NEW not in str(event) and PASSWORD not in str(event)


async def test_the_profile_needs_a_login():
    async with client() as c:
        response = await c.get("/profile", headers=HTML, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


TOO_MANY = {"en": "Too many wrong passwords. Try again in 15 minutes.",
            "fi": "Liian monta väärää salasanaa. Yritä uudelleen 15 minuutin kuluttua.",
            "sv": "För många felaktiga lösenord. Försök igen om 15 minuter."}


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
async def test_wrong_current_passwords_are_limited_like_logins(language):
    from crm.services.users import create_user

    user_id = await create_user(email="aino@espoo.example", name="Aino", role="advisor", department="BIZ",
                                password=PASSWORD, language=language)
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        for number in range(5):
            wrong = await c.post("/profile/password", data={"current_password": f"guess-{number}",
                                                            "new_password": NEW, "_csrf_token": token})
            assert wrong.status_code == 422 and 'id="e-current_password"' in wrong.text
        refused = await c.post("/profile/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                          "_csrf_token": token})
        assert refused.status_code == 429 and TOO_MANY[language] in refused.text
        assert 'id="e-current_password"' in refused.text and 'aria-invalid="true"' in refused.text
    stored = (await User.select(User.password_hash).where(User.id == user_id).first())["password_hash"]
    from crm.services.users import verify_password

    assert await verify_password(stored, PASSWORD)  # unchanged: the sixth was not checked
    async with client() as c:  # the login form counts apart: its owner still logs in
        await login(c, "aino@espoo.example")


async def test_a_right_current_password_forgives_the_typos_before_it():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        for number in range(4):
            await c.post("/profile/password", data={"current_password": f"typo-{number}", "new_password": NEW,
                                                    "_csrf_token": token})
        short = await c.post("/profile/password", data={"current_password": PASSWORD, "new_password": "short",
                                                        "_csrf_token": token})
        assert short.status_code == 422 and 'id="e-new_password"' in short.text
        for number in range(4):
            again = await c.post("/profile/password", data={"current_password": f"typo-{number}",
                                                            "new_password": NEW, "_csrf_token": token})
            assert again.status_code == 422
        done = await c.post("/profile/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                       "_csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303


async def test_wrong_current_passwords_at_once_are_not_all_checked():
    """Twenty guesses at once (a stolen session, from many addresses): the count and the attempt's
    row are one serialized transaction, so five are checked and the rest refused unchecked."""
    import asyncio

    from crm.errors import Invalid
    from crm.services import users
    from crm.services.attempts import TooManyAttempts
    from crm.tables import LoginAttempt

    user_id = await make_user("aino@espoo.example")
    answers = await asyncio.gather(*(
        users.change_own_password(user_id, f"guess-{number}", NEW, session_token="", address=f"203.0.113.{number}")
        for number in range(20)), return_exceptions=True)
    assert sum(isinstance(answer, Invalid) for answer in answers) == 5
    assert sum(isinstance(answer, TooManyAttempts) for answer in answers) == 15
    assert await LoginAttempt.count().where(LoginAttempt.kind == "password") == 5
    assert await LoginAttempt.count().where(LoginAttempt.kind == "login") == 0
