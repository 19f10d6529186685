"""The company page's register section (what the register says, as of which date, in the reader's
language) and the ceased badge; search can leave ceased companies out."""

from __future__ import annotations

import datetime as dt

import pytest
from test_import_support import write
from test_register_load import SAMPLE_PAGE, bulk_zip, espoo_record

from crm.importing.load import import_file
from crm.register.load import load_register
from crm.tables import Company
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")


async def _loaded(tmp_path) -> dict[str, int]:
    await import_file("companies", write(tmp_path, "biz.csv", "Y-tunnus;Yritys\n0104676-4;Leros\n0490001-4;Kupla\n"),
                      department="BIZ")
    await load_register(SAMPLE_PAGE, file_date=dt.date(2026, 3, 2))
    hostile = espoo_record("0490001-4", "<script>alert('x')</script> Oy",
                           companySituations=[{"type": "KONK", "registrationDate": "2025-09-01"}])
    await load_register(bulk_zip(tmp_path, [hostile], day=dt.date(2026, 3, 3)))
    return {row["business_id"]: row["id"] for row in await Company.select(Company.id, Company.business_id)}


async def test_the_company_page_shows_what_the_register_says_and_a_ceased_badge(tmp_path):
    ids = await _loaded(tmp_path)
    await make_user("advisor@espoo.example")
    async with client() as http:
        await login(http, "advisor@espoo.example")
        html = (await http.get(f"/companies/{ids['0104676-4']}")).text
        assert "In the trade register" in html and "As of 2 Mar 2026." in html and "CC BY 4.0" in html
        assert "Agents involved in the sale of textiles" in html  # the line of business in English
        assert "Visiting address" in html and "Tuomiokirkonkatu 12 A 2" in html and "7 Feb 1964" in html
        assert "Ma-Ru" in html
        html = (await http.get(f"/companies/{ids['0490001-4']}")).text
        assert '<span class="badge ceased">Ceased</span>' in html and "Bankruptcy" in html
        assert "<script>alert" not in html and "&lt;script&gt;" in html
    async with client() as http:
        await make_user("neuvoja@espoo.example")
        from crm.tables import User

        await User.update({User.language: "fi"}).where(User.email == "neuvoja@espoo.example")
        await login(http, "neuvoja@espoo.example")
        html = (await http.get(f"/companies/{ids['0104676-4']}")).text
        assert "Kaupparekisterissä" in html and "2.3.2026" in html
        assert "Tekstiilien, vaatteiden, jalkineiden ja nahkavalmisteiden agentuuritoiminta" in html
        html = (await http.get("/companies/" + str(ids["0490001-4"]))).text
        assert "Lopettanut" in html and "Konkurssi" in html


async def test_search_can_leave_ceased_companies_out(tmp_path):
    await _loaded(tmp_path)
    await make_user("advisor@espoo.example")
    async with client() as http:
        await login(http, "advisor@espoo.example")
        everyone = (await http.get("/companies?q=")).text
        assert "alert" in everyone and "Leros Oy" in everyone and 'class="badge ceased"' in everyone
        active = (await http.get("/companies?q=&active=1")).text
        assert "Leros Oy" in active and "alert" not in active
        assert 'id="f-active" name="active" type="checkbox" value="1" checked' in active
        partial = await http.get("/companies?q=le&active=1", headers={"HX-Request": "true"})
        assert "Leros Oy" in partial.text and "<html" not in partial.text
        assert (await http.get("/companies?active=%27%3B--")).status_code == 200  # anything else: all shown


async def test_a_register_batch_and_its_changes_read_in_the_admin_s_words(tmp_path):
    ids = await _loaded(tmp_path)
    await make_user("admin@espoo.example", role="admin")
    async with client() as http:
        await login(http, "admin@espoo.example")
        imports = await http.get("/imports")
        assert imports.status_code == 200 and "ytj_sample.json" in imports.text
        batch = await http.get("/imports/2")
        assert batch.status_code == 200 and "ytj_sample.json" in batch.text
        history = await http.get(f"/companies/{ids['0104676-4']}/history")
        assert history.status_code == 200
        assert "<td>register</td>" in history.text and "ytj_sample.json" in history.text  # made by the register
        reports = await http.get("/reports")
        assert reports.status_code == 200 and "Trade register" in reports.text
