"""Services on the real database: validation by field, duplicates, audit, concurrent writers."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from crm.errors import Invalid, NotFound
from crm.services import audit
from crm.services.companies import create_company, get_company, update_company
from crm.services.contacts import add_role, create_contact, update_contact
from crm.services.interactions import create_interaction, update_interaction
from crm.services.lookups import department_id_by_code
from crm.services.programmes import upsert_programme
from crm.services.users import authenticate, create_user
from crm.tables import AuditEvent, Company, CompanyContact, Interaction, User

pytestmark = pytest.mark.usefixtures("db")


async def test_create_company_normalises_and_audits():
    company_id = await create_company(
        {"name": "Kuplatech Oy", "business_id": "FI 3267501 0", "postal_code": 2150, "city": "Espoo",
         "industry_code": "62.01"}
    )
    company = await get_company(company_id)
    assert company["business_id"] == "3267501-0"
    assert company["postal_code"] == "02150"
    assert company["municipality_code"] == "049"
    assert company["industry_code"] == "6201" and company["industry_classification"] == "TOL2008"
    assert company["name_key"] == "kuplatech"
    events = await audit.history("company", company_id)
    assert [event["action"] for event in events] == ["create"]
    assert events[0]["actor"] == "system"
    assert events[0]["changes"]["business_id"] == [None, "3267501-0"]


async def test_company_errors_name_each_field():
    with pytest.raises(Invalid) as caught:
        await create_company({"name": "", "business_id": "1234567-2", "postal_code": "ABC", "website": "not a site"})
    errors = caught.value.field_errors
    assert set(errors) == {"name", "business_id", "postal_code", "website"}
    assert "1234567-2" in errors["business_id"]
    assert not await Company.exists()


async def test_duplicate_business_id_is_a_field_error_in_any_written_form():
    await create_company({"name": "Nokia Oyj", "business_id": "0112038-9"})
    with pytest.raises(Invalid) as caught:
        await create_company({"name": "Nokia again", "business_id": "1120389"})
    assert "0112038-9" in caught.value.field_errors["business_id"]
    assert await Company.count() == 1


async def test_companies_without_business_id_do_not_collide():
    first = await create_company({"name": "Startup One"})
    second = await create_company({"name": "Startup Two"})
    assert first != second
    assert await Company.count().where(Company.business_id.is_null()) == 2


async def test_update_records_old_and_new_values():
    user_id = await create_user(email="Aino.Advisor@Espoo.example", name="Aino", role="advisor", department="BIZ")
    company_id = await create_company({"name": "Old Name Oy", "city": "Espoo"})
    changes = await update_company(company_id, {"name": "New Name Oy", "city": "Espoo"}, actor_id=user_id)
    assert changes == {"name": ["Old Name Oy", "New Name Oy"]}
    company = await get_company(company_id)
    assert company["name_key"] == "new name" and company["updated_by"] == user_id
    last = await AuditEvent.select().where(AuditEvent.entity_id == company_id).order_by(AuditEvent.id, ascending=False).first().output(load_json=True)
    assert last["action"] == "update"
    assert last["actor"] == "aino.advisor@espoo.example"
    assert last["changes"] == {"name": ["Old Name Oy", "New Name Oy"]}
    assert await update_company(company_id, {"name": "New Name Oy"}) == {}  # nothing changed, nothing logged
    assert len(await audit.history("company", company_id)) == 2


async def test_update_missing_company_is_not_found():
    with pytest.raises(NotFound):
        await update_company(999, {"name": "X"})


async def test_update_to_taken_business_id_is_refused():
    await create_company({"name": "KONE Oyj", "business_id": "1927400-1"})
    other = await create_company({"name": "Other Oy"})
    with pytest.raises(Invalid) as caught:
        await update_company(other, {"business_id": "19274001"})
    assert "KONE" in caught.value.field_errors["business_id"]


async def test_contact_with_role_and_phone_in_e164():
    company_id = await create_company({"name": "Supercell Oy", "business_id": "2336509-6"})
    contact_id = await create_contact(
        {"first_name": "Aino", "last_name": "Virtanen", "email": "Aino.Virtanen@Example.com", "phone": "040 123 4567"},
        roles=[{"company_id": company_id, "role": "CEO", "start_date": "1.2.2024"}],
    )
    roles = await CompanyContact.select().where(CompanyContact.contact == contact_id)
    assert roles[0]["role"] == "CEO" and roles[0]["start_date"] == dt.date(2024, 2, 1)
    changes = await update_contact(contact_id, {"phone": "+358 40 765 4321"})
    assert changes == {"phone": ["+358401234567", "+358407654321"]}


async def test_contact_errors_and_duplicate_email():
    with pytest.raises(Invalid) as caught:
        await create_contact({"first_name": "", "last_name": "", "email": "not-an-email", "phone": "123"})
    assert {"email", "phone", "last_name"} <= set(caught.value.field_errors)
    await create_contact({"last_name": "Virtanen", "email": "a@example.com"})
    with pytest.raises(Invalid) as caught:
        await create_contact({"last_name": "Korhonen", "email": "A@EXAMPLE.COM"})
    assert "a@example.com" in caught.value.field_errors["email"]


async def test_role_ending_before_start_and_unknown_company():
    contact_id = await create_contact({"last_name": "Virtanen"})
    with pytest.raises(Invalid) as caught:
        await add_role(contact_id, {"company_id": 42, "start_date": "2.2.2025", "end_date": "1.1.2025"})
    assert "ends before it starts" in caught.value.field_errors["roles.1"]
    with pytest.raises(Invalid):
        await add_role(contact_id, {"company_id": 42})


async def test_interaction_with_contacts_programmes_and_follow_up():
    company_id = await create_company({"name": "Kuplatech Oy"})
    contact_id = await create_contact({"last_name": "Virtanen"})
    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla-tapahtumatila"})
    biz = await department_id_by_code("BIZ")
    interaction_id = await create_interaction(
        {"date": "3.3.2026", "kind": "Tapaaminen", "subject": "Kasvu", "follow_up_date": "2026-03-20",
         "programmes": "KUPLA", "confidential": "ei"},
        company_id=company_id, department_id=biz, advisor_id=None, contact_ids=[contact_id],
    )
    row = await Interaction.select().where(Interaction.id == interaction_id).first()
    assert row["kind"] == "meeting" and row["date"] == dt.date(2026, 3, 3)
    assert row["follow_up_date"] == dt.date(2026, 3, 20) and row["follow_up_done"] is False
    assert await update_interaction(interaction_id, {"follow_up_done": True}) == {"follow_up_done": [False, True]}


async def test_interaction_errors_by_field():
    biz = await department_id_by_code("BIZ")
    with pytest.raises(Invalid) as caught:
        await create_interaction({"date": "31.2.2026", "kind": "dance", "subject": "Dance"}, company_id=1, department_id=biz,
                                 advisor_id=None)
    assert set(caught.value.field_errors) == {"date", "kind"}
    with pytest.raises(Invalid) as caught:
        await create_interaction({"date": "1.2.2026", "kind": "call", "programmes": "NOPE"}, company_id=1,
                                 department_id=biz, advisor_id=None)
    assert "NOPE" in caught.value.field_errors["programmes"]
    with pytest.raises(Invalid) as caught:
        await create_interaction({"date": "1.2.2026", "kind": "call", "subject": "Call"}, company_id=999, department_id=biz,
                                 advisor_id=None)
    assert "999" in caught.value.field_errors["company"]


async def test_users_are_unique_case_insensitively_and_passwords_are_argon2id():
    await create_user(email="Admin@Demo.Espoo.fi", role="admin", department="biz", password="secret-1")
    row = await User.select().first()
    assert row["email"] == "admin@demo.espoo.fi"
    assert row["password_hash"].startswith("$argon2id$")
    with pytest.raises(Invalid) as caught:
        await create_user(email="ADMIN@demo.espoo.fi", role="admin", department="BIZ", password="secret-2")
    assert "already exists" in caught.value.field_errors["email"]
    assert await authenticate("admin@DEMO.espoo.fi", "secret-1")
    assert await authenticate("admin@demo.espoo.fi", "wrong") is None
    with pytest.raises(Invalid) as caught:
        await create_user(email="x@example.com", role="boss", department="NOPE")
    assert set(caught.value.field_errors) == {"role", "department"}


async def test_two_concurrent_writers_both_succeed():
    """BEGIN IMMEDIATE on SQLite: writers queue for the lock instead of 'database is locked'."""
    company_id = await create_company({"name": "Busy Oy"})

    async def writer(number: int) -> None:
        await create_company({"name": f"Writer {number} Oy"})
        await update_company(company_id, {"city": f"City {number}"})

    await asyncio.gather(*(writer(number) for number in range(8)))
    assert await Company.count() == 9
    assert await AuditEvent.count().where(AuditEvent.action == "update") == 8


async def test_an_insert_a_unique_constraint_refuses_raises_the_callers_error():
    """Services check for duplicates first; a writer that slips in between must still end as the
    field error the service chose, never as a driver error (and nothing else is swallowed)."""
    from crm import db
    from crm.tables import Department

    taken = Invalid({"code": "taken"})
    with pytest.raises(Invalid) as caught:
        await db.save_new(Department(code="BIZ", name_fi="x", name_sv="x", name_en="x"), taken)
    assert caught.value is taken
    with pytest.raises(Exception) as other:  # not a UNIQUE violation: the driver's error goes on
        await db.save_new(Interaction(company=10**6, department=10**6, kind="meeting", date=dt.date(2026, 1, 1),
                                      created_at=None), taken)
    assert not isinstance(other.value, Invalid)
    assert await Department.count().where(Department.code == "BIZ") == 1


async def test_a_search_matching_many_companies_pages_as_one_matching_few(monkeypatch):
    """Past FEW_MATCHES a search sorts its matches from a narrow index (SQLite), past MANY_MATCHES
    it walks the order's index: the same companies, in the same order, on the same pages, counted
    alike, for every order and filter."""
    from crm.services import reads
    from crm.services.companies import create_company

    for number, (name, postal_code) in enumerate([("Kupla Oy", "02100"), ("Ääni Kupla Ab", "02150"),
                                                  ("Kuplamuovi Oy", "00100"), ("Öljy ja Kupla Oy", "02100"),
                                                  ("Aalto Kupla Oy", "02600"), ("Kupari Oy", "02100")]):
        await create_company({"name": name, "postal_code": postal_code,
                              "business_id": ("4710001-7", "4710002-5")[number] if number < 2 else ""})
    asks = [dict(query="kupla"), dict(query="kupla", sort="-name"), dict(query="kupla", sort="postal_code"),
            dict(query="kupla", page=2, per_page=2), dict(query="kupla", postal_code="02100"),
            dict(query="KUP"), dict(query="471"), dict(query="kupla nothing"), dict(query="ääni")]
    few = [await reads.search_companies(count=True, **ask) for ask in asks]
    monkeypatch.setattr(reads, "FEW_MATCHES", 1)  # sorted apart first (SQLite: in the index of orders)
    many = [await reads.search_companies(count=True, **ask) for ask in asks]
    monkeypatch.setattr(reads, "MANY_MATCHES", 0)  # walked in order
    walked = [await reads.search_companies(count=True, **ask) for ask in asks]
    for ask, *results in zip(asks, few, many, walked):
        assert len({(tuple(row["name"] for row in result.rows), result.total, result.has_next, result.page)
                    for result in results}) == 1, ask
    assert [row["name"] for row in few[0].rows] == ["Aalto Kupla Oy", "Kupla Oy", "Kuplamuovi Oy", "Ääni Kupla Ab",
                                                    "Öljy ja Kupla Oy"]
    assert [row["name"] for row in few[5].rows] == ["Aalto Kupla Oy", "Kupari Oy", "Kupla Oy", "Kuplamuovi Oy",
                                                    "Ääni Kupla Ab", "Öljy ja Kupla Oy"]
    assert few[3].total == 5 and [row["name"] for row in few[3].rows] == ["Kuplamuovi Oy", "Ääni Kupla Ab"]
    assert {row["name"] for row in few[6].rows} == {"Kupla Oy", "Ääni Kupla Ab"}  # a Business ID's start
    assert few[7].total == 0 and not few[7].rows


async def test_a_list_counts_its_matches_only_up_to_the_limit(monkeypatch):
    from crm.services import paging
    from crm.services.companies import create_company
    from crm.services.reads import search_companies

    for number in range(5):
        await create_company({"name": f"Laskuri {number} Oy"})
    await create_company({"name": "Muu Yritys Oy"})
    assert (await search_companies(query="laskuri", count=True)).total == 5
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    capped = await search_companies(query="laskuri", count=True)
    assert capped.total is None and capped.more_than == 3 and capped.pages is None
    assert len(capped.rows) == 5  # the page itself is whole
    assert (await search_companies(query="muu", count=True)).total == 1
    from tests.webutil import client, login, make_user

    await make_user("lists@espoo.example")
    async with client() as c:
        await login(c, "lists@espoo.example")
        page = await c.get("/companies", params={"q": "laskuri"}, headers={"Accept": "text/html"})
    assert "More than 3 results" in page.text and "Page 1 of" not in page.text
