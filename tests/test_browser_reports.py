"""/reports in real headless Chromium: a manager reads the study's answers, in English and Finnish,
with no CSP refusal and no serious accessibility violation."""

from __future__ import annotations

import pytest

from crm.importing.load import import_file
from tests.test_browser import _axe, browser, server  # noqa: F401 (fixtures)
from tests.test_import_support import write
from tests.test_study import BIZ_FILE, TALENT_FILE, TYO_FILE
from crm.services.users import create_user
from tests.webutil import PASSWORD


@pytest.fixture
async def study_data(db, tmp_path) -> None:
    await create_user(email="manager@demo.espoo.fi", name="Maija Manager", role="manager", department="BIZ",
                      password=PASSWORD, language="")  # the browser's language decides
    for name, text, department in (("biz.csv", BIZ_FILE, "BIZ"), ("tyo.csv", TYO_FILE, "TYO"),
                                   ("talent.csv", TALENT_FILE, "TALENT")):
        await import_file("companies", write(tmp_path, name, text), department=department)


def test_a_manager_reads_the_study_with_charts_and_tables(study_data, server, browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Refused" in message.text else None)
    page.goto(server + "/login")
    page.get_by_label("E-mail").fill("manager@demo.espoo.fi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    assert "Held by two departments" in page.inner_text("main")  # the headline on the front page
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("heading", name="Overlap between departments").wait_for()
    overlap = page.locator("#overlap-table")
    business_espoo = overlap.get_by_role("row", name="Business Espoo")
    assert business_espoo.locator("td").nth(0).inner_text().strip() == "5"  # BIZ holds 5
    assert page.get_by_role("img", name="Companies by the number of departments holding them").is_visible()
    page.get_by_label("Department", exact=True).select_option("TYO")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="Companies Employment Espoo holds").wait_for()
    assert refused == []
    context.close()

    context = browser.new_context(locale="fi-FI", bypass_csp=True)  # for axe
    page = context.new_page()
    page.goto(server + "/login")
    page.get_by_label("Sähköposti").fill("manager@demo.espoo.fi")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(server + "/")
    page.goto(server + "/reports")
    page.get_by_role("heading", name="Yksiköiden yhteiset asiakkaat").wait_for()
    problems = _axe(page)
    context.close()
    assert problems == []
