"""The company and contact lists in Finnish and Swedish order (Å Ä Ö after Z), sorted by a column
header's link (issue 12): the order in the URL with the filters and the page, aria-sort on the
header, the export in the same order, an unknown order the default one; each order an index serves."""

from __future__ import annotations

import csv
import io
import re

import pytest

from crm import db
from crm.domain.sorting import COMPANY_SORTS, Sort, parse_sort
from crm.services import reads
from crm.services.companies import create_company
from crm.services.contacts import create_contact
from tests.webutil import client, login, make_user

HTML = {"Accept": "text/html"}
PEOPLE = [("Öhman", "Olli"), ("Zyskowicz", "Ben"), ("Äijä", "Aino"), ("Åberg", "Lars"), ("Zetterberg", "Eva"),
          ("Aalto", "Alvar"), ("Müller", "Max"), ("Myllymäki", "Mia"), ("Virtanen", "Ville"), ("Virtanen", "Anna"),
          ("", "Madonna")]
EXPECTED_PEOPLE = ["Alvar Aalto", "Madonna", "Max Müller", "Mia Myllymäki", "Anna Virtanen", "Ville Virtanen",
                   "Eva Zetterberg", "Ben Zyskowicz", "Lars Åberg", "Aino Äijä", "Olli Öhman"]


def test_a_sort_from_the_url_is_one_offered_or_the_default():
    assert parse_sort("postal_code", COMPANY_SORTS) == Sort("postal_code")
    assert parse_sort("-name", COMPANY_SORTS) == Sort("name", descending=True)
    for hostile in (None, "", "-", "--name", "name; DROP TABLE company", "id", ["name"], "-business_id"):
        assert parse_sort(hostile, COMPANY_SORTS) == Sort("name"), hostile
    assert Sort("name").link("name") == "-name" and Sort("name", True).link("name") == "name"
    assert Sort("name", True).link("postal_code") == "postal_code"
    assert Sort("name").aria("name") == "ascending" and Sort("name").aria("postal_code") is None


async def _people() -> list[int]:
    return [await create_contact({"first_name": first, "last_name": last,
                                  "email": f"{first.lower()}.{last.lower() or 'x'}@example.fi"})
            for last, first in PEOPLE]


def _names(page) -> list[str]:
    return [f"{row['first_name']} {row['last_name']}".strip() for row in page.rows]


@pytest.mark.usefixtures("db")
async def test_contacts_are_in_finnish_and_swedish_order():
    await _people()
    assert _names(await reads.search_contacts()) == EXPECTED_PEOPLE
    assert _names(await reads.search_contacts(sort="-name")) == EXPECTED_PEOPLE[::-1]
    assert _names(await reads.search_contacts(sort="nonsense")) == EXPECTED_PEOPLE
    assert _names(await reads.search_contacts(query="virtanen")) == ["Anna Virtanen", "Ville Virtanen"]


@pytest.mark.usefixtures("db")
async def test_a_renamed_contact_moves_in_the_order():
    from crm.services.contacts import update_contact

    ids = await _people()
    await update_contact(ids[5], {"first_name": "Alvar", "last_name": "Österberg", "email": "alvar.aalto@example.fi"})
    names = _names(await reads.search_contacts())
    assert names[0] == "Madonna" and names[-2:] == ["Olli Öhman", "Alvar Österberg"]


@pytest.mark.usefixtures("db")
async def test_a_companys_people_current_first_in_name_order():
    company_id = await create_company({"name": "Kuplatech Oy", "postal_code": "02150", "city": "Espoo"})
    for last, first in (("Öhman", "Olli"), ("Äijä", "Aino"), ("Zyskowicz", "Ben"), ("Aalto", "Alvar")):
        await create_contact({"first_name": first, "last_name": last}, roles=[{"company_id": company_id}])
    await create_contact({"first_name": "Eero", "last_name": "Entinen"},
                         roles=[{"company_id": company_id, "start_date": "2020-01-01", "end_date": "2021-01-01"}])
    people = [row["contact.last_name"] for row in await reads.company_contacts(company_id)]
    assert people == ["Aalto", "Zyskowicz", "Äijä", "Öhman", "Entinen"]


async def _companies() -> None:
    for name, postal_code in (("Öljy Oy", "02100"), ("Zeta Oy", "00100"), ("Äijän Kahvila Ky", "02100"),
                              ("Åbo Ab", "00100"), ("Alfa Oy", "02150"), ("Beta Oy", "02100")):
        await create_company({"name": name, "postal_code": postal_code, "city": "Espoo"})


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/companies/\d+">([^<]+)</a>', body)


@pytest.mark.usefixtures("db")
async def test_the_company_list_sorted_by_each_header():
    await _companies()
    await make_user("aino@espoo.example")
    by_name = ["Alfa Oy", "Beta Oy", "Zeta Oy", "Åbo Ab", "Äijän Kahvila Ky", "Öljy Oy"]
    by_postal_code = ["Zeta Oy", "Åbo Ab", "Beta Oy", "Äijän Kahvila Ky", "Öljy Oy", "Alfa Oy"]
    async with client() as c:
        await login(c, "aino@espoo.example")
        default = (await c.get("/companies")).text
        assert _rows(default) == by_name
        assert '<th scope="col" class="sortable" aria-sort="ascending"><a href="/companies?sort=-name">' in default
        assert '<a href="/companies?sort=postal_code">' in default and default.count("aria-sort=") == 1
        assert _rows((await c.get("/companies?sort=-name")).text) == by_name[::-1]
        postal = (await c.get("/companies?sort=postal_code")).text
        assert _rows(postal) == by_postal_code and 'aria-sort="ascending"><a href="/companies?sort=-postal_code">' in postal
        backwards = (await c.get("/companies?sort=-postal_code")).text
        assert _rows(backwards) == by_postal_code[::-1] and 'aria-sort="descending"' in backwards
        for hostile in ("id", "-", "name%3BDROP", "%00", "-" * 500):
            response = await c.get(f"/companies?sort={hostile}")
            assert response.status_code == 200 and _rows(response.text) == by_name, hostile
        filtered = (await c.get("/companies?postal_code=02100&sort=-name")).text.replace("&amp;", "&")
        assert _rows(filtered) == ["Öljy Oy", "Äijän Kahvila Ky", "Beta Oy"]
        # the header links keep the filters; the form keeps the order when a filter changes
        assert '<a href="/companies?postal_code=02100&sort=name">' in filtered
        assert '<input type="hidden" name="sort" value="-name">' in filtered


@pytest.mark.usefixtures("db")
async def test_the_order_is_kept_across_pages(monkeypatch):
    monkeypatch.setattr(reads, "PER_PAGE", 2)
    import crm.web.companies as web_companies

    monkeypatch.setattr(web_companies.reads, "PER_PAGE", 2)
    await _companies()
    await make_user("aino@espoo.example")
    async with client() as c:
        await login(c, "aino@espoo.example")
        seen = []
        url = "/companies?sort=-postal_code"
        while url:
            html = (await c.get(url)).text
            seen += _rows(html)
            found = re.search(r'<a href="([^"]+)" rel="next">', html)
            url = found.group(1).replace("&amp;", "&") if found else ""
            if url:
                assert "sort=-postal_code" in url
        assert seen == ["Alfa Oy", "Öljy Oy", "Äijän Kahvila Ky", "Beta Oy", "Åbo Ab", "Zeta Oy"]


@pytest.mark.usefixtures("db")
async def test_the_export_follows_the_lists_order():
    await _companies()
    await make_user("maija@espoo.example", role="manager")
    async with client() as c:
        await login(c, "maija@espoo.example")
        response = await c.get("/companies/export.csv", params={"sort": "-postal_code", "postal_code": "02100"})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))[1:]
        assert [row[1] for row in rows] == ["Öljy Oy", "Äijän Kahvila Ky", "Beta Oy"]
        default = await c.get("/companies/export.csv", params={"sort": "bogus"})
        names = [row[1] for row in csv.reader(io.StringIO(default.content.decode("utf-8-sig")), delimiter=";")][1:]
        assert names == ["Alfa Oy", "Beta Oy", "Zeta Oy", "Åbo Ab", "Äijän Kahvila Ky", "Öljy Oy"]


@pytest.mark.usefixtures("db")
async def test_the_contact_list_page_sorted_both_ways(monkeypatch):
    await _people()
    await make_user("aino@espoo.example")
    async with client() as c:
        await login(c, "aino@espoo.example")
        html = (await c.get("/contacts")).text
        names = re.findall(r'<a href="/contacts/\d+">([^<]+)</a>', html)
        assert [" ".join(name.split()) for name in names] == EXPECTED_PEOPLE
        assert 'aria-sort="ascending"><a href="/contacts?sort=-name">' in html
        backwards = (await c.get("/contacts?q=virtanen&sort=-name")).text.replace("&amp;", "&")
        names = re.findall(r'<a href="/contacts/\d+">([^<]+)</a>', backwards)
        assert names == ["Ville Virtanen", "Anna Virtanen"] and 'aria-sort="descending"' in backwards
        assert '<a href="/contacts?q=virtanen&sort=name">' in backwards
        assert (await c.get("/contacts?sort=%27")).status_code == 200


@pytest.mark.usefixtures("db")
async def test_each_order_is_read_from_an_index(engine_name):
    """The orders the lists offer read an index, not a sort of every row (a million companies)."""
    for sort in ("name", "-name", "postal_code", "-postal_code"):
        columns = reads.COMPANY_ORDERS[sort.lstrip("-")]
        direction = " DESC" if sort.startswith("-") else ""
        order = ", ".join(column + direction for column in columns)
        plan = await _plan(engine_name, f"SELECT company.id FROM company ORDER BY {order} LIMIT 26")
        assert ("company_name_order" if sort.lstrip("-") == "name" else "company_postal_code_order") in plan, plan
        assert "TEMP B-TREE" not in plan.upper() and "Sort " not in plan, plan
    plan = await _plan(engine_name, "SELECT contact.id FROM contact WHERE contact.erased_at IS NULL "
                                    "ORDER BY contact.name_order DESC, contact.id DESC LIMIT 26")
    assert "contact_name_order" in plan and "TEMP B-TREE" not in plan.upper(), plan


async def _plan(engine_name: str, sql: str) -> str:
    if engine_name == "sqlite":
        rows = await db.engine().run_ddl("EXPLAIN QUERY PLAN " + sql)
        return " ".join(str(row["detail"]) for row in rows)
    async with db.engine().transaction():  # an almost empty table: ask whether the index can serve
        await db.engine().run_ddl("SET LOCAL enable_seqscan = off")
        await db.engine().run_ddl("SET LOCAL enable_sort = off")
        rows = await db.engine().run_ddl("EXPLAIN " + sql)
    return " ".join(str(row["QUERY PLAN"]) for row in rows)
