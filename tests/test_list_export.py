"""The company list exported as filtered (issue 12): managers and admins only, CSV for Finnish Excel
(BOM, ';') or XLSX, no cell a spreadsheet would run, logged as a disclosure."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from crm.services.companies import create_company
from crm.tables import AuditEvent
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")

HTML = {"Accept": "text/html"}


async def _companies() -> None:
    await create_company({"name": "Kuplatech Oy", "business_id": "3159033-0", "postal_code": "02150",
                          "city": "Espoo"})
    await create_company({"name": "=HYPERLINK(\"http://evil\")", "postal_code": "02150", "city": "@SUM(1)"})
    await create_company({"name": "Äijän Kahvila Ky", "postal_code": "00100", "city": "Helsinki",
                          "status": "ceased"})


@pytest.mark.parametrize("role, allowed", [("advisor", False), ("manager", True), ("admin", True)])
async def test_only_managers_and_admins_export_the_list(role, allowed):
    await _companies()
    await make_user("user@espoo.example", role=role)
    async with client() as c:
        await login(c, "user@espoo.example")
        page = (await c.get("/companies")).text
        assert ('formaction="/companies/export.csv"' in page) is allowed
        for suffix in ("csv", "xlsx"):
            response = await c.get(f"/companies/export.{suffix}", headers=HTML)
            assert response.status_code == (200 if allowed else 403), suffix
    assert await AuditEvent.count().where(AuditEvent.action == "export") == (2 if allowed else 0)


async def test_the_csv_is_the_list_as_filtered_for_finnish_excel():
    await _companies()
    user_id = await make_user("maija@espoo.example", role="manager")
    async with client() as c:
        await login(c, "maija@espoo.example")
        response = await c.get("/companies/export.csv", params={"postal_code": "02150"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="companies.csv"' in response.headers["content-disposition"]
        assert response.content.startswith(b"\xef\xbb\xbf")
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines[0].split(";")[:3] == ["Business ID", "Company name", "Postal code"]
        assert len(lines) == 3 and "Äijän" not in response.text  # the filter holds
        assert any(line.startswith("3159033-0;Kuplatech Oy;02150;Espoo") for line in lines)
        evil = next(line for line in lines if "HYPERLINK" in line)
        assert "'=HYPERLINK" in evil and "'@SUM(1)" in evil
        everything = await c.get("/companies/export.csv")
        assert "Äijän Kahvila Ky" in everything.content.decode("utf-8-sig") and "Ceased" in everything.text
    [event] = await AuditEvent.select().where(AuditEvent.action == "export").order_by(AuditEvent.id).limit(1
                                                                                                    ).output(load_json=True)
    assert event["user"] == user_id and event["entity"] == "company" and event["entity_id"] is None
    assert event["changes"]["rows"] == [None, 2] and event["changes"]["filters"] == [None, {"postal_code": "02150"}]


async def test_the_xlsx_in_finnish_with_a_search_and_no_formulas():
    await _companies()
    from crm.services.users import create_user

    await create_user(email="fi@espoo.example", name="Fi", role="admin", department="BIZ",
                      password="pass-word-1", language="fi")
    async with client() as c:
        await login(c, "fi@espoo.example")
        response = await c.get("/companies/export.xlsx", params={"q": "kupla"})
        assert response.status_code == 200 and response.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Y-tunnus", "Yrityksen nimi"]
    assert rows[1][:2] == ["3159033-0", "Kuplatech Oy"] and len(rows) == 2


async def test_hostile_filters_export_nothing_odd():
    await _companies()
    await make_user("maija@espoo.example", role="manager")
    async with client() as c:
        await login(c, "maija@espoo.example")
        for params in ({"q": "'; DROP TABLE company; --"}, {"department": "abc"}, {"page": "-1"},
                       {"section": "ZZ"}, {"q": "\x00"}):
            response = await c.get("/companies/export.csv", params=params)
            assert response.status_code == 200, params
        assert "Kuplatech" in (await c.get("/companies/export.csv")).text
