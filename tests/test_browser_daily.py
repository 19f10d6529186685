"""Daily work in real headless Chromium (issue 12): correcting and deleting an entry, finding a
contact as you type; axe-core on the pages these touch. With CRM_SCREENSHOTS=dir, the pages are
also photographed in Finnish and Swedish at desktop and phone width."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_browser import _axe, browser, server  # noqa: F401 (fixtures)

from crm.services.companies import create_company
from crm.services.contacts import create_contact
from crm.services.interactions import create_interaction
from crm.services.lookups import department_id_by_code
from crm.services.users import create_user
from crm.tables import CompanyContact
from tests.webutil import PASSWORD, make_user


@pytest.fixture
async def entry(db) -> dict:
    advisor = await make_user("advisor@demo.espoo.fi", name="Aino Advisor")
    for language in ("fi", "sv"):
        await create_user(email=f"{language}@demo.espoo.fi", name=f"Advisor {language}", role="advisor",
                          department="BIZ", password=PASSWORD, language=language)
    company_id = await create_company({"name": "Kuplatech Oy", "business_id": "3267501-0", "postal_code": "02150",
                                       "city": "Espoo"})
    contact = await create_contact({"first_name": "Eero", "last_name": "Esimerkki", "email": "eero@kuplatech.example",
                                    "phone": "040 123 4567"}, roles=[{"company_id": company_id, "role": "CEO"}])
    interaction_id = await create_interaction(
        {"date": "2026-03-02", "kind": "meeting", "subject": "Growth plans", "notes": "Two hires"},
        company_id=company_id, department_id=await department_id_by_code("BIZ"), advisor_id=advisor,
        contact_ids=[contact], actor_id=advisor)
    role = await CompanyContact.select(CompanyContact.id).where(CompanyContact.contact == contact).first()
    return {"company": company_id, "interaction": interaction_id, "contact": contact, "role": role["id"]}


def _log_in(page, base: str, email: str = "advisor@demo.espoo.fi") -> None:
    page.goto(base + "/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base + "/")


def test_an_advisor_corrects_an_entry_then_deletes_it(entry, server, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    problems = {}
    _log_in(page, server)
    page.goto(f"{server}/companies/{entry['company']}")
    page.get_by_role("link", name="Correct or delete the interaction of").click()
    page.get_by_role("heading", name="Correct interaction").wait_for()
    problems["edit"] = _axe(page)
    page.get_by_label("Subject").fill("Growth plans, corrected")
    page.get_by_label("Follow-up date").fill("2026-03-01")  # before the meeting
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The follow-up date is before the interaction's date").wait_for()
    problems["edit 422"] = _axe(page)
    page.get_by_label("Follow-up date").fill("2026-03-20")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The interaction is saved.").wait_for()
    timeline = page.locator("#timeline").inner_text()
    assert "Growth plans, corrected" in timeline and "Eero Esimerkki" in timeline
    problems["company"] = _axe(page)
    page.get_by_role("link", name="Correct or delete the interaction of").click()
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("heading", name="Delete interaction").wait_for()
    problems["delete"] = _axe(page)
    page.get_by_role("button", name="Delete the interaction").click()
    page.get_by_text("The interaction is deleted.").wait_for()
    assert "Growth plans" not in page.locator("main").inner_text()
    context.close()
    assert problems == {name: [] for name in problems}


def test_an_advisor_finds_a_contact_as_they_type(entry, server, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    _log_in(page, server)
    page.get_by_role("link", name="Contacts").click()
    page.get_by_role("heading", name="Contacts").wait_for()
    problems = {"contacts": _axe(page)}
    page.get_by_label("Name, e-mail or phone").press_sequentially("esim")
    page.wait_for_url("**/contacts?q=esim")
    results = page.locator("#results")
    assert "Eero Esimerkki" in results.inner_text() and "Kuplatech Oy" in results.inner_text()
    page.get_by_label("Name, e-mail or phone").fill("nobody-like-this")
    page.get_by_text("No contact matches").wait_for()
    page.get_by_label("Name, e-mail or phone").fill("040 123")
    page.get_by_role("link", name="Eero Esimerkki").click()
    page.get_by_role("heading", name="Eero Esimerkki").wait_for()
    page.goto(server + "/companies?q=esimerkki")
    page.get_by_text("Companies of people matching").wait_for()
    problems["company search via people"] = _axe(page)
    context.close()
    assert problems == {name: [] for name in problems}


def test_a_user_switches_their_language_on_the_profile(entry, server, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    _log_in(page, server)
    page.get_by_role("link", name="Aino Advisor").click()
    page.get_by_role("heading", name="My profile").wait_for()
    problems = {"profile": _axe(page)}
    page.locator("#f-language").select_option("fi")
    page.get_by_role("button", name="Save language").click()
    page.get_by_role("heading", name="Omat tiedot").wait_for()  # Finnish, though the browser asks for English
    page.get_by_text("Kielesi on tallennettu.").wait_for()
    problems["profile fi"] = _axe(page)
    page.goto(f"{server}/contacts/{entry['contact']}")
    problems["contact fi"] = _axe(page)  # the role's end link: its accessible name holds its visible text
    page.get_by_role("link", name="Päättynyt… (rooli yrityksessä Kuplatech Oy)").click()
    page.get_by_role("heading", name="Päätä rooli").wait_for()
    problems["end role"] = _axe(page)
    context.close()
    assert problems == {name: [] for name in problems}


def test_the_company_combobox_works_from_the_keyboard_alone(entry, server, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    _log_in(page, server)
    page.goto(server + "/interactions/new")
    box = page.get_by_role("combobox", name="Which company?")
    box.press_sequentially("oy")
    page.locator('[role="option"]').first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    problems = {"combobox": _axe(page)}
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("ArrowUp")  # wraps to the last option, then back
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == active
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and page.locator('[role="option"]').count() == 0
    box.press_sequentially("k")  # "oyk": no company
    box.fill("kupla")
    page.get_by_role("option", name="Kuplatech Oy").wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(f"**/companies/{entry['company']}/interactions/new")
    context.close()
    assert problems == {name: [] for name in problems}


def test_the_menu_folds_into_a_button_at_phone_width(entry, server, browser):  # noqa: F811
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    _log_in(page, server)
    button = page.get_by_role("button", name="Menu")
    assert button.is_visible() and not page.get_by_role("link", name="Contacts").is_visible()
    assert page.locator("header").bounding_box()["height"] < 80  # one row, not three
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="Contacts").click()
    page.get_by_role("heading", name="Contacts").wait_for()
    desktop = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    wide = desktop.new_page()
    _log_in(wide, server)
    assert not wide.get_by_role("button", name="Menu").is_visible()
    assert wide.get_by_role("link", name="Contacts").is_visible()
    desktop.close()
    context.close()


def test_the_search_filters_fold_away_at_phone_width_unless_one_is_set(entry, server, browser):  # noqa: F811
    problems = {}
    phone = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = phone.new_page()
    _log_in(page, server)
    page.goto(server + "/companies")
    summary = page.locator(".more-filters > summary")
    assert summary.is_visible() and summary.inner_text().strip() == "Filters"
    assert page.get_by_label("Name or Business ID").is_visible()
    assert not page.get_by_label("Served by").is_visible()
    # the first screen shows the search box and results, not a page of selects
    assert page.locator("#results").bounding_box()["y"] < 400
    problems["phone, closed"] = _axe(page)
    summary.click()
    assert page.get_by_label("Served by").is_visible()
    page.get_by_label("Postal code").fill("02150")
    page.get_by_label("Postal code").press("Enter")  # the form submits; the filter set keeps them open
    page.wait_for_url("**/companies?*postal_code=02150*")
    page.goto(server + "/companies?postal_code=02150")
    assert page.get_by_label("Served by").is_visible() and "(1)" in summary.inner_text()
    problems["phone, a filter set"] = _axe(page)
    phone.close()
    desktop = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800}, bypass_csp=True)
    wide = desktop.new_page()
    _log_in(wide, server)
    wide.goto(server + "/companies")
    assert wide.get_by_label("Served by").is_visible() and wide.get_by_label("Hide ceased companies").is_visible()
    assert not wide.locator(".more-filters > summary").is_visible()
    problems["desktop"] = _axe(wide)
    desktop.close()
    assert problems == {name: [] for name in problems}


@pytest.fixture
async def more_rows(entry) -> dict:
    for name, postal_code in (("Öljy Oy", "02100"), ("Äijän Kahvila Ky", "00100"), ("Alfa Oy", "02200")):
        await create_company({"name": name, "postal_code": postal_code, "city": "Espoo"})
    for last, first in (("Öhman", "Olli"), ("Zyskowicz", "Ben"), ("Äijä", "Aino"), ("Åberg", "Lars")):
        await create_contact({"first_name": first, "last_name": last})
    return entry


def test_the_lists_sort_by_their_column_headers(more_rows, server, browser):  # noqa: F811
    problems = {}
    for width in (1280, 390):
        context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 844}, bypass_csp=True)
        page = context.new_page()
        _log_in(page, server)
        page.goto(server + "/companies")
        names = page.locator("#results tbody td:first-child a")
        assert names.all_inner_texts() == ["Alfa Oy", "Kuplatech Oy", "Äijän Kahvila Ky", "Öljy Oy"]
        page.get_by_role("link", name="Company (sort in descending order)").click()
        page.wait_for_url("**/companies?sort=-name")
        assert names.all_inner_texts() == ["Öljy Oy", "Äijän Kahvila Ky", "Kuplatech Oy", "Alfa Oy"]
        assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
        page.get_by_role("link", name="Address (sort in ascending order)").click()
        page.wait_for_url("**/companies?sort=postal_code")
        assert names.all_inner_texts() == ["Äijän Kahvila Ky", "Öljy Oy", "Kuplatech Oy", "Alfa Oy"]
        page.get_by_label("Name or Business ID").press_sequentially("oy")  # the order stays as you type
        page.wait_for_url("**/companies?*q=oy*")
        assert "sort=postal_code" in page.url
        page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 3")
        assert names.all_inner_texts() == ["Öljy Oy", "Kuplatech Oy", "Alfa Oy"]
        problems[f"companies sorted {width}"] = _axe(page)
        page.goto(server + "/contacts")
        people = page.locator("#results tbody td:first-child a")
        assert [" ".join(name.split()) for name in people.all_inner_texts()][-4:] == [
            "Ben Zyskowicz", "Lars Åberg", "Aino Äijä", "Olli Öhman"]
        page.get_by_role("link", name="Name (sort in descending order)").click()
        page.wait_for_url("**/contacts?sort=-name")
        assert " ".join(people.first.inner_text().split()) == "Olli Öhman"
        problems[f"contacts sorted {width}"] = _axe(page)
        context.close()
    assert problems == {name: [] for name in problems}


@pytest.mark.skipif(not os.environ.get("CRM_SCREENSHOTS"), reason="CRM_SCREENSHOTS=dir takes the screenshots")
def test_screenshots_in_finnish_and_swedish(entry, server, browser):  # noqa: F811
    folder = Path(os.environ["CRM_SCREENSHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    pages = {"company": f"/companies/{entry['company']}?saved={entry['interaction']}",
             "edit": f"/interactions/{entry['interaction']}/edit",
             "delete": f"/interactions/{entry['interaction']}/delete",
             "contacts": "/contacts?q=ee", "search-people": "/companies?q=esimerkki", "profile": "/profile",
             "end-role": f"/contacts/{entry['contact']}/roles/{entry['role']}/end", "home": "/"}
    for language in ("fi", "sv"):
        for width, height, name in ((1280, 900, "desktop"), (390, 844, "phone")):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            _log_in(page, server, f"{language}@demo.espoo.fi")
            for label, path in pages.items():
                page.goto(server + path)
                page.screenshot(path=str(folder / f"{label}-{language}-{name}.png"), full_page=True)
            page.goto(server + f"/interactions/{entry['interaction']}/edit")
            page.locator("#f-subject").fill("")
            page.locator("#f-notes").fill("")
            page.locator("#f-follow_up_date").fill("2026-01-01")
            page.locator("form.form-grid button[type=submit]").click()
            page.locator(".error").first.wait_for()
            page.screenshot(path=str(folder / f"edit-422-{language}-{name}.png"), full_page=True)
            context.close()
