"""/api/v1 through Litestar's test client against the real database: tokens, roles, departments,
confidential masking, validation as problem details, audit, and the schema."""

from __future__ import annotations

import pytest

from crm.services import tokens
from crm.services.companies import create_company
from crm.services.interactions import create_interaction
from crm.services.lookups import department_id_by_code
from crm.services.users import deactivate_user
from crm.tables import ApiToken, AuditEvent, Company, Interaction
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")
PROBLEM = "application/problem+json"


async def bearer(email: str, role: str = "advisor", department: str = "BIZ") -> tuple[int, dict]:
    user_id = await make_user(email, role=role, department=department)
    _, token = await tokens.create_token(user_id, "tests")
    return user_id, {"Authorization": f"Bearer {token}"}


async def test_no_token_a_wrong_one_or_a_session_cookie_is_401_as_problem_details():
    await make_user("web@espoo.example")
    async with client() as c:
        for headers in ({}, {"Authorization": "Bearer crm_not-a-token"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
            response = await c.get("/api/v1/companies", headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["content-type"].startswith(PROBLEM)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["status"] == 401
        await login(c, "web@espoo.example")  # a logged-in browser session never drives the API
        assert (await c.get("/api/v1/companies")).status_code == 401
        created = await c.post("/api/v1/companies", json={"name": "Forged Oy"})
        assert created.status_code == 401
    assert await Company.count().where(Company.name == "Forged Oy") == 0


async def test_search_read_create_and_update_a_company_audited_with_the_token_name():
    _, auth = await bearer("api@espoo.example")
    await create_company({"name": "Pöllösoft Oy", "business_id": "0112038-9", "postal_code": "02150"})
    async with client() as c:
        found = (await c.get("/api/v1/companies", params={"q": "pollo"}, headers=auth)).json()
        assert [item["name"] for item in found["items"]] == ["Pöllösoft Oy"] and found["next"] is None
        assert (await c.get("/api/v1/companies", params={"q": "FI01120389"}, headers=auth)).json()["items"]
        created = await c.post("/api/v1/companies", headers=auth, json={
            "name": "Kuplatech Oy", "business_id": "1927400-1", "other_names": ["Kuplatech Ab"],
            "postal_code": "2150"})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["business_id"] == "1927400-1" and body["postal_code"] == "02150"
        assert body["other_names"] == ["Kuplatech Ab"]
        changed = await c.patch(f"/api/v1/companies/{body['id']}", headers=auth, json={"city": "Espoo"})
        assert changed.status_code == 200 and changed.json()["city"] == "Espoo"
        assert changed.json()["name"] == "Kuplatech Oy"  # fields not given stay
        assert (await c.get(f"/api/v1/companies/{body['id']}", headers=auth)).json()["city"] == "Espoo"
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.actor).where(
        (AuditEvent.entity == "company") & (AuditEvent.entity_id == body["id"])).order_by(AuditEvent.id)
    assert [event["action"] for event in events] == ["create", "update"]
    assert all(event["actor"].startswith("api@espoo.example (API token 'tests' #") for event in events)


async def test_bad_input_is_422_naming_each_field_in_the_users_language():
    _, auth = await bearer("api@espoo.example")
    await create_company({"name": "Nokia Oyj", "business_id": "0112038-9"})
    async with client() as c:
        response = await c.post("/api/v1/companies", headers=auth, json={"name": "", "business_id": "0112038-8"})
        assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
        errors = response.json()["errors"]
        assert set(errors) == {"name", "business_id"} and "0112038-8" in errors["business_id"]
        taken = await c.post("/api/v1/companies", headers=auth, json={"name": "Nokia", "business_id": "112038-9"})
        assert taken.status_code == 422 and "already belongs to Nokia Oyj" in taken.json()["errors"]["business_id"]
        for body in ({"nme": "x"}, {"name": 12}, [], "<script>", {"name": "x" * 301}):
            refused = await c.post("/api/v1/companies", headers=auth, json=body)
            assert refused.status_code in (400, 422), body
            assert refused.headers["content-type"].startswith(PROBLEM)
            assert "Traceback" not in refused.text
        not_json = await c.post("/api/v1/companies", headers={**auth, "content-type": "application/json"},
                                content=b"\xff\xfe{")
        assert not_json.status_code in (400, 422) and not_json.headers["content-type"].startswith(PROBLEM)
        finnish = await c.post("/api/v1/companies", headers={**auth, "Accept-Language": "fi"}, json={"name": ""})
        # the user chose English (make_user): the user's choice wins over the header
        assert "required" in finnish.json()["errors"]["name"]
        missing = await c.get("/api/v1/companies/999999", headers=auth)
        assert missing.status_code == 404 and missing.json()["status"] == 404
        assert (await c.get("/api/v1/companies", params={"cursor": "garbage"}, headers=auth)).status_code in (400, 422)
    assert await Company.count() == 1


async def test_another_departments_confidential_interaction_says_nothing_through_any_route():
    _, biz = await bearer("biz@espoo.example", department="BIZ")
    _, tyo = await bearer("tyo@espoo.example", department="TYO")
    _, boss = await bearer("boss@espoo.example", role="manager", department="BIZ")
    company_id = await create_company({"name": "Kuplatech Oy"})
    interaction_id = await create_interaction(
        {"date": "2026-11-01", "kind": "meeting", "subject": "Layoff plans", "notes": "48 people",
         "confidential": True}, company_id=company_id, department_id=await department_id_by_code("TYO"),
        advisor_id=None)
    async with client() as c:
        for auth, sees in ((biz, False), (tyo, True), (boss, True)):
            listed = await c.get(f"/api/v1/companies/{company_id}/interactions", headers=auth)
            one = await c.get(f"/api/v1/interactions/{interaction_id}", headers=auth)
            for text in (listed.text, one.text):
                assert ("Layoff plans" in text) is sees and ("48 people" in text) is sees
            assert listed.json()["items"][0]["hidden"] is (not sees)
            assert one.json()["department"] == "TYO" and one.json()["date"] == "2026-11-01"
        refused = await c.patch(f"/api/v1/interactions/{interaction_id}", headers=biz, json={"subject": "x"})
        assert refused.status_code == 403 and "Layoff" not in refused.text
    assert (await Interaction.select(Interaction.subject).first())["subject"] == "Layoff plans"


async def test_log_an_interaction_for_the_own_department_and_correct_it():
    user_id, auth = await bearer("biz@espoo.example", department="BIZ")
    _, other = await bearer("tyo@espoo.example", department="TYO")
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        created = await c.post("/api/v1/interactions", headers=auth, json={
            "company_id": company_id, "date": "2026-11-20", "kind": "call", "subject": "Tilat",
            "follow_up_date": "2026-12-01"})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["department"] == "BIZ" and body["kind"] == "call" and body["follow_up_done"] is False
        assert (await c.patch(f"/api/v1/interactions/{body['id']}", headers=other,
                              json={"subject": "x"})).status_code == 403
        changed = await c.patch(f"/api/v1/interactions/{body['id']}", headers=auth,
                                json={"subject": "Toimitilat", "follow_up_done": True})
        assert changed.status_code == 200
        assert changed.json()["subject"] == "Toimitilat" and changed.json()["follow_up_done"] is True
        bad = await c.post("/api/v1/interactions", headers=auth, json={
            "company_id": 999999, "date": "2026-11-20", "kind": "meeting", "subject": "x"})
        assert bad.status_code == 422 and "company" in bad.json()["errors"]
        bad_kind = await c.post("/api/v1/interactions", headers=auth, json={
            "company_id": company_id, "date": "2026-11-20", "kind": "séance"})
        assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["errors"]
        empty = await c.post("/api/v1/interactions", headers=auth, json={
            "company_id": company_id, "date": "2026-11-20", "kind": "call"})
        assert empty.status_code == 422 and "subject" in empty.json()["errors"]
        row = await Interaction.select(Interaction.advisor, Interaction.subject).where(
            Interaction.id == body["id"]).first()
        assert row == {"advisor": user_id, "subject": "Toimitilat"}
        assert (await c.delete(f"/api/v1/interactions/{body['id']}", headers=other)).status_code == 403
        assert (await c.delete(f"/api/v1/interactions/{body['id']}", headers=auth)).status_code == 204
        assert (await c.get(f"/api/v1/interactions/{body['id']}", headers=auth)).status_code == 404
        listed = await c.get(f"/api/v1/companies/{company_id}/interactions", headers=auth)
        assert listed.json()["items"] == []
    kept = await Interaction.select(Interaction.deleted_at).where(Interaction.id == body["id"]).first()
    assert kept["deleted_at"] is not None  # kept for the audit trail


async def test_contacts_are_created_read_and_updated():
    _, auth = await bearer("biz@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        created = await c.post("/api/v1/contacts", headers=auth, json={
            "first_name": "Aino", "last_name": "Virtanen", "email": "AINO@Example.fi", "phone": "040 1234567",
            "roles": [{"company_id": company_id, "role": "CEO"}]})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["email"] == "aino@example.fi" and body["phone"] == "+358401234567"
        assert body["roles"][0]["company_name"] == "Kuplatech Oy"
        found = (await c.get("/api/v1/contacts", params={"q": "virta"}, headers=auth)).json()
        assert [(item["id"], item["companies"]) for item in found["items"]] == [(body["id"], ["Kuplatech Oy"])]
        changed = await c.patch(f"/api/v1/contacts/{body['id']}", headers=auth, json={"title": "Toimitusjohtaja"})
        assert changed.json()["title"] == "Toimitusjohtaja"
        bad = await c.post("/api/v1/contacts", headers=auth, json={"email": "not an address"})
        assert bad.status_code == 422 and "email" in bad.json()["errors"]


async def test_the_study_report_is_for_managers_and_admins():
    _, advisor = await bearer("biz@espoo.example")
    _, manager = await bearer("boss@espoo.example", role="manager")
    await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        assert (await c.get("/api/v1/reports/study", headers=advisor)).status_code == 403
        report = (await c.get("/api/v1/reports/study", headers=manager)).json()
        assert report["companies"] == 1 and report["served_by"]["0"] == 1 and "BIZ" in report["held_by"]
        wrong = await c.get("/api/v1/reports/study", params={"from": "31.2.2026"}, headers=manager)
        assert wrong.status_code == 422 and "from" in wrong.json()["errors"]


async def test_a_revoked_token_or_a_deactivated_user_stops_at_once():
    user_id, auth = await bearer("api@espoo.example")
    _, other = await bearer("other@espoo.example")
    async with client() as c:
        assert (await c.get("/api/v1/companies", headers=auth)).status_code == 200
        token_id = (await ApiToken.select(ApiToken.id).where(ApiToken.user == user_id).first())["id"]
        await tokens.revoke_token(token_id)
        assert (await c.get("/api/v1/companies", headers=auth)).status_code == 401
        assert (await c.get("/api/v1/companies", headers=other)).status_code == 200
        other_id = (await ApiToken.select(ApiToken.user).where(ApiToken.id != token_id).first())["user"]
        await deactivate_user(other_id, actor_id=None)
        assert (await c.get("/api/v1/companies", headers=other)).status_code == 401


async def test_the_token_is_stored_only_as_its_hash():
    user_id = await make_user("api@espoo.example")
    token_id, token = await tokens.create_token(user_id, "Power BI")
    row = await ApiToken.select().where(ApiToken.id == token_id).first()
    assert token not in str(row) and row["prefix"] == token[:12] and len(row["key"]) == 64
    assert [t["name"] for t in await tokens.list_tokens(user_id)] == ["Power BI"]


async def test_the_schema_describes_the_api_and_not_the_pages():
    async with client() as c:
        schema = (await c.get("/api/schema/openapi.json")).json()
        docs = await c.get("/api/docs")
    assert set(schema["paths"]) >= {"/api/v1/companies", "/api/v1/companies/{company_id}",
                                    "/api/v1/interactions", "/api/v1/reports/study"}
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert docs.status_code == 200 and "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in docs.text
    assert "<script>" not in docs.text  # no inline script: the CSP stays strict


async def test_each_token_has_its_own_rate_limit(monkeypatch):
    monkeypatch.setenv("CRM_API_RATE_LIMIT", "3")
    _, first = await bearer("one@espoo.example")
    _, second = await bearer("two@espoo.example")
    async with client() as c:
        answers = [(await c.get("/api/v1/companies", headers=first)).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = await c.get("/api/v1/companies", headers=first)
        assert limited.headers["content-type"].startswith(PROBLEM) and limited.json()["status"] == 429
        assert int(limited.headers["ratelimit-reset"]) <= 60  # when to try again
        assert (await c.get("/api/v1/companies", headers=second)).status_code == 200


def test_token_commands_make_list_and_revoke_a_token(db):
    import os
    import subprocess
    import sys

    def crm(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "crm", *args], capture_output=True, text=True,
                              env=dict(os.environ), timeout=300)

    made = subprocess.run([sys.executable, "-m", "crm", "user", "add", "bi@espoo.example", "--role", "manager",
                           "--department", "BIZ", "--password-stdin"], input="long password\n",
                          capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert made.returncode == 0, made.stderr
    added = crm("token", "add", "BI@espoo.example", "--name", "Power BI")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith("crm_") and "shown only now" in added.stderr
    listed = crm("token", "list")
    assert "bi@espoo.example" in listed.stdout and "Power BI" in listed.stdout and token not in listed.stdout
    assert "active" in listed.stdout
    token_id = listed.stdout.split("\t")[0].lstrip("#")
    assert crm("token", "revoke", token_id).returncode == 0
    assert "revoked" in crm("token", "list").stdout
    missing = crm("token", "add", "nobody@espoo.example", "--name", "x")
    assert missing.returncode == 1 and "nobody@espoo.example" in missing.stderr


async def test_profile_makes_a_token_shown_once_and_revokes_it_after_asking():
    import re

    from tests.webutil import csrf_from

    await make_user("self@espoo.example")
    other_id = await make_user("other@espoo.example")
    other_token_id, _ = await tokens.create_token(other_id, "theirs")
    async with client() as c:
        csrf = await login(c, "self@espoo.example")
        refused = await c.post("/profile/tokens", data={"name": " ", "_csrf_token": csrf})
        assert refused.status_code == 422
        made = await c.post("/profile/tokens", data={"name": "Power BI", "_csrf_token": csrf})
        assert made.status_code == 200 and "not shown again" in made.text
        token = re.search(r'value="(crm_[^"]+)"', made.text)[1]
        assert (await c.get("/api/v1/companies", headers={"Authorization": f"Bearer {token}"})).status_code == 200
        again = await c.get("/profile")
        assert token not in again.text and token[:12] in again.text and "Power BI" in again.text
        token_id = (await ApiToken.select(ApiToken.id).where(ApiToken.name == "Power BI").first())["id"]
        asked = await c.get(f"/profile/tokens/{token_id}/revoke")
        assert asked.status_code == 200 and "Power BI" in asked.text
        unconfirmed = await c.post(f"/profile/tokens/{token_id}/revoke", data={"_csrf_token": csrf_from(asked.text)})
        assert unconfirmed.status_code == 422
        assert (await c.get("/api/v1/companies", headers={"Authorization": f"Bearer {token}"})).status_code == 200
        revoked = await c.post(f"/profile/tokens/{token_id}/revoke", data={"confirmed": "yes", "_csrf_token": csrf},
                               follow_redirects=False)
        assert revoked.status_code == 303
        assert (await c.get("/api/v1/companies", headers={"Authorization": f"Bearer {token}"})).status_code == 401
        theirs = await c.post(f"/profile/tokens/{other_token_id}/revoke", data={"confirmed": "yes",
                                                                             "_csrf_token": csrf})
        assert theirs.status_code == 404  # another user's token is not yours to revoke
    assert (await ApiToken.select(ApiToken.revoked_at).where(ApiToken.id == other_token_id).first())[
        "revoked_at"] is None


async def test_a_search_with_control_characters_is_an_empty_or_plain_search():
    _, auth = await bearer("api@espoo.example")
    async with client() as c:
        for path in ("/api/v1/contacts", "/api/v1/companies"):
            response = await c.get(path, params={"q": "Í\x00\U000bba84\x9d"}, headers=auth)
            assert response.status_code == 200, (path, response.text[:300])
            assert response.json()["items"] == []
