"""/duplicates in real headless Chromium: a manager finds a company's duplicate from its page,
compares the two side by side, picks a value, merges, undoes the merge, in Finnish; no serious
accessibility violation on the list or the comparison."""

from __future__ import annotations

import pytest

from crm.importing.load import import_file
from crm.services.users import create_user
from crm.tables import Company
from tests.test_browser import _axe, browser, server  # noqa: F401 (fixtures)
from tests.test_duplicates import BIZ, TYO
from tests.test_import_support import write
from tests.webutil import PASSWORD


@pytest.fixture
async def look_alikes(db, tmp_path) -> dict:
    from crm.services.programmes import upsert_programme

    await create_user(email="manager@demo.espoo.fi", name="Maija Manager", role="manager", department="BIZ",
                      password=PASSWORD, language="")
    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    await upsert_programme({"code": "SOFT", "name_fi": "Soft Landing"})
    for name, text, department in (("biz.csv", BIZ, "BIZ"), ("tyo.csv", TYO, "TYO")):
        await import_file("companies", write(tmp_path, name, text), department=department)
    return {row["name"]: row["id"] for row in await Company.select(Company.id, Company.name)}


def test_a_manager_merges_two_records_and_undoes_it(look_alikes, server, browser):
    context = browser.new_context(locale="fi-FI", bypass_csp=True)  # bypass for axe
    page = context.new_page()
    page.goto(server + "/login")
    page.get_by_label("Sähköposti").fill("manager@demo.espoo.fi")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(server + "/")
    page.goto(server + f"/companies/{look_alikes['Pöllösoft Oy']}")
    page.get_by_role("link", name="Etsi kaksoiskappaleet").click()
    page.get_by_role("heading", name=f"Yrityksen #{look_alikes['Pöllösoft Oy']} mahdolliset kaksoiskappaleet").wait_for()
    assert "sama verkkosivujen verkkotunnus" in page.inner_text("main")
    problems = _axe(page)
    page.get_by_role("link", name="Vertaa").first.click()
    page.get_by_role("heading", name="Vertaa kahta tietuetta").wait_for()
    problems += _axe(page)
    page.get_by_label("02105 (Postinumero").check()
    page.get_by_role("button", name="Yhdistä", exact=True).click()
    page.get_by_role("status").wait_for()
    assert "Yhdistetty" in page.get_by_role("status").inner_text()
    problems += _axe(page)
    page.get_by_role("button", name="Peru").first.click()
    page.get_by_role("status").wait_for()
    assert "peruttu" in page.get_by_role("status").inner_text()
    context.close()
    assert problems == []
