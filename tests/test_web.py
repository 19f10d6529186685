"""Handler tests: every page and form through Litestar's test client against the real database."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.services.companies import create_company
from crm.services.contacts import create_contact
from crm.services.interactions import create_interaction
from crm.services.lookups import department_id_by_code
from crm.tables import AuditEvent, Company, Contact, Interaction, WebSession
from tests.webutil import PASSWORD, client, csrf_from, login, make_user

pytestmark = pytest.mark.usefixtures("db")
HTML = {"Accept": "text/html"}


async def test_pages_need_a_session_and_redirect_to_login_with_next():
    async with client() as c:
        for path in ("/", "/companies", "/companies/1", "/contacts/1", "/interactions/new"):
            response = await c.get(path, headers=HTML, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == f"/login?next={path}"
        api = await c.get("/companies", follow_redirects=False)
        assert api.status_code == 401 and api.json()["status_code"] == 401
        htmx = await c.get("/companies", headers={"HX-Request": "true"}, follow_redirects=False)
        assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login?next=/companies"


async def test_login_wrong_password_is_422_and_creates_no_session():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = csrf_from((await c.get("/login")).text)
        response = await c.post("/login", data={"email": "aino@espoo.example", "password": "nope",
                                                "_csrf_token": token})
        assert response.status_code == 422
        assert "Wrong e-mail address or password" in response.text
        assert await WebSession.count() == 0


async def test_login_then_logout_ends_the_session():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = await login(c, "Aino@Espoo.example")
        assert (await c.get("/", headers=HTML)).status_code == 200
        assert await WebSession.count() == 1
        response = await c.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert await WebSession.count() == 0
        assert (await c.get("/", headers=HTML, follow_redirects=False)).status_code == 303


async def test_login_next_goes_only_to_local_paths():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = csrf_from((await c.get("/login")).text)
        for target, expected in (("/companies", "/companies"), ("https://evil.example/", "/"),
                                 ("//evil.example", "/"), ("/\\evil.example", "/")):
            await c.cookies.clear() if False else None
            c.cookies.delete("crm_session")
            response = await c.post("/login", data={"email": "aino@espoo.example", "password": PASSWORD,
                                                    "next": target, "_csrf_token": token}, follow_redirects=False)
            assert response.headers["location"] == expected, target


async def test_deactivated_user_loses_access():
    from crm.tables import User

    user_id = await make_user("aino@espoo.example")
    async with client() as c:
        await login(c, "aino@espoo.example")
        await User.update({User.active: False}).where(User.id == user_id)
        assert (await c.get("/", headers=HTML, follow_redirects=False)).status_code == 303


async def test_forms_without_csrf_token_are_refused():
    await make_user("aino@espoo.example")
    async with client() as c:
        await login(c, "aino@espoo.example")
        response = await c.post("/companies", data={"name": "Forged Oy"}, headers=HTML)
        assert response.status_code == 403
        assert await Company.count() == 0
        login_forged = await c.post("/login", data={"email": "aino@espoo.example", "password": PASSWORD})
        assert login_forged.status_code == 403


async def test_home_lists_my_open_follow_ups_overdue_first():
    user_id = await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    biz = await department_id_by_code("BIZ")
    today = dt.date.today()
    for days, subject in ((5, "Later one"), (-3, "Overdue one")):
        await create_interaction({"date": (today - dt.timedelta(days=10)).isoformat(), "kind": "call", "subject": subject,
                                  "follow_up_date": (today + dt.timedelta(days=days)).isoformat()},
                                 company_id=company_id, department_id=biz, advisor_id=user_id)
    async with client() as c:
        await login(c, "aino@espoo.example")
        html = (await c.get("/")).text
        assert html.index("Overdue one") < html.index("Later one")
        assert "Overdue" in html


async def test_company_search_by_word_prefix_diacritics_and_business_id():
    await make_user("aino@espoo.example")
    await create_company({"name": "Leppävaaran Kahvila Äijä Ky", "business_id": "3286980-0"})
    await create_company({"name": "Otaniemen Robotiikka Oy"})
    async with client() as c:
        await login(c, "aino@espoo.example")
        for query in ("kahv", "aija", "LEPPAV", "3286980-0", "32869800", "FI32869800"):
            html = (await c.get("/companies", params={"q": query})).text
            assert "Leppävaaran Kahvila Äijä Ky" in html, query
            assert "Otaniemen Robotiikka" not in html, query
        partial = await c.get("/companies", params={"q": "robo"}, headers={"HX-Request": "true"})
        assert "Otaniemen Robotiikka Oy" in partial.text and "<html" not in partial.text
        assert partial.headers["vary"] == "HX-Request"
        none = (await c.get("/companies", params={"q": "zzz"})).text
        assert "No company matches" in none


async def test_company_search_filters_by_department_served():
    await make_user("aino@espoo.example")
    served = await create_company({"name": "Served Oy"})
    await create_company({"name": "Unserved Oy"})
    tyo = await department_id_by_code("TYO")
    await create_interaction({"date": "1.1.2026", "kind": "call", "subject": "Call"}, company_id=served, department_id=tyo,
                             advisor_id=None)
    async with client() as c:
        await login(c, "aino@espoo.example")
        html = (await c.get("/companies", params={"department": tyo})).text
        assert "Served Oy" in html and "Unserved Oy" not in html


async def test_create_company_shows_field_errors_with_422():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        response = await c.post("/companies", data={"name": "", "business_id": "1234567-2", "postal_code": "x",
                                                    "_csrf_token": token})
        assert response.status_code == 422
        assert "Company name is required" in response.text
        assert "1234567-2" in response.text and 'aria-invalid="true"' in response.text
        assert await Company.count() == 0
        ok = await c.post("/companies", data={"name": "New Oy", "business_id": "0112038-9", "postal_code": "2150",
                                              "city": "Espoo", "_csrf_token": token}, follow_redirects=False)
        assert ok.status_code == 303
        company = await Company.select().first()
        assert ok.headers["location"] == f"/companies/{company['id']}"
        assert company["postal_code"] == "02150"


async def test_duplicate_name_and_postal_code_warns_before_creating():
    await make_user("aino@espoo.example")
    await create_company({"name": "Kuplatech Oy", "postal_code": "02150"})
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        data = {"name": "KUPLATECH", "postal_code": "02150", "_csrf_token": token}
        warned = await c.post("/companies", data=data)
        assert warned.status_code == 422 and "already exists in the record" in warned.text
        assert await Company.count() == 1
        created = await c.post("/companies", data={**data, "confirm_duplicate": "1"}, follow_redirects=False)
        assert created.status_code == 303 and await Company.count() == 2


async def test_duplicate_business_id_is_a_field_error():
    await make_user("aino@espoo.example")
    await create_company({"name": "Nokia Oyj", "business_id": "0112038-9"})
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        response = await c.post("/companies", data={"name": "Other", "business_id": "01120389",
                                                    "_csrf_token": token})
        assert response.status_code == 422 and "already belongs to Nokia Oyj" in response.text


async def test_edit_company():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Old Oy"})
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        form = await c.get(f"/companies/{company_id}/edit")
        assert form.status_code == 200 and 'value="Old Oy"' in form.text
        response = await c.post(f"/companies/{company_id}", data={"name": "New Oy", "_csrf_token": token},
                                follow_redirects=False)
        assert response.status_code == 303
        assert (await Company.select(Company.name).first())["name"] == "New Oy"
        bad = await c.post(f"/companies/{company_id}", data={"name": "New Oy", "website": "not a site",
                                                             "_csrf_token": token})
        assert bad.status_code == 422 and "not a web address" in bad.text


async def test_log_interaction_from_company_page_appears_on_timeline():
    user_id = await make_user("aino@espoo.example", name="Aino Advisor")
    company_id = await create_company({"name": "Kuplatech Oy"})
    contact_id = await create_contact({"first_name": "Eero", "last_name": "Esimerkki"},
                                      roles=[{"company_id": company_id, "role": "CEO"}])
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        form = await c.get(f"/companies/{company_id}/interactions/new")
        assert form.status_code == 200
        assert f'value="{dt.date.today().isoformat()}"' in form.text  # today by default
        response = await c.post(f"/companies/{company_id}/interactions", data={
            "date": "2026-11-20", "kind": "meeting", "subject": "Growth plans", "notes": "Met at Kupla",
            "follow_up_date": "2026-12-01", "contacts": str(contact_id), "advisor": str(user_id),
            "_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        row = await Interaction.select().first()
        assert row["advisor"] == user_id and row["department"] == await department_id_by_code("BIZ")
        page = (await c.get(f"/companies/{company_id}")).text
        assert "Growth plans" in page and "Met at Kupla" in page and "Eero Esimerkki" in page


async def test_advisor_cannot_log_for_another_department_by_form_field():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    tyo = await department_id_by_code("TYO")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        await c.post(f"/companies/{company_id}/interactions", data={
            "date": "2026-11-20", "kind": "call", "subject": "Call", "department": str(tyo), "_csrf_token": token})
        row = await Interaction.select().first()
        assert row["department"] == await department_id_by_code("BIZ")


async def test_log_interaction_errors_are_422_beside_fields():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        response = await c.post(f"/companies/{company_id}/interactions", data={
            "date": "2026-02-31", "kind": "dance", "_csrf_token": token})
        assert response.status_code == 422
        assert 'id="e-date"' in response.text and 'id="e-kind"' in response.text
        assert await Interaction.count() == 0


async def test_mark_follow_up_done_with_htmx():
    user_id = await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    interaction_id = await create_interaction(
        {"date": "2026-11-01", "kind": "call", "subject": "Call", "follow_up_date": "2026-11-10"},
        company_id=company_id, department_id=await department_id_by_code("BIZ"), advisor_id=user_id)
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        response = await c.post(f"/interactions/{interaction_id}/follow-up-done",
                                headers={"HX-Request": "true", "X-CSRFToken": token})
        assert response.status_code == 200 and "marked done" in response.text
        assert (await Interaction.select().first())["follow_up_done"] is True
        assert "Kuplatech" not in (await c.get("/")).text.split("Recent activity")[0]


async def test_typeahead_links_to_the_log_form():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        await login(c, "aino@espoo.example")
        assert (await c.get("/interactions/new")).status_code == 200
        html = (await c.get("/companies/typeahead", params={"q": "kupla"})).text
        assert f"/companies/{company_id}/interactions/new" in html


async def test_history_export_is_for_managers_and_admins_only():
    await make_user("aino@espoo.example")
    await make_user("boss@espoo.example", role="manager")
    company_id = await create_company({"name": "Kuplatech Oy", "business_id": "0112038-9"})
    await create_interaction({"date": "2026-11-01", "kind": "call", "subject": "=cmd|' /C calc'!A0"},
                             company_id=company_id, department_id=await department_id_by_code("BIZ"),
                             advisor_id=None)
    async with client() as c:
        await login(c, "aino@espoo.example")
        denied = await c.get(f"/companies/{company_id}/history.csv", headers=HTML)
        assert denied.status_code == 403 and "No access" in denied.text
        assert "Export history" not in (await c.get(f"/companies/{company_id}")).text
    async with client() as c:
        await login(c, "boss@espoo.example")
        response = await c.get(f"/companies/{company_id}/history.csv")
        assert response.status_code == 200
        assert response.content.startswith("\ufeff".encode())
        assert "'=cmd|" in response.text  # neutralised for spreadsheets
        assert await AuditEvent.count().where(AuditEvent.action == "export") == 1


async def test_contact_pages_create_show_edit():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        assert (await c.get(f"/contacts/new?company_id={company_id}")).status_code == 200
        bad = await c.post("/contacts", data={"last_name": "", "email": "nope", "phone": "12",
                                              "company_id": str(company_id), "_csrf_token": token})
        assert bad.status_code == 422 and "nope" in bad.text
        ok = await c.post("/contacts", data={"first_name": "Eero", "last_name": "Esimerkki",
                                             "email": "Eero@Example.com", "phone": "040 123 4567", "role": "CEO",
                                             "company_id": str(company_id), "_csrf_token": token},
                          follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == f"/companies/{company_id}"
        contact = await Contact.select().first()
        page = await c.get(f"/contacts/{contact['id']}")
        assert "+358 40 1234567" in page.text and "Kuplatech Oy" in page.text
        assert "<title>Eero Esimerkki</title>" in page.text
        assert await AuditEvent.count().where(AuditEvent.action == "view") == 1
        edited = await c.post(f"/contacts/{contact['id']}", data={"title": "CTO", "_csrf_token": token},
                              follow_redirects=False)
        assert edited.status_code == 303


async def test_names_and_notes_are_escaped():
    await make_user("aino@espoo.example")
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    company_id = await create_company({"name": evil})
    await create_interaction({"date": "2026-11-01", "kind": "call", "subject": evil, "notes": evil},
                             company_id=company_id, department_id=await department_id_by_code("BIZ"),
                             advisor_id=None)
    async with client() as c:
        await login(c, "aino@espoo.example")
        for path in (f"/companies/{company_id}", "/", "/companies?q=script"):
            html = (await c.get(path)).text
            assert "<script>alert(1)" not in html and "<img src=x" not in html, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


async def test_missing_records_are_404_pages():
    await make_user("aino@espoo.example")
    async with client() as c:
        await login(c, "aino@espoo.example")
        for path in ("/companies/999", "/contacts/999", "/companies/999/interactions/new", "/no-such-page"):
            response = await c.get(path, headers=HTML)
            assert response.status_code == 404, path
            assert "Not found" in response.text and "Traceback" not in response.text


async def test_confidential_interaction_is_masked_for_other_departments():
    await make_user("biz@espoo.example", department="BIZ")
    await make_user("tyo@espoo.example", department="TYO")
    await make_user("boss@espoo.example", role="manager", department="BIZ")
    company_id = await create_company({"name": "Kuplatech Oy"})
    await create_interaction({"date": "2026-11-01", "kind": "meeting", "subject": "Layoff plans",
                              "notes": "48 people", "confidential": True},
                             company_id=company_id, department_id=await department_id_by_code("TYO"),
                             advisor_id=None)
    for email, sees in (("biz@espoo.example", False), ("tyo@espoo.example", True), ("boss@espoo.example", True)):
        async with client() as c:
            await login(c, email)
            html = (await c.get(f"/companies/{company_id}")).text
            assert ("Layoff plans" in html) is sees, email
            assert ("48 people" in html) is sees, email
            assert "Confidential" in html and "1.11.2026" in html or "1 Nov 2026" in html


async def test_language_follows_the_user_then_the_browser():
    async with client() as c:
        swedish = await c.get("/login", headers={"Accept-Language": "sv-FI,sv;q=0.9,en;q=0.5"})
        assert "<h1>Logga in</h1>" in swedish.text and '<html lang="sv">' in swedish.text
        finnish = await c.get("/login", headers={"Accept-Language": "de-DE"})
        assert "<h1>Kirjaudu sisään</h1>" in finnish.text  # none of ours: Finnish
    from crm.services.users import create_user

    await create_user(email="fi@espoo.example", role="advisor", department="BIZ", password=PASSWORD, language="fi")
    await make_user("en@espoo.example")  # chose English
    async with client() as c:
        await login(c, "fi@espoo.example")
        home = await c.get("/", headers={"Accept-Language": "en"})
        assert "Omat avoimet jatkotoimenpiteet" in home.text  # the user's choice wins
    async with client() as c:
        await login(c, "en@espoo.example")
        assert "My open follow-ups" in (await c.get("/", headers={"Accept-Language": "fi"})).text


async def test_imported_companies_are_found_by_search(tmp_path):
    """The importer indexes its rows in bulk in one statement per chunk: search must still find them."""
    from crm.importing.load import import_file
    from crm.services.reads import search_companies

    path = tmp_path / "yritykset.csv"
    path.write_text("Y-tunnus;Yrityksen nimi;Postinumero\n0112038-9;Nokia Oyj;02610\n;Äijän Kahvila Ky;02100\n",
                    encoding="utf-8")
    summary = await import_file("companies", path)
    assert summary.created == 2
    assert [row["name"] for row in (await search_companies(query="aijan kahv")).rows] == ["Äijän Kahvila Ky"]
    assert [row["name"] for row in (await search_companies(query="nokia")).rows] == ["Nokia Oyj"]
    await make_user("aino@espoo.example")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        company_id = (await search_companies(query="nokia")).rows[0]["id"]
        await c.post(f"/companies/{company_id}", data={"name": "Nokia Solutions Oyj", "_csrf_token": token})
    assert [row["name"] for row in (await search_companies(query="solutions")).rows] == ["Nokia Solutions Oyj"]


async def test_contact_roles_added_by_business_id_or_name_and_ended():
    await make_user("aino@espoo.example")
    kone = await create_company({"name": "KONE Oyj", "business_id": "1927400-1"})
    await create_company({"name": "Twin Oy"})
    await create_company({"name": "Twin Ab"})
    contact_id = await create_contact({"first_name": "Eero", "last_name": "Esimerkki"})
    from crm.tables import CompanyContact

    async with client() as c:
        token = await login(c, "aino@espoo.example")
        added = await c.post(f"/contacts/{contact_id}/roles", data={"company": "FI19274001", "role": "CTO",
                                                                    "_csrf_token": token}, follow_redirects=False)
        assert added.status_code == 303
        role = await CompanyContact.select().where(CompanyContact.contact == contact_id).first()
        assert role["company"] == kone and role["role"] == "CTO" and role["end_date"] is None
        ambiguous = await c.post(f"/contacts/{contact_id}/roles", data={"company": "twin", "_csrf_token": token})
        assert ambiguous.status_code == 422 and "Several companies" in ambiguous.text
        missing = await c.post(f"/contacts/{contact_id}/roles", data={"company": "Nobody Oy", "_csrf_token": token})
        assert missing.status_code == 422 and "No company" in missing.text
        shown = (await c.get(f"/contacts/{contact_id}")).text
        assert f'href="/contacts/{contact_id}/roles/{role["id"]}/end"' in shown  # a link to a question
        asked = await c.get(f"/contacts/{contact_id}/roles/{role['id']}/end")
        assert asked.status_code == 200 and "left the role “CTO”" in asked.text
        unconfirmed = await c.post(f"/contacts/{contact_id}/roles/{role['id']}/end", data={"_csrf_token": token})
        assert unconfirmed.status_code == 422 and 'id="e-confirmed"' in unconfirmed.text
        assert (await CompanyContact.select().where(CompanyContact.id == role["id"]).first())["end_date"] is None
        wrong = await c.post(f"/contacts/{contact_id}/roles/{role['id']}/end",
                             data={"confirmed": "yes", "end_date": "31.2.2026", "_csrf_token": token})
        assert wrong.status_code == 422 and 'id="e-end_date"' in wrong.text
        ended = await c.post(f"/contacts/{contact_id}/roles/{role['id']}/end",
                             data={"confirmed": "yes", "_csrf_token": token}, follow_redirects=False)
        assert ended.status_code == 303
        assert (await CompanyContact.select().where(CompanyContact.id == role["id"]).first())["end_date"] == \
            dt.date.today()
        assert "until" in (await c.get(f"/contacts/{contact_id}")).text


async def test_field_errors_come_in_the_users_language():
    from crm.services.users import create_user

    await create_user(email="fi@espoo.example", role="advisor", department="BIZ", password=PASSWORD, language="fi")
    await create_user(email="sv@espoo.example", role="advisor", department="BIZ", password=PASSWORD, language="sv")
    data = {"name": "", "business_id": "1234567-2", "postal_code": "ABC", "website": "www." + "a" * 294 + ".fi"}
    async with client() as c:
        token = await login(c, "fi@espoo.example")
        finnish = (await c.post("/companies", data={**data, "_csrf_token": token})).text
        assert "Y-tunnus &#39;1234567-2&#39;: väärä tarkistusnumero" in finnish
        assert "Yrityksen nimi on pakollinen tieto" in finnish
        assert "Postinumero &#39;ABC&#39; ei ole suomalainen postinumero" in finnish
        assert "Verkkosivusto: 309 merkkiä; enintään 300 mahtuu" in finnish
    async with client() as c:
        token = await login(c, "sv@espoo.example")
        swedish = (await c.post("/companies", data={**data, "_csrf_token": token})).text
        assert "FO-nummer &#39;1234567-2&#39;: fel kontrollsiffra" in swedish


async def test_service_errors_come_in_the_users_language_too():
    from crm.services.users import create_user

    await create_user(email="fi@espoo.example", role="advisor", department="BIZ", password=PASSWORD, language="fi")
    await create_company({"name": "Nokia Oyj", "business_id": "0112038-9"})
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        token = await login(c, "fi@espoo.example")
        duplicate = (await c.post("/companies", data={"name": "X", "business_id": "01120389",
                                                      "_csrf_token": token})).text
        assert "Y-tunnus 0112038-9 kuuluu jo yritykselle Nokia Oyj" in duplicate
        role = (await c.post("/contacts", data={"last_name": "Virtanen", "company_id": str(company_id),
                                                "start_date": "2.2.2026", "end_date": "1.1.2026",
                                                "_csrf_token": token})).text
        assert "Rooli 1: rooli päättyy ennen kuin se alkaa" in role
