"""Trust: security headers, login limits and log, record history, audit log, GDPR tools,
confidentiality by direct URL, hostile input through forms."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from crm.services.companies import create_company
from crm.services.contacts import create_contact
from crm.services.interactions import create_interaction
from crm.services.lookups import department_id_by_code
from crm.tables import AuditEvent, Company, Contact, Interaction, InteractionContact
from tests.webutil import PASSWORD, client, csrf_from, login, make_user

pytestmark = pytest.mark.usefixtures("db")
HTML = {"Accept": "text/html"}


async def test_security_headers_on_pages_errors_redirects_and_static_files():
    async with client() as c:
        for path in ("/login", "/no-such-page", "/companies", "/static/crm.css", "/healthz"):
            response = await c.get(path, headers=HTML, follow_redirects=False)
            csp = response.headers.get("content-security-policy", "")
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
            assert "unsafe-inline" not in csp, path
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["referrer-policy"] == "same-origin", path


async def test_pages_hold_no_inline_script():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        await login(c, "aino@espoo.example")
        for path in ("/", "/companies", f"/companies/{company_id}", f"/companies/{company_id}/interactions/new"):
            html = (await c.get(path)).text
            for tag in html.split("<script")[1:]:
                assert tag.split(">")[0].strip().startswith("src="), path  # only <script src=...>
            assert " on" + "click=" not in html and "javascript:" not in html, path


async def test_session_cookie_is_httponly_and_lax_and_rotated_on_login():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = csrf_from((await c.get("/login")).text)
        c.cookies.set("crm_session", "planted-by-attacker")
        response = await c.post("/login", data={"email": "aino@espoo.example", "password": PASSWORD,
                                                "_csrf_token": token}, follow_redirects=False)
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
        assert "planted-by-attacker" not in cookie
        assert "Secure" not in cookie  # plain http here; https sets Secure


async def test_login_is_rate_limited_per_account_and_logged():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = csrf_from((await c.get("/login")).text)
        for _ in range(5):
            wrong = await c.post("/login", data={"email": "aino@espoo.example", "password": "guess",
                                                 "_csrf_token": token})
            assert wrong.status_code == 422
        blocked = await c.post("/login", data={"email": "AINO@espoo.example", "password": PASSWORD,
                                               "_csrf_token": token})
        assert blocked.status_code == 429 and "Too many failed attempts" in blocked.text
    assert await AuditEvent.count().where(AuditEvent.action == "login_failed") == 5
    assert await AuditEvent.count().where(AuditEvent.action == "login") == 0
    failed = await AuditEvent.select().where(AuditEvent.action == "login_failed").first()
    assert failed["actor"] == "aino@espoo.example" and failed["address"]


async def test_login_is_rate_limited_per_address():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = csrf_from((await c.get("/login")).text)
        for number in range(20):
            await c.post("/login", data={"email": f"nobody{number}@espoo.example", "password": "x",
                                         "_csrf_token": token})
        blocked = await c.post("/login", data={"email": "aino@espoo.example", "password": PASSWORD,
                                               "_csrf_token": token})
        assert blocked.status_code == 429


async def test_successful_login_is_logged():
    user_id = await make_user("aino@espoo.example")
    async with client() as c:
        await login(c, "aino@espoo.example")
    event = await AuditEvent.select().where(AuditEvent.action == "login").first()
    assert event["user"] == user_id and event["address"]


async def test_company_history_shows_who_changed_what():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Old Name Oy"})
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        await c.post(f"/companies/{company_id}", data={"name": "New Name Oy", "_csrf_token": token})
        html = (await c.get(f"/companies/{company_id}/history")).text
        assert "aino@espoo.example" in html and "<del>Old Name Oy</del>" in html and "<ins>New Name Oy</ins>" in html


async def test_audit_log_is_for_admins_and_filters():
    await make_user("aino@espoo.example")
    await make_user("root@espoo.example", role="admin")
    await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        await login(c, "aino@espoo.example")
        assert (await c.get("/admin/audit", headers=HTML)).status_code == 403
    async with client() as c:
        await login(c, "root@espoo.example")
        everything = (await c.get("/admin/audit")).text
        assert "Kuplatech" in everything and "login" in everything
        only_logins = (await c.get("/admin/audit", params={"action": "login"})).text
        assert "Kuplatech" not in only_logins and "root@espoo.example" in only_logins
        by_user = (await c.get("/admin/audit", params={"actor": "system", "entity": "company"})).text
        assert "Kuplatech" in by_user


async def test_no_route_edits_or_deletes_audit_rows():
    from crm.app import create_app

    paths = [route.path for route in create_app().routes]
    assert all("audit" not in path or path == "/admin/audit" for path in paths)
    await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        for method in ("post", "put", "patch", "delete"):
            response = await getattr(c, method)("/admin/audit", headers={"X-CSRFToken": token})
            assert response.status_code in (404, 405), method


async def _person_with_history() -> tuple[int, int]:
    company_id = await create_company({"name": "Kuplatech Oy"})
    contact_id = await create_contact({"first_name": "Eero", "last_name": "Esimerkki", "email": "eero@example.com",
                                       "phone": "040 123 4567"}, roles=[{"company_id": company_id, "role": "CEO"}])
    interaction_id = await create_interaction({"date": "2026-11-01", "kind": "meeting", "subject": "Growth"},
                                              company_id=company_id, contact_ids=[contact_id],
                                              department_id=await department_id_by_code("BIZ"), advisor_id=None)
    return contact_id, interaction_id


async def test_gdpr_export_for_managers_as_json_and_csv():
    await make_user("aino@espoo.example")
    await make_user("boss@espoo.example", role="manager")
    contact_id, _ = await _person_with_history()
    async with client() as c:
        await login(c, "aino@espoo.example")
        assert (await c.get(f"/contacts/{contact_id}/export.json", headers=HTML)).status_code == 403
    async with client() as c:
        await login(c, "boss@espoo.example")
        data = (await c.get(f"/contacts/{contact_id}/export.json")).json()
        assert data["contact"]["email"] == "eero@example.com"
        assert data["roles"][0]["company.name"] == "Kuplatech Oy"
        assert data["interactions"][0]["subject"] == "Growth"
        assert any(event["action"] == "create" for event in data["processing_log"])
        csv_text = (await c.get(f"/contacts/{contact_id}/export.csv")).text
        assert "eero@example.com" in csv_text and "Growth" in csv_text
    assert await AuditEvent.count().where((AuditEvent.action == "export") & (AuditEvent.entity == "contact")) == 2


async def test_erase_anonymises_keeps_interactions_and_audits_without_personal_data():
    await make_user("root@espoo.example", role="admin")
    await make_user("aino@espoo.example")
    contact_id, interaction_id = await _person_with_history()
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        denied = await c.post(f"/contacts/{contact_id}/erase", data={"confirm": "erase", "_csrf_token": token},
                              headers=HTML)
        assert denied.status_code == 403
    async with client() as c:
        token = await login(c, "root@espoo.example")
        unconfirmed = await c.post(f"/contacts/{contact_id}/erase", data={"_csrf_token": token})
        assert unconfirmed.status_code == 422
        assert (await Contact.select().first())["email"] == "eero@example.com"
        done = await c.post(f"/contacts/{contact_id}/erase", data={"confirm": "erase", "_csrf_token": token},
                            follow_redirects=False)
        assert done.status_code == 303
    contact = await Contact.select().where(Contact.id == contact_id).first()
    assert contact["first_name"] == contact["last_name"] == contact["phone"] == "" and contact["email"] is None
    assert contact["erased_at"] is not None
    assert await Interaction.exists().where(Interaction.id == interaction_id)
    assert await InteractionContact.exists().where(InteractionContact.contact == contact_id)
    event = await AuditEvent.select().where(AuditEvent.action == "erase").first().output(load_json=True)
    assert "eero" not in json.dumps(event["changes"]).lower()


async def test_retention_lists_by_default_and_anonymises_with_apply():
    old = await create_contact({"first_name": "Old", "last_name": "Contact"})
    recent_id, _ = await _person_with_history()
    long_ago = dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc)
    await Contact.update({Contact.created_at: long_ago}).where(Contact.id.is_in([old, recent_id]))
    env = dict(os.environ)
    dry = subprocess.run([sys.executable, "-m", "crm", "retention", "--years", "3"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert dry.returncode == 0 and f"contact #{old} Old Contact" in dry.stdout
    assert f"#{recent_id}" not in dry.stdout  # met on 1.11.2026
    assert (await Contact.select().where(Contact.id == old).first())["erased_at"] is None
    applied = subprocess.run([sys.executable, "-m", "crm", "retention", "--years", "3", "--apply"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert applied.returncode == 0
    assert (await Contact.select().where(Contact.id == old).first())["erased_at"] is not None
    assert (await Contact.select().where(Contact.id == recent_id).first())["erased_at"] is None


async def test_confidential_interaction_by_direct_url_cannot_be_touched_by_another_department():
    await make_user("biz@espoo.example", department="BIZ")
    tyo_user = await make_user("tyo@espoo.example", department="TYO")
    company_id = await create_company({"name": "Kuplatech Oy"})
    secret = await create_interaction(
        {"date": "2026-11-01", "kind": "meeting", "subject": "Layoffs", "follow_up_date": "2026-11-05",
         "confidential": True},
        company_id=company_id, department_id=await department_id_by_code("TYO"), advisor_id=tyo_user)
    async with client() as c:
        token = await login(c, "biz@espoo.example")
        home = (await c.get("/")).text
        assert "Layoffs" not in home
        response = await c.post(f"/interactions/{secret}/follow-up-done", headers={"X-CSRFToken": token, **HTML})
        assert response.status_code == 422
        assert (await Interaction.select().where(Interaction.id == secret).first())["follow_up_done"] is False


@pytest.mark.parametrize("value", [
    "Robert'); DROP TABLE company;--",
    '<script>alert("x")</script>',
    "\u202eevil\u202c right-to-left",
    "Emoji 🚀🇫🇮 Oy",
    "x" * 299,
])
async def test_hostile_company_names_are_stored_and_shown_exactly(value):
    await make_user("aino@espoo.example")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        response = await c.post("/companies", data={"name": value, "_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        stored = await Company.select().first()
        assert stored["name"] == value
        html = (await c.get(response.headers["location"])).text
        from markupsafe import escape

        assert str(escape(value)) in html
    assert await Company.count() == 1


async def test_nul_bytes_and_overlong_values_through_forms():
    await make_user("aino@espoo.example")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        nul = await c.post("/companies", data={"name": "Nul\x00 Oy", "_csrf_token": token}, follow_redirects=False)
        assert nul.status_code == 303
        assert (await Company.select().first())["name"] == "Nul Oy"  # removed, the same on both engines
        long = await c.post("/companies", data={"name": "x" * 10_000, "_csrf_token": token})
        assert long.status_code == 422 and "at most 300" in long.text
        company_id = (await Company.select().first())["id"]
        notes = "n" * 10_000
        ok = await c.post(f"/companies/{company_id}/interactions", data={
            "date": "2026-11-01", "kind": "call", "notes": notes, "_csrf_token": token}, follow_redirects=False)
        assert ok.status_code == 303
        assert (await Interaction.select().first())["notes"] == notes


async def _secret_tyo_meeting() -> tuple[int, int]:
    company_id = await create_company({"name": "Kuplatech Oy"})
    contact_id = await create_contact({"first_name": "Eero", "last_name": "Esimerkki"},
                                      roles=[{"company_id": company_id, "role": "CEO"}])
    await create_interaction({"date": dt.date.today().isoformat(), "kind": "meeting", "subject": "Layoff plans",
                              "notes": "48 people", "confidential": True},
                             company_id=company_id, contact_ids=[contact_id],
                             department_id=await department_id_by_code("TYO"), advisor_id=None)
    return company_id, contact_id


@pytest.mark.parametrize("email, role, department, sees", [
    ("biz@espoo.example", "advisor", "BIZ", False),
    ("tyo@espoo.example", "advisor", "TYO", True),
    ("boss@espoo.example", "manager", "BIZ", True),
])
async def test_confidential_interaction_on_contact_page_and_dashboard(email, role, department, sees):
    await make_user(email, role=role, department=department)
    company_id, contact_id = await _secret_tyo_meeting()
    async with client() as c:
        await login(c, email)
        for path in (f"/companies/{company_id}", f"/companies/{company_id}/timeline"):
            html = (await c.get(path)).text
            assert ("Layoff plans" in html) is sees and ("48 people" in html) is sees, path
            assert "Confidential" in html, path  # the company's history shows that one exists
        person = (await c.get(f"/contacts/{contact_id}")).text
        assert ("Layoff plans" in person) is sees and ("48 people" in person) is sees
        assert ("Confidential" in person) is sees  # that the person took part is not told at all
        home = (await c.get("/")).text
        assert ("Layoff plans" in home) is (department == "TYO"), "home shows my department's activity only"


async def test_cli_export_leaves_confidential_out_unless_asked_and_logs_the_export(tmp_path):
    await _secret_tyo_meeting()
    env = dict(os.environ)
    default = tmp_path / "default.csv"
    run = subprocess.run([sys.executable, "-m", "crm", "export", "interactions", "-o", str(default)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Layoff plans" not in default.read_text(encoding="utf-8-sig")
    everything = tmp_path / "all.csv"
    run = subprocess.run([sys.executable, "-m", "crm", "export", "interactions", "-o", str(everything),
                          "--include-confidential"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "Layoff plans" in everything.read_text(encoding="utf-8-sig")
    exports = await AuditEvent.select().where(AuditEvent.action == "export").output(load_json=True)
    assert [event["changes"]["include_confidential"][1] for event in exports] == [False, True]


async def test_cookies_are_secure_over_https():
    from litestar.testing import AsyncTestClient

    from crm.app import create_app

    await make_user("aino@espoo.example")
    async with AsyncTestClient(app=create_app(), base_url="https://crm.espoo.example") as c:
        page = await c.get("/login")
        assert "Secure" in page.headers["set-cookie"]  # the CSRF cookie
        response = await c.post("/login", data={"email": "aino@espoo.example", "password": PASSWORD,
                                                "_csrf_token": csrf_from(page.text)}, follow_redirects=False)
        cookies = response.headers.get_list("set-cookie")
        assert cookies and all("Secure" in cookie for cookie in cookies)


async def test_erasure_also_removes_the_person_from_the_record_history(tmp_path):
    from crm.services.contacts import erase_contact

    await make_user("aino@espoo.example")
    contact_id, _ = await _person_with_history()
    await erase_contact(contact_id, upload_dir=tmp_path)
    async with client() as c:
        await login(c, "aino@espoo.example")
        history = (await c.get(f"/contacts/{contact_id}/history")).text
    assert "eero@example.com" not in history and "Eero" not in history and "358401234567" not in history
    assert "(erased)" in history
    events = await AuditEvent.select().where(AuditEvent.entity == "contact").output(load_json=True)
    assert "eero" not in json.dumps([event["changes"] for event in events]).lower()


async def test_an_advisor_from_another_department_cannot_be_named_on_an_interaction():
    from crm.errors import Invalid

    biz_user = await make_user("biz@espoo.example", department="BIZ")
    company_id = await create_company({"name": "Kuplatech Oy"})
    with pytest.raises(Invalid) as caught:
        await create_interaction({"date": "2026-11-01", "kind": "call", "follow_up_date": "2026-12-01", "subject": "Call",
                                  "confidential": True}, company_id=company_id,
                                 department_id=await department_id_by_code("TYO"), advisor_id=biz_user)
    assert "department" in caught.value.field_errors["advisor"]
    await make_user("tyo@espoo.example", department="TYO")
    async with client() as c:
        token = await login(c, "tyo@espoo.example")
        response = await c.post(f"/companies/{company_id}/interactions", data={
            "date": "2026-11-01", "kind": "call", "advisor": str(biz_user), "_csrf_token": token})
        assert response.status_code == 422
        assert await Interaction.count() == 0


async def test_timeline_filters_do_not_reveal_what_masking_hides():
    await make_user("biz@espoo.example", department="BIZ")
    company_id, _ = await _secret_tyo_meeting()
    async with client() as c:
        await login(c, "biz@espoo.example")
        for kind in ("meeting", "call"):  # the hidden one is a meeting: neither filter may single it out
            filtered = (await c.get(f"/companies/{company_id}/timeline", params={"kind": kind})).text
            assert "Confidential" not in filtered, kind
        everything = (await c.get(f"/companies/{company_id}/timeline")).text
        assert "Confidential" in everything  # unfiltered, its existence shows


async def test_only_the_advisor_their_department_or_managers_close_a_follow_up():
    tyo_user = await make_user("tyo@espoo.example", department="TYO")
    await make_user("biz@espoo.example", department="BIZ")
    company_id = await create_company({"name": "Kuplatech Oy"})
    interaction_id = await create_interaction(
        {"date": "2026-11-01", "kind": "call", "subject": "Call", "follow_up_date": "2026-11-05"},
        company_id=company_id, department_id=await department_id_by_code("TYO"), advisor_id=tyo_user)
    async with client() as c:
        token = await login(c, "biz@espoo.example")
        denied = await c.post(f"/interactions/{interaction_id}/follow-up-done",
                              headers={"X-CSRFToken": token, **HTML})
        assert denied.status_code == 403
    assert (await Interaction.select().first())["follow_up_done"] is False


@pytest.mark.parametrize("path", [
    "/companies/99999999999999999999", "/companies?page=99999999999999999999",
    "/companies?department=99999999999999999999", "/contacts/99999999999999999999",
    "/admin/audit?to=31.12.9999",
])
async def test_huge_numbers_are_not_found_or_ignored_never_a_500(path):
    await make_user("root@espoo.example", role="admin")
    async with client() as c:
        await login(c, "root@espoo.example")
        response = await c.get(path, headers=HTML)
        assert response.status_code in (200, 404), path


async def test_no_api_schema_is_served():
    await make_user("aino@espoo.example")
    async with client() as c:
        await login(c, "aino@espoo.example")
        for path in ("/schema", "/schema/openapi.json", "/schema/swagger"):
            assert (await c.get(path, headers=HTML)).status_code == 404, path
