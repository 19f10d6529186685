"""Record history and the audit log read as the user's language (issue 12): no internal field,
record or action names, no "True → False", one record type per kind in the filter."""

from __future__ import annotations

import re

import pytest

from crm.services.companies import create_company, update_company
from crm.services.users import create_user, deactivate_user
from tests.webutil import PASSWORD, client, login

pytestmark = pytest.mark.usefixtures("db")

RAW = ("size_class", "business_id", "postal_code", ">update<", ">create<", "True", "False", "login_failed",
       "{'", "[]")


@pytest.mark.parametrize("language, words", [
    ("fi", ["Kokoluokka", "Muutettu", "Toiminnassa", "Kyllä", "Ei", "Epäonnistunut kirjautuminen"]),
    ("sv", ["Storleksklass", "Ändrad", "Ja", "Nej"]),
    ("en", ["Size class", "Changed", "Yes", "No", "Failed login"]),
])
async def test_history_and_audit_log_show_labels_not_internal_names(language, words):
    admin = await create_user(email="root@espoo.example", name="Root", role="admin", department="BIZ",
                              password=PASSWORD, language=language)
    target = await create_user(email="aino@espoo.example", name="Aino", role="advisor", department="BIZ",
                               password=PASSWORD, language="fi")
    company_id = await create_company({"name": "Kuplatech Oy", "business_id": "3159033-0"}, actor_id=admin)
    await update_company(company_id, {"size_class": "10-49", "postal_code": "02150"}, actor_id=admin)
    await deactivate_user(target, actor_id=admin)
    async with client() as c:
        await login(c, "root@espoo.example")
        await c.post("/login", data={"email": "nobody@espoo.example", "password": "x"})  # a failed login
        history = (await c.get(f"/companies/{company_id}/history")).text
        log = (await c.get("/admin/audit")).text
        only_users = (await c.get("/admin/audit", params={"entity": "user"})).text
    body = history[history.index("<main"):] + log[log.index("<main"):]
    shown = re.sub(r'(value|name|id|for|href|class)="[^"]*"', "", body)  # what a reader sees, not attributes
    for raw in RAW:
        assert raw not in shown, raw
    for word in words:
        assert word in body, word
    assert 'value="companies"' not in log and 'value="company"' in log
    assert "aino@espoo.example" not in only_users.split("<tbody>")[0]  # the filter still works
    assert only_users.count("<tr>") >= 2
