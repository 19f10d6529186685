"""Admin pages: users (create, role and department, deactivate, reset password) and departments
(create, rename). Guards, CSRF, field errors, audit, escaping."""

from __future__ import annotations

import json
import re

import pytest

from crm.services.lookups import department_id_by_code
from crm.services.users import (
    ADMIN_PASSWORD_MIN_LENGTH,
    MIN_PASSWORD_LENGTH,
    create_user,
)
from crm.tables import AuditEvent, Department, User, WebSession
from tests.webutil import PASSWORD, client, csrf_from, login, make_user

pytestmark = pytest.mark.usefixtures("db")
HTML = {"Accept": "text/html"}
NEW_PASSWORD = "correct horse battery"


def admin_routes() -> list[tuple[str, str]]:
    """(method, path) of every route under /admin/users and /admin/departments, as the app has them."""
    from crm.app import create_app

    found = []
    for route in create_app().routes:
        if route.path.startswith(("/admin/users", "/admin/departments")):
            found += [(method, route.path) for method in sorted(route.methods) if method in ("GET", "POST")]
    return found


def concrete(path: str, user_id: int, department_id: int) -> str:
    return path.replace("{user_id:int}", str(user_id)).replace("{department_id:int}", str(department_id))


async def _events(action: str, entity: str) -> list[dict]:
    return await AuditEvent.select().where((AuditEvent.action == action) & (AuditEvent.entity == entity)).order_by(
        AuditEvent.id).output(load_json=True)


async def _snapshot() -> tuple:
    """What an admin action could change."""
    return (await User.select().order_by(User.id), await Department.select().order_by(Department.id),
            await AuditEvent.count().where(AuditEvent.action != "login"))


def test_every_admin_route_is_covered_by_the_guard_tests():
    routes = admin_routes()
    assert ("GET", "/admin/users") in routes and ("POST", "/admin/departments/{department_id:int}") in routes
    assert len([route for route in routes if route[0] == "POST"]) == 7


@pytest.mark.parametrize("role", ["advisor", "manager"])
async def test_advisors_and_managers_get_403_everywhere(role):
    target_id = await make_user("target@espoo.example")
    await make_user("someone@espoo.example", role=role)
    biz = await department_id_by_code("BIZ")
    before = await _snapshot()
    async with client() as c:
        token = await login(c, "someone@espoo.example")
        for method, path in admin_routes():
            url = concrete(path, target_id, biz)
            if method == "GET":
                response = await c.get(url, headers=HTML)
            else:
                response = await c.post(url, headers=HTML, data={
                    "_csrf_token": token, "email": "new@espoo.example", "role": "admin", "department": "TYO",
                    "password": NEW_PASSWORD, "code": "HACK", "name_fi": "x", "name_sv": "x", "name_en": "x"})
            assert response.status_code == 403, (method, url)
            assert "You do not have access to this page." in response.text
    assert await _snapshot() == before
    assert await WebSession.count().where(WebSession.user_id == target_id) == 0


async def test_admin_pages_need_a_session():
    async with client() as c:
        for method, path in admin_routes():
            if method == "GET":
                response = await c.get(concrete(path, 1, 1), headers=HTML, follow_redirects=False)
                assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/admin/")


async def test_admin_posts_without_csrf_token_are_refused():
    target_id = await make_user("target@espoo.example")
    await make_user("root@espoo.example", role="admin")
    biz = await department_id_by_code("BIZ")
    async with client() as c:
        await login(c, "target@espoo.example")
    before = await _snapshot()
    async with client() as c:
        await login(c, "root@espoo.example")
        for method, path in admin_routes():
            if method != "POST":
                continue
            url = concrete(path, target_id, biz)
            response = await c.post(url, headers=HTML, data={
                "email": "new@espoo.example", "role": "manager", "department": "TYO", "password": NEW_PASSWORD,
                "code": "FORGED", "name_fi": "x", "name_sv": "x", "name_en": "x"})
            assert response.status_code == 403, url
            forged_token = await c.post(url, headers=HTML, data={"_csrf_token": "forged", "role": "manager"})
            assert forged_token.status_code == 403, url
    assert await _snapshot() == before
    assert await WebSession.count().where(WebSession.user_id == target_id) == 1


async def test_admin_creates_a_user_who_can_log_in():
    admin_id = await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        form = await c.get("/admin/users/new")
        assert form.status_code == 200 and 'name="password"' in form.text and 'name="_csrf_token"' in form.text
        response = await c.post("/admin/users", data={
            "_csrf_token": token, "email": " Uusi.Neuvoja@Espoo.example ", "name": "Uusi Neuvoja", "role": "manager",
            "department": "tyo", "language": "sv", "password": NEW_PASSWORD}, follow_redirects=False)
        assert response.status_code == 303
        user = await User.select().where(User.email == "uusi.neuvoja@espoo.example").first()
        assert response.headers["location"] == f"/admin/users/{user['id']}?done=created"
        assert user["role"] == "manager" and user["language"] == "sv" and user["active"]
        assert user["department"] == await department_id_by_code("TYO")
        assert user["password_hash"].startswith("$argon2id$")
        page = await c.get(response.headers["location"])
        assert "The user was created." in page.text and "uusi.neuvoja@espoo.example" in page.text
        listing = (await c.get("/admin/users")).text
        row = listing[listing.index("uusi.neuvoja@espoo.example"):]
        row = row[:row.index("</tr>")]
        assert "Uusi Neuvoja" in row and "Manager" in row and "TYO" in row and "In use" in row
    event = (await _events("create", "user"))[-1]
    assert event["user"] == admin_id and event["entity_id"] == user["id"]
    assert event["changes"]["role"] == [None, "manager"] and event["changes"]["department"] == [None, "TYO"]
    assert NEW_PASSWORD not in json.dumps(event, default=str) and "argon2" not in json.dumps(event, default=str)
    async with client() as c:
        await login(c, "uusi.neuvoja@espoo.example", NEW_PASSWORD)
        assert (await c.get("/", headers=HTML, follow_redirects=False)).status_code == 200


async def test_create_user_errors_come_back_422_beside_their_fields():
    await make_user("root@espoo.example", role="admin")
    await make_user("taken@espoo.example")
    users_before = await User.count()
    async with client() as c:
        token = await login(c, "root@espoo.example")
        response = await c.post("/admin/users", data={
            "_csrf_token": token, "email": "not an address", "name": "Someone", "role": "advisor",
            "department": "NOPE", "language": "", "password": "x" * (ADMIN_PASSWORD_MIN_LENGTH - 1)})
        assert response.status_code == 422
        html = response.text
        for field in ("email", "department", "password"):
            assert f'id="e-{field}"' in html, field
        assert "Unknown department" in html and f"at least {ADMIN_PASSWORD_MIN_LENGTH} characters" in html
        assert 'value="Someone"' in html  # what was typed stays
        assert "x" * (ADMIN_PASSWORD_MIN_LENGTH - 1) not in html  # a password is never sent back
        empty = await c.post("/admin/users", data={"_csrf_token": token, "email": "", "role": "advisor",
                                                   "department": "", "password": ""})
        assert empty.status_code == 422
        for field in ("email", "department", "password"):
            assert f'id="e-{field}"' in empty.text, field
        assert "Department is required" in empty.text
        duplicate = await c.post("/admin/users", data={
            "_csrf_token": token, "email": "TAKEN@espoo.example", "role": "advisor", "department": "BIZ",
            "password": NEW_PASSWORD})
        assert duplicate.status_code == 422
        assert 'id="e-email"' in duplicate.text and "already exists" in duplicate.text
        bad_role = await c.post("/admin/users", data={"_csrf_token": token, "email": "new@espoo.example",
                                                      "role": "superuser", "department": "BIZ",
                                                      "password": NEW_PASSWORD})
        assert bad_role.status_code == 422 and 'id="e-role"' in bad_role.text
    assert await User.count() == users_before
    assert MIN_PASSWORD_LENGTH == 4  # the CLI and demo path keep their own limit
    await create_user(email="cli@espoo.example", role="advisor", department="BIZ", password="demo")


async def test_change_role_and_department_is_audited_old_to_new():
    admin_id = await make_user("root@espoo.example", role="admin")
    target_id = await make_user("aino@espoo.example", name="Aino")
    async with client() as target:
        await login(target, "aino@espoo.example")
        assert (await target.get("/admin/users", headers=HTML)).status_code == 403
        async with client() as c:
            token = await login(c, "root@espoo.example")
            page = await c.get(f"/admin/users/{target_id}")
            assert page.status_code == 200 and 'value="BIZ" selected' in page.text
            response = await c.post(f"/admin/users/{target_id}", data={
                "_csrf_token": token, "name": "Aino Virtanen", "role": "admin", "department": "TYO", "language": "en"},
                follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"] == f"/admin/users/{target_id}?done=updated"
        # the change applies to the running session at once
        assert (await target.get("/admin/users", headers=HTML)).status_code == 200
    user = await User.select().where(User.id == target_id).first()
    assert user["role"] == "admin" and user["name"] == "Aino Virtanen"
    assert user["department"] == await department_id_by_code("TYO")
    [event] = await _events("update", "user")
    assert event["user"] == admin_id and event["entity_id"] == target_id
    assert event["changes"] == {"role": ["advisor", "admin"], "department": ["BIZ", "TYO"],
                                "name": ["Aino", "Aino Virtanen"]}


async def test_update_user_errors_and_unchanged_saves():
    await make_user("root@espoo.example", role="admin")
    target_id = await make_user("aino@espoo.example", name="Aino")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        bad = await c.post(f"/admin/users/{target_id}", data={
            "_csrf_token": token, "name": "Aino", "role": "boss", "department": "NOPE", "language": "de"})
        assert bad.status_code == 422
        for field in ("role", "department", "language"):
            assert f'id="e-{field}"' in bad.text, field
        same = await c.post(f"/admin/users/{target_id}", data={
            "_csrf_token": token, "name": "Aino", "role": "advisor", "department": "BIZ", "language": "en"},
            follow_redirects=False)
        assert same.status_code == 303
        assert (await c.get("/admin/users/9999", headers=HTML)).status_code == 404
        assert (await c.post("/admin/users/9999", data={"_csrf_token": token, "name": "x", "role": "advisor",
                                                        "department": "BIZ", "language": ""},
                             headers=HTML)).status_code == 404
    assert await _events("update", "user") == []  # nothing changed, nothing recorded


async def test_update_user_changes_only_the_fields_given():
    from crm.services.users import update_user

    admin_id = await make_user("root@espoo.example", role="admin")
    target_id = await make_user("aino@espoo.example", name="Aino")
    assert await update_user(target_id, role="manager", actor_id=admin_id) == {"role": ["advisor", "manager"]}
    user = await User.select().where(User.id == target_id).first()
    assert user["name"] == "Aino" and user["language"] == "en"
    assert user["department"] == await department_id_by_code("BIZ")
    assert await update_user(target_id, department=" biz ", actor_id=admin_id) == {}


async def test_admin_cannot_remove_their_own_admin_role():
    admin_id = await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        response = await c.post(f"/admin/users/{admin_id}", data={
            "_csrf_token": token, "name": "Root", "role": "manager", "department": "BIZ", "language": "en"})
        assert response.status_code == 422
        assert 'id="e-role"' in response.text and "You cannot remove your own admin role" in response.text
        assert (await c.get("/admin/users")).status_code == 200
    assert (await User.select(User.role).where(User.id == admin_id).first())["role"] == "admin"


async def test_deactivate_ends_the_users_sessions_and_login():
    admin_id = await make_user("root@espoo.example", role="admin")
    target_id = await make_user("aino@espoo.example")
    async with client() as target:
        await login(target, "aino@espoo.example")
        assert (await target.get("/", headers=HTML, follow_redirects=False)).status_code == 200
        async with client() as c:
            token = await login(c, "root@espoo.example")
            asked = await c.get(f"/admin/users/{target_id}/deactivate")
            assert asked.status_code == 200 and "Deactivate Aino?" in asked.text
            unconfirmed = await c.post(f"/admin/users/{target_id}/deactivate", data={"_csrf_token": token})
            assert unconfirmed.status_code == 422 and 'id="e-confirmed"' in unconfirmed.text
            assert (await User.select(User.active).where(User.id == target_id).first())["active"] is True
            response = await c.post(f"/admin/users/{target_id}/deactivate",
                                    data={"confirmed": "yes", "_csrf_token": token}, follow_redirects=False)
            assert response.status_code == 303
            page = (await c.get(response.headers["location"])).text
            assert "Deactivated" in page and "Reactivate user" in page
            listing = (await c.get("/admin/users", params={"status": "inactive"})).text
            assert "aino@espoo.example" in listing and "root@espoo.example" not in listing
        assert await WebSession.count().where(WebSession.user_id == target_id) == 0
        next_request = await target.get("/companies", headers=HTML, follow_redirects=False)
        assert next_request.status_code == 303 and next_request.headers["location"] == "/login?next=/companies"
    async with client() as c:
        token = csrf_from((await c.get("/login")).text)
        refused = await c.post("/login", data={"email": "aino@espoo.example", "password": PASSWORD,
                                               "_csrf_token": token})
        assert refused.status_code == 422
    [event] = await _events("update", "user")
    assert event["user"] == admin_id and event["entity_id"] == target_id
    assert event["changes"] == {"active": [True, False]}

    async with client() as c:
        token = await login(c, "root@espoo.example")
        response = await c.post(f"/admin/users/{target_id}/reactivate", data={"_csrf_token": token},
                                follow_redirects=False)
        assert response.status_code == 303
    assert (await _events("update", "user"))[-1]["changes"] == {"active": [False, True]}
    async with client() as c:
        await login(c, "aino@espoo.example")


async def test_admin_cannot_deactivate_themselves():
    admin_id = await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        own = (await c.get(f"/admin/users/{admin_id}")).text
        assert "Deactivate user" not in own and f"/admin/users/{admin_id}/deactivate" not in own
        asked = await c.get(f"/admin/users/{admin_id}/deactivate")
        assert asked.status_code == 422 and "You cannot deactivate your own account" in asked.text
        response = await c.post(f"/admin/users/{admin_id}/deactivate", data={"confirmed": "yes",
                                                                           "_csrf_token": token})
        assert response.status_code == 422
        assert 'id="e-active"' in response.text and "You cannot deactivate your own account" in response.text
        assert (await c.get("/admin/users", follow_redirects=False)).status_code == 200
    assert (await User.select(User.active).where(User.id == admin_id).first())["active"] is True
    assert await _events("update", "user") == []


async def test_reset_password_ends_sessions_and_is_audited_without_the_password():
    admin_id = await make_user("root@espoo.example", role="admin")
    target_id = await make_user("aino@espoo.example")
    async with client() as target:
        await login(target, "aino@espoo.example")
        async with client() as c:
            token = await login(c, "root@espoo.example")
            short = await c.post(f"/admin/users/{target_id}/password",
                                 data={"_csrf_token": token, "password": "short-pass"})
            assert short.status_code == 422 and 'id="e-password"' in short.text
            assert await WebSession.count().where(WebSession.user_id == target_id) == 1
            response = await c.post(f"/admin/users/{target_id}/password",
                                    data={"_csrf_token": token, "password": NEW_PASSWORD}, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"] == f"/admin/users/{target_id}?done=password"
            assert "The password was changed" in (await c.get(response.headers["location"])).text
        assert (await target.get("/", headers=HTML, follow_redirects=False)).status_code == 303
    async with client() as c:
        token = csrf_from((await c.get("/login")).text)
        old = await c.post("/login", data={"email": "aino@espoo.example", "password": PASSWORD, "_csrf_token": token})
        assert old.status_code == 422
        await login(c, "aino@espoo.example", NEW_PASSWORD)
    [event] = await _events("reset_password", "user")
    assert event["user"] == admin_id and event["entity_id"] == target_id
    stored_hash = (await User.select(User.password_hash).where(User.id == target_id).first())["password_hash"]
    text = json.dumps(event, default=str)
    assert NEW_PASSWORD not in text and stored_hash not in text and "argon2" not in text
    assert "password" not in json.dumps(event["changes"])


async def test_user_list_is_ordered_paginated_and_filtered():
    await make_user("root@espoo.example", role="admin")
    for number in range(52):
        await create_user(email=f"user{number:02d}@espoo.example", role="advisor",
                          department="TYO" if number % 2 else "BIZ")
    async with client() as c:
        await login(c, "root@espoo.example")
        first = (await c.get("/admin/users")).text
        emails = re.findall(r'>([\w.]+@espoo\.example)</a>', first)
        assert emails == sorted(emails) and len(emails) == 50
        assert 'rel="next"' in first
        second = (await c.get("/admin/users", params={"page": 2})).text
        assert len(re.findall(r'>([\w.]+@espoo\.example)</a>', second)) == 3
        admins = (await c.get("/admin/users", params={"role": "admin"})).text
        assert "root@espoo.example" in admins and "user00@" not in admins
        tyo = (await c.get("/admin/users", params={"department": "tyo"})).text
        assert "user01@" in tyo and "user00@" not in tyo
        ignored = await c.get("/admin/users", params={"role": "nonsense", "status": "x", "page": "x"})
        assert ignored.status_code == 200


async def test_hostile_user_name_is_escaped():
    await make_user("root@espoo.example", role="admin")
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    async with client() as c:
        token = await login(c, "root@espoo.example")
        response = await c.post("/admin/users", data={
            "_csrf_token": token, "email": "evil@espoo.example", "name": hostile, "role": "advisor",
            "department": "BIZ", "password": NEW_PASSWORD}, follow_redirects=False)
        assert response.status_code == 303
        user_id = (await User.select(User.id).where(User.email == "evil@espoo.example").first())["id"]
        assert (await User.select(User.name).where(User.id == user_id).first())["name"] == hostile
        for path in ("/admin/users", f"/admin/users/{user_id}"):
            html = (await c.get(path)).text
            assert "<script>alert" not in html and "<img src=x" not in html, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        failed = await c.post("/admin/users", data={"_csrf_token": token, "email": "bad", "name": hostile,
                                                    "role": "advisor", "department": "BIZ", "password": ""})
        assert failed.status_code == 422 and "<script>alert" not in failed.text and "<img src=x" not in failed.text


async def test_departments_create_and_rename_are_audited():
    admin_id = await make_user("root@espoo.example", role="admin")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        listing = (await c.get("/admin/departments")).text
        assert "Business Espoo" in listing and "Sysselsättning Esbo" in listing
        assert (await c.get("/admin/departments/new")).status_code == 200
        response = await c.post("/admin/departments", data={
            "_csrf_token": token, "code": " new_unit2 ", "name_fi": "Uusi yksikkö", "name_sv": "Ny enhet",
            "name_en": "New unit"}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/admin/departments"
        created = await Department.select().where(Department.code == "NEW_UNIT2").first()
        assert created["name_sv"] == "Ny enhet"
        assert "Uusi yksikkö" in (await c.get("/admin/departments")).text
        edit = await c.get(f"/admin/departments/{created['id']}/edit")
        assert edit.status_code == 200 and 'value="Ny enhet"' in edit.text
        renamed = await c.post(f"/admin/departments/{created['id']}", data={
            "_csrf_token": token, "code": "CHANGED", "name_fi": "Uusi yksikkö", "name_sv": "Ny avdelning",
            "name_en": "New department"}, follow_redirects=False)
        assert renamed.status_code == 303
        # a new department can be chosen for a user at once
        assert 'value="NEW_UNIT2"' in (await c.get("/admin/users/new")).text
        assert (await c.get("/admin/departments/9999/edit", headers=HTML)).status_code == 404
    row = await Department.select().where(Department.id == created["id"]).first()
    assert row["code"] == "NEW_UNIT2" and row["name_sv"] == "Ny avdelning" and row["name_en"] == "New department"
    [create] = await _events("create", "department")
    assert create["user"] == admin_id and create["changes"]["code"] == [None, "NEW_UNIT2"]
    [update] = await _events("update", "department")
    assert update["user"] == admin_id and update["entity_id"] == created["id"]
    assert update["changes"] == {"name_sv": ["Ny enhet", "Ny avdelning"], "name_en": ["New unit", "New department"]}


@pytest.mark.parametrize("code", ["B", "BAD-CODE", "X" * 21, "ÄÄK", "TWO WORDS", "biz", ""])
async def test_department_code_errors_are_422(code):
    await make_user("root@espoo.example", role="admin")
    count = await Department.count()
    async with client() as c:
        token = await login(c, "root@espoo.example")
        response = await c.post("/admin/departments", data={
            "_csrf_token": token, "code": code, "name_fi": "Nimi", "name_sv": "Namn", "name_en": "Name"})
        assert response.status_code == 422
        assert 'id="e-code"' in response.text
        assert ("already exists" in response.text) == (code == "biz")
    assert await Department.count() == count
    assert await _events("create", "department") == []


async def test_department_names_are_required_and_limited():
    await make_user("root@espoo.example", role="admin")
    biz = await department_id_by_code("BIZ")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        response = await c.post(f"/admin/departments/{biz}", data={
            "_csrf_token": token, "name_fi": "", "name_sv": "x" * 201, "name_en": "<b>Business</b>"})
        assert response.status_code == 422
        assert 'id="e-name_fi"' in response.text and 'id="e-name_sv"' in response.text
        assert 'id="e-name_en"' not in response.text and "&lt;b&gt;Business&lt;/b&gt;" in response.text
    assert (await Department.select().where(Department.id == biz).first())["name_fi"] == "Business Espoo"
    assert await _events("update", "department") == []
