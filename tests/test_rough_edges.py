"""Rough edges of daily use (issue 12): list totals and a page past the end, timeline filters kept
in the address bar, the advisor choice grouped by department (own first, no code doubled)."""

from __future__ import annotations

import pytest

from crm.services.companies import create_company
from crm.services.contacts import create_contact
from crm.services.lookups import department_id_by_code
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")


async def test_lists_say_how_many_match_and_a_page_past_the_end_says_so():
    await make_user("aino@espoo.example")
    for number in range(30):
        await create_company({"name": f"Kupla {number:02} Oy"})
    await create_company({"name": "Other Oy"})
    for number in range(3):
        await create_contact({"first_name": "Eero", "last_name": f"Esimerkki {number}"})
    async with client() as c:
        await login(c, "aino@espoo.example")
        first = (await c.get("/companies", params={"q": "kupla"})).text
        assert "30 results" in first and "Page 1 of 2" in first
        last = (await c.get("/companies", params={"q": "kupla", "page": "2"})).text
        assert "Page 2 of 2" in last and "Kupla 29 Oy" in last
        beyond = (await c.get("/companies", params={"q": "kupla", "page": "999"})).text
        assert "Page 999 is past the end of the list." in beyond and "No company matches" not in beyond
        assert "q=kupla&page=2" in beyond  # a link to the last page
        assert "1 result" in (await c.get("/companies", params={"q": "other"})).text
        people = (await c.get("/contacts", params={"q": "eero"})).text
        assert "3 results" in people
        assert "past the end" in (await c.get("/contacts", params={"page": "5"})).text
        assert "past the end" in (await c.get("/companies", params={"page": str(2**31 - 1)})).text


async def test_timeline_filters_stay_in_the_address_bar():
    await make_user("aino@espoo.example")
    company_id = await create_company({"name": "Kuplatech Oy"})
    biz = await department_id_by_code("BIZ")
    async with client() as c:
        await login(c, "aino@espoo.example")
        response = await c.get(f"/companies/{company_id}/timeline",
                               params={"department": str(biz), "kind": "call", "from": "2026-01-01", "to": "",
                                       "evil": "<x>"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response.headers["hx-push-url"] == f"/companies/{company_id}?department={biz}&kind=call&from=2026-01-01"
        page = (await c.get(response.headers["hx-push-url"])).text  # the pushed address shows the same filters
        assert f'<option value="{biz}" selected>' in page and 'value="2026-01-01"' in page


async def test_the_advisor_choice_lists_the_own_department_first_without_doubled_codes():
    await make_user("aino@espoo.example", name="Aino (BIZ)")
    await make_user("tyo@espoo.example", name="Tyyne Työ", department="TYO")
    await make_user("hello@espoo.example", name="Helle", department="HELLO")
    company_id = await create_company({"name": "Kuplatech Oy"})
    async with client() as c:
        await login(c, "tyo@espoo.example")
        form = (await c.get(f"/companies/{company_id}/interactions/new")).text
    groups = [part.split('"')[0] for part in form.split('<optgroup label="')[1:]]
    assert groups[0] == "Employment Espoo" and set(groups) == {"Employment Espoo", "Business Espoo", "Hello Espoo"}
    assert "(BIZ) (BIZ)" not in form and "Tyyne Työ (TYO)" not in form


async def test_company_names_in_finnish_and_swedish_order():
    await make_user("aino@espoo.example")
    for name in ("Öljy Oy", "Äijän Kahvila Ky", "Zeta Oy", "Åke Ab", "aalto oy", "Avanti Oy", "Ödemark Ab"):
        await create_company({"name": name})
    async with client() as c:
        await login(c, "aino@espoo.example")
        html = (await c.get("/companies")).text
    order = ["aalto oy", "Avanti Oy", "Zeta Oy", "Åke Ab", "Äijän Kahvila Ky", "Ödemark Ab", "Öljy Oy"]
    assert sorted(order, key=html.index) == order
