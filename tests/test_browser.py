"""End to end in real headless Chromium (Debian's package) driven by Playwright, against the app
served by uvicorn as `crm serve` serves it. Plus an axe-core accessibility check of the main pages."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from crm.services.companies import create_company
from crm.services.contacts import create_contact
from tests.webutil import PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]



def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(db):
    """`crm serve` in a subprocess on a free port, against the test database."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "crm", "serve", "--port", str(port)],
                               env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(process.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CRM_REQUIRE_BROWSER"):  # .ci/run sets it: CI never skips these
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
async def company_id(db) -> int:
    """An advisor, two companies, a contact: created before the browser starts its own loop."""
    await make_user("advisor@demo.espoo.fi", name="Aino Advisor")
    company_id = await create_company({"name": "Kuplatech Oy", "business_id": "3267501-0", "postal_code": "02150",
                                       "city": "Espoo"})
    await create_company({"name": "Otaniemen Robotiikka Oy"})
    await create_contact({"first_name": "Eero", "last_name": "Esimerkki", "email": "eero@kuplatech.example"},
                         roles=[{"company_id": company_id, "role": "CEO"}])
    return company_id


def _log_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("advisor@demo.espoo.fi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def test_advisor_finds_a_company_logs_a_meeting_and_sees_it(company_id, server, browser):
    follow_up = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    page = browser.new_page(locale="en-GB")
    refused = []  # the CSP must hold with htmx: nothing may be refused
    page.on("console", lambda message: refused.append(message.text) if "Refused" in message.text else None)
    _log_in(page, server)
    page.get_by_role("link", name="Companies").click()
    page.get_by_label("Name or Business ID").fill("kupla")  # part of the name; htmx searches as you type
    page.get_by_role("link", name="Kuplatech Oy").click()
    page.get_by_role("heading", name="Kuplatech Oy").wait_for()
    page.get_by_role("link", name="Log interaction").last.click()
    page.get_by_label("Subject").fill("Growth plans at Kupla")
    page.get_by_label("Notes").fill("Discussed hiring two developers.")
    page.get_by_label("Eero Esimerkki").check()
    page.get_by_label("Follow-up date").fill(follow_up)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Kuplatech Oy").wait_for()
    timeline = page.locator("#timeline")
    assert "Growth plans at Kupla" in timeline.inner_text()
    assert "Eero Esimerkki" in timeline.inner_text()
    page.get_by_role("link", name="Home").click()
    follow_ups = page.locator(".follow-ups")
    assert "Kuplatech Oy" in follow_ups.inner_text()
    follow_ups.get_by_role("button", name="Mark done").click()
    page.get_by_text("Follow-up marked done").wait_for()
    assert refused == []
    page.close()


def test_main_pages_have_no_serious_accessibility_violations(company_id, server, browser):
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    problems = {}
    page.goto(server + "/login")
    problems["/login"] = _axe(page)
    _log_in(page, server)
    for path in ("/", "/companies?q=kupla", f"/companies/{company_id}",
                 f"/companies/{company_id}/interactions/new", "/companies/new", "/interactions/new"):
        page.goto(server + path)
        problems[path] = _axe(page)
    context.close()
    assert problems == {path: [] for path in problems}


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]



@pytest.fixture
async def admin(db) -> None:
    await make_user("admin@demo.espoo.fi", role="admin", name="Anna Admin")
    await create_company({"name": "KONE Oyj", "business_id": "1927400-1", "postal_code": "02150"})


def test_admin_imports_a_finnish_excel_file_in_the_browser(admin, server, browser, tmp_path):
    """Upload a ';'-separated Windows-1252 file with Finnish headers, fix one column's mapping, save the
    profile, run, see the counts, download the error file, revert, see the record as it was."""
    path = tmp_path / "asiakkaat.csv"
    path.write_bytes(("Y-tunnus;Asiakkaan virallinen nimi;Postinumero;Postitoimipaikka\r\n"
                      "0112038-9;Nokia Oyj;2610;Espoo\r\n"
                      "1927400-1;KONE Oyj;02150;Espoo\r\n"
                      "1234567-2;Väärä Oy;02100;Espoo\r\n"
                      ";Äijän Kahvila Ky;02100;Espoo\r\n").encode("cp1252"))
    context = browser.new_context(locale="en-GB", bypass_csp=True)  # for axe on each step
    page = context.new_page()
    accessibility = {}
    page.goto(server + "/login")
    page.get_by_label("E-mail").fill("admin@demo.espoo.fi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    page.get_by_role("link", name="Imports").click()
    page.locator("#f-file").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Column mapping").wait_for()
    assert "cp1252" in page.inner_text("main")
    accessibility["mapping"] = _axe(page)
    page.get_by_label("Asiakkaan virallinen nimi").select_option("name")
    page.get_by_label("Save this mapping as a profile").fill("BIZ asiakasrekisteri")
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("What the import will do").wait_for(timeout=20_000)
    assert "wrong check digit" in page.inner_text("main")
    accessibility["preview"] = _axe(page)
    page.get_by_role("button", name="Run the import").click()
    page.get_by_role("heading", name="Import result").wait_for(timeout=20_000)
    accessibility["result"] = _axe(page)
    counts = page.inner_text(".counts")
    assert "Created\n2" in counts and "Updated\n1" in counts and "Errors\n1" in counts  # KONE gets its city
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rows with errors (CSV)").click()
    error_file = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Business ID '1234567-2': wrong check digit" in error_file
    page.get_by_label("Yes, revert this import").check()
    page.get_by_role("button", name="Revert").click()
    page.get_by_text("reverted", exact=True).wait_for()
    page.get_by_role("link", name="Companies").click()
    page.get_by_label("Name or Business ID").fill("nokia")
    page.get_by_text("No company matches").wait_for()
    page.get_by_label("Name or Business ID").fill("kone")
    page.get_by_role("link", name="KONE Oyj").click()
    assert "Espoo" not in page.inner_text(".details")  # the city the import added is gone again
    context.close()
    assert accessibility == {"mapping": [], "preview": [], "result": []}


def test_admin_pages_have_no_serious_accessibility_violations(admin, server, browser):
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/login")
    page.get_by_label("E-mail").fill("admin@demo.espoo.fi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    problems = {}
    for path in ("/imports", "/admin/users", "/admin/users/new", "/admin/departments", "/admin/audit"):
        page.goto(server + path)
        problems[path] = _axe(page)
    context.close()
    assert problems == {path: [] for path in problems}
