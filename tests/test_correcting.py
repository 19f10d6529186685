"""Correcting and deleting an interaction (issue 12): who may, what the form refuses (422 beside the
field, in the user's language), the audit trail old -> new, and a deleted entry shown and counted
nowhere, with the study's holdings and tallies following every change."""

from __future__ import annotations

import datetime as dt

import pytest
from test_study import _compare_every_scope

from crm.errors import Invalid
from crm.services.companies import create_company
from crm.services.interactions import create_interaction, delete_interaction, update_interaction
from crm.services.lookups import department_id_by_code
from crm.services.programmes import upsert_programme
from crm.tables import AuditEvent, CompanySource, Interaction, User
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")

HTML = {"Accept": "text/html"}


async def _entry(author: str = "aino@espoo.example", department: str = "BIZ", confidential: bool = False,
                 **fields) -> tuple[int, int, int]:
    """(company, interaction, author) — an interaction logged by a BIZ advisor."""
    author_id = await make_user(author, department=department)
    company_id = await create_company({"name": "Kuplatech Oy"})
    interaction_id = await create_interaction(
        {"date": "2026-03-02", "kind": "meeting", "subject": "Growth plans", "notes": "Two hires",
         "confidential": confidential, **fields},
        company_id=company_id, department_id=await department_id_by_code(department), advisor_id=author_id,
        actor_id=author_id)
    return company_id, interaction_id, author_id


def _form(token: str, **fields) -> dict:
    return {"date": "2026-03-03", "kind": "call", "subject": "Growth plans (corrected)", "notes": "Three hires",
            "follow_up_date": "", "_csrf_token": token, **fields}


@pytest.mark.parametrize("who, role, department, allowed", [
    ("aino@espoo.example", "advisor", "BIZ", True),  # the author
    ("ville@espoo.example", "advisor", "BIZ", True),  # the author's department
    ("maija@espoo.example", "manager", "TYO", True),
    ("admin@espoo.example", "admin", "TYO", True),
    ("tyo@espoo.example", "advisor", "TYO", False),  # another department
])
@pytest.mark.parametrize("confidential", [False, True])
async def test_who_may_correct_and_delete(who, role, department, allowed, confidential):
    company_id, interaction_id, _ = await _entry(confidential=confidential)
    if who != "aino@espoo.example":
        await make_user(who, role=role, department=department)
    async with client() as c:
        token = await login(c, who)
        timeline = (await c.get(f"/companies/{company_id}")).text
        assert (f'href="/interactions/{interaction_id}/edit"' in timeline) is allowed
        form = await c.get(f"/interactions/{interaction_id}/edit", headers=HTML)
        assert form.status_code == (200 if allowed else 403)
        if not allowed:
            assert "Growth plans" not in form.text
        saved = await c.post(f"/interactions/{interaction_id}/edit", data=_form(token), follow_redirects=False)
        assert saved.status_code == (303 if allowed else 403)
        row = await Interaction.select().where(Interaction.id == interaction_id).first()
        assert (row["subject"] == "Growth plans (corrected)") is allowed
        deleted = await c.post(f"/interactions/{interaction_id}/delete", data={"confirmed": "yes",
                                                                             "_csrf_token": token},
                               follow_redirects=False)
        assert deleted.status_code == (303 if allowed else 403)
        row = await Interaction.select().where(Interaction.id == interaction_id).first()
        assert (row["deleted_at"] is not None) is allowed


async def test_a_correction_is_audited_old_to_new_and_shown():
    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    company_id, interaction_id, author = await _entry()
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        form = (await c.get(f"/interactions/{interaction_id}/edit")).text
        assert 'value="2026-03-02"' in form and "Two hires" in form and "Correct interaction" in form
        saved = await c.post(f"/interactions/{interaction_id}/edit",
                             data=_form(token, programmes="KUPLA", follow_up_date="2026-04-01"),
                             follow_redirects=False)
        assert saved.status_code == 303
        assert saved.headers["location"].startswith(f"/companies/{company_id}?saved={interaction_id}")
        page = (await c.get(saved.headers["location"])).text
        assert "The interaction is saved." in page and "Three hires" in page and "Two hires" not in page
    event = await AuditEvent.select().where((AuditEvent.entity == "interaction") & (AuditEvent.action == "update")
                                            ).output(load_json=True).first()
    assert event["entity_id"] == interaction_id and event["user"] == author
    assert event["changes"]["date"] == ["2026-03-02", "2026-03-03"]
    assert event["changes"]["kind"] == ["meeting", "call"]
    assert event["changes"]["notes"] == ["Two hires", "Three hires"]
    assert event["changes"]["programmes"][0] == [] and len(event["changes"]["programmes"][1]) == 1
    assert "confidential" not in event["changes"]  # unchanged fields are not listed


@pytest.mark.parametrize("fields, field, message", [
    ({"follow_up_date": "2026-03-01"}, "follow_up_date", "before the interaction"),
    ({"date": (dt.date.today() + dt.timedelta(days=3 * 365)).isoformat()}, "date", "more than a year ahead"),
    ({"subject": "  ", "notes": ""}, "subject", "subject or notes"),
    ({"date": "2026-02-31"}, "date", ""),
    ({"kind": "<script>alert(1)</script>"}, "kind", ""),
])
async def test_nonsense_is_refused_beside_its_field(fields, field, message):
    company_id, interaction_id, _ = await _entry()
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        for post in (f"/interactions/{interaction_id}/edit", f"/companies/{company_id}/interactions"):
            response = await c.post(post, data=_form(token, **fields), follow_redirects=False)
            assert response.status_code == 422, post
            assert f'id="e-{field}"' in response.text and message in response.text
            assert "<script>alert(1)</script>" not in response.text
    row = await Interaction.select().where(Interaction.id == interaction_id).first()
    assert row["subject"] == "Growth plans" and await Interaction.count() == 1


async def test_the_errors_speak_the_users_language():
    company_id, interaction_id, author = await _entry()
    await User.update({User.language: "fi"}).where(User.id == author)
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        response = await c.post(f"/interactions/{interaction_id}/edit",
                                data=_form(token, subject="", notes="", follow_up_date="2026-01-01"))
        assert response.status_code == 422
        assert "Seurantapäivä on ennen" in response.text and "Kirjoita aihe tai muistiinpanot" in response.text
    await User.update({User.language: "sv"}).where(User.id == author)
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        response = await c.post(f"/interactions/{interaction_id}/edit", data=_form(token, subject="", notes=""))
        assert "Skriv ett ämne eller anteckningar" in response.text


async def test_delete_asks_first_and_a_deleted_entry_is_shown_nowhere():
    company_id, interaction_id, author = await _entry(follow_up_date="2026-04-01")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        asked = await c.get(f"/interactions/{interaction_id}/delete")
        assert asked.status_code == 200 and "cannot be undone" in asked.text
        unconfirmed = await c.post(f"/interactions/{interaction_id}/delete", data={"_csrf_token": token})
        assert unconfirmed.status_code == 422
        assert (await Interaction.select().first())["deleted_at"] is None
        done = await c.post(f"/interactions/{interaction_id}/delete", data={"confirmed": "yes", "_csrf_token": token},
                            follow_redirects=False)
        assert done.status_code == 303
        company = (await c.get(done.headers["location"])).text
        assert "The interaction is deleted." in company and "Growth plans" not in company
        assert "No interactions logged yet." in company
        assert "Growth plans" not in (await c.get("/")).text  # recent activity and follow-ups
        assert (await c.get(f"/interactions/{interaction_id}/edit", headers=HTML)).status_code == 404
        again = await c.post(f"/interactions/{interaction_id}/delete", data={"confirmed": "yes", "_csrf_token": token},
                             headers=HTML)
        assert again.status_code == 404
        biz = await department_id_by_code("BIZ")
        assert "Kuplatech Oy" not in (await c.get("/companies", params={"department": biz})).text
    row = await Interaction.select().first()  # kept for the audit trail
    assert row["subject"] == "Growth plans" and row["deleted_by"] == author
    event = await AuditEvent.select().where(AuditEvent.action == "delete").output(load_json=True).first()
    assert event["changes"]["subject"] == ["Growth plans", None] and event["entity_id"] == interaction_id


async def test_the_study_follows_corrections_and_deletions():
    """The holdings and running totals equal a live count after each change; the only interaction
    of a department with a company gone takes the holding with it."""
    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    company_id, interaction_id, author = await _entry(programmes="KUPLA")
    other = await create_company({"name": "Toinen Oy"})
    tyo = await department_id_by_code("TYO")
    second = await create_interaction({"date": "2025-12-01", "kind": "call", "subject": "Call"},
                                      company_id=company_id, department_id=tyo, advisor_id=None)
    await _compare_every_scope()
    await update_interaction(interaction_id, {"date": "2025-01-15", "programmes": ""}, actor_id=author)
    await _compare_every_scope()
    await update_interaction(interaction_id, {"programmes": "KUPLA"}, company_id=other, actor_id=author)
    await _compare_every_scope()
    held = await CompanySource.select().where(CompanySource.via == "interaction")
    assert {(row["company"], row["department"]) for row in held} == {
        (other, await department_id_by_code("BIZ")), (company_id, tyo)}
    await update_interaction(second, {"subject": "Call"}, department_id=await department_id_by_code("BIZ"))
    await _compare_every_scope()
    await delete_interaction(interaction_id, actor_id=author)
    await _compare_every_scope()
    await delete_interaction(second)
    await _compare_every_scope()
    assert await CompanySource.count().where(CompanySource.via == "interaction") == 0
    from crm import db
    from crm.services import tallies

    async with db.write_transaction():
        await tallies.rebuild()
    await _compare_every_scope()
    with pytest.raises(Exception):
        await delete_interaction(second)


async def test_an_advisor_cannot_move_an_entry_to_another_department():
    company_id, interaction_id, _ = await _entry()
    tyo = await department_id_by_code("TYO")
    async with client() as c:
        token = await login(c, "aino@espoo.example")
        await c.post(f"/interactions/{interaction_id}/edit", data=_form(token, department=str(tyo)))
    assert (await Interaction.select().first())["department"] == await department_id_by_code("BIZ")


async def test_services_refuse_nonsense_too():
    company_id, interaction_id, _ = await _entry()
    with pytest.raises(Invalid) as caught:
        await update_interaction(interaction_id, {"follow_up_date": "1.1.2026"})
    assert set(caught.value.field_errors) == {"follow_up_date"}
    # marking a follow-up done is not a correction: an imported entry without subject stays closable
    await Interaction.update({Interaction.subject: "", Interaction.notes: ""}).where(Interaction.id == interaction_id)
    assert await update_interaction(interaction_id, {"follow_up_done": True}) == {"follow_up_done": [False, True]}
