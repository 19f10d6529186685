"""Hostile and unclear files in real headless Chromium: an admin chooses the encoding of a file
detection cannot settle (seeing how each candidate reads it), and a zip bomb is refused beside the
file field; no CSP refusal, no serious accessibility violation, in English and Finnish."""

from __future__ import annotations

import pytest

from tests.test_browser import _axe, browser, server  # noqa: F401 (fixtures)
from tests.test_trust_hostile import MIXED, zip_bomb
from crm.services.users import create_user
from tests.webutil import PASSWORD


@pytest.fixture
async def admin(db) -> None:
    await create_user(email="admin@demo.espoo.fi", name="Anna Admin", role="admin", department="BIZ",
                      password=PASSWORD, language="")  # the browser's language decides


def _log_in(page, base: str, email_label: str = "E-mail", password_label: str = "Password",
            button: str = "Log in") -> None:
    page.goto(base + "/login")
    page.get_by_label(email_label).fill("admin@demo.espoo.fi")
    page.get_by_label(password_label).fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(base + "/")


def test_admin_chooses_an_unclear_encoding_and_a_zip_bomb_is_refused(admin, server, browser, tmp_path):
    mixed = tmp_path / "sekalainen.csv"
    mixed.write_bytes(MIXED)
    bomb = tmp_path / "pommi.xlsx"
    zip_bomb(bomb)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Refused" in message.text else None)
    _log_in(page, server)
    page.goto(server + "/imports")
    page.locator("#f-file").set_input_files(str(bomb))
    page.get_by_role("button", name="Upload").click()
    page.locator("#e-file").wait_for()
    assert "zip bomb" in page.inner_text("#e-file")
    page.locator("#f-file").set_input_files(str(mixed))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Choose the file's encoding").wait_for()
    assert "Ok ä Oy" in page.inner_text("main") and "Ok д Oy" in page.inner_text("main")
    page.get_by_role("button", name="Use this encoding").click()  # nothing chosen: the browser asks
    assert page.get_by_role("heading", name="Choose the file's encoding").is_visible()
    page.get_by_label("Encoding").select_option(label="UTF-8 (other bytes as Windows-1252)")
    page.get_by_role("button", name="Use this encoding").click()
    page.get_by_role("heading", name="Column mapping").wait_for()
    main = page.inner_text("main")
    assert "Ok ä Oy" in main and "Pöllö Oy" in main
    assert refused == []
    context.close()

    context = browser.new_context(locale="fi-FI", bypass_csp=True)  # for axe
    page = context.new_page()
    _log_in(page, server, "Sähköposti", "Salasana", "Kirjaudu sisään")
    page.goto(server + "/imports")
    page.locator("#f-file").set_input_files(str(mixed))
    page.get_by_role("button", name="Lähetä").click()
    page.get_by_role("heading", name="Valitse tiedoston merkistö").wait_for()
    problems = _axe(page)
    context.close()
    assert problems == []
