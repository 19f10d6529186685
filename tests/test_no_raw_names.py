"""No page shows an internal field name where a reader reads (issue 12): every page a user of each
role reaches in daily work, in Finnish and Swedish, holds none of the record fields' internal names
(business_id, size_class, follow_up_date ...) outside attributes, scripts and styles.
The import pages are checked by their own issue's tests."""

from __future__ import annotations

import re

import pytest

from crm.domain import labels
from crm.services.companies import create_company, update_company
from crm.services.contacts import create_contact
from crm.services.interactions import create_interaction
from crm.services.lookups import department_id_by_code
from crm.services.users import create_user
from tests.webutil import PASSWORD, client, login

pytestmark = pytest.mark.usefixtures("db")

RAW = sorted(name for name in labels.FIELDS if "_" in name)  # a label with no underscore may be a word


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<[^>]*>", " ", html)  # tags and their attributes
    return html


@pytest.mark.parametrize("language", ["fi", "sv"])
async def test_no_page_shows_an_internal_field_name(language):
    admin = await create_user(email="root@espoo.example", name="Root", role="admin", department="BIZ",
                              password=PASSWORD, language=language)
    company_id = await create_company({"name": "Kuplatech Oy", "business_id": "3159033-0", "postal_code": "02150",
                                       "industry_code": "62010"}, actor_id=admin)
    await update_company(company_id, {"size_class": "10-49", "website": "https://kupla.example"}, actor_id=admin)
    contact_id = await create_contact({"first_name": "Eero", "last_name": "Esimerkki", "email": "eero@kupla.example"},
                                      roles=[{"company_id": company_id, "role": "CEO"}], actor_id=admin)
    interaction_id = await create_interaction(
        {"date": "2026-03-02", "kind": "meeting", "subject": "Growth", "follow_up_date": "2026-03-20"},
        company_id=company_id, department_id=await department_id_by_code("BIZ"), advisor_id=admin,
        contact_ids=[contact_id], actor_id=admin)
    pages = ["/", "/companies", "/companies?q=kupla", f"/companies/{company_id}", f"/companies/{company_id}/edit",
             f"/companies/{company_id}/history", "/companies/new", f"/companies/{company_id}/interactions/new",
             f"/interactions/{interaction_id}/edit", f"/interactions/{interaction_id}/delete", "/interactions/new",
             "/contacts", "/contacts?q=eero", f"/contacts/{contact_id}", f"/contacts/{contact_id}/edit",
             f"/contacts/{contact_id}/history", "/contacts/new", "/profile", "/admin/users",
             f"/admin/users/{admin}", "/admin/audit", "/reports"]
    found = {}
    async with client() as c:
        await login(c, "root@espoo.example")
        for path in pages:
            response = await c.get(path)
            assert response.status_code == 200, path
            text = _visible(response.text)
            shown = [name for name in RAW if re.search(rf"(?<![\w/.-]){name}(?![\w-])", text)]
            if shown:
                found[path] = shown
    assert found == {}
