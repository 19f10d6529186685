"""Duplicates on a stored record (SPEC §10), both engines: found the Finnish way, "not the same"
remembered, merged (interactions, contacts, programmes and holdings move; the study's numbers change
as they should) and unmerged exactly; refusals for two legal entities and for a record changed in
between; the CLI prints SPEC §10's object."""

from __future__ import annotations

import json

import pytest
from test_import_support import crm, one_json_object, write
from test_study import _compare_every_scope

from crm.dedupe.find import find, mark_not_same
from crm.dedupe.merge import history, merge, unmerge, version
from crm.errors import Conflict, Invalid, NotFound
from crm.importing.load import import_file
from crm.reports.study import study
from crm.services.companies import create_company, get_company, update_company
from crm.services.contacts import create_contact
from crm.services.interactions import create_interaction
from crm.services.programmes import upsert_programme
from crm.services.reads import search_companies
from crm.tables import (
    AuditEvent,
    Company,
    CompanyContact,
    CompanyProgramme,
    CompanySource,
    Contact,
    Department,
    Interaction,
    InteractionContact,
    Merge,
    ProgrammeReach,
)
from tests.webutil import make_user

pytestmark = pytest.mark.usefixtures("db")

BIZ = ("Y-tunnus;Yrityksen nimi;Postinumero;Kotisivu;Ohjelmat\n"
       ";Pöllösoft Oy;02150;https://www.pollosoft.fi/;KUPLA\n"
       "2336509-6;Supercell Oy;00180;;\n"
       "0112038-9;Nokia Oyj;02610;;\n")
TYO = ("Y-tunnus;Yritys;Postinumero;Kotisivu;Ohjelmat\n"
       ";Pöllösoft;02105;pollosoft.fi;KUPLA,SOFT\n"  # a postal code typo: the importer keeps it apart
       ";Supercel Oy;00180;;\n"
       ";Työpaikka Oy;02200;;\n")


async def _record(tmp_path) -> dict:
    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    await upsert_programme({"code": "SOFT", "name_fi": "Soft Landing"})
    for name, text, department in (("biz.csv", BIZ, "BIZ"), ("tyo.csv", TYO, "TYO")):
        await import_file("companies", write(tmp_path, name, text), department=department)
    ids = {row["name"]: row["id"] for row in await Company.select(Company.id, Company.name)}
    advisor = await make_user("advisor.tyo@espoo.example", department="TYO")
    tyo = (await Department.select(Department.id).where(Department.code == "TYO").first())["id"]
    for day, programmes in (("3.2.2026", "SOFT"), ("4.3.2026", "")):
        await create_interaction({"date": day, "kind": "call", "subject": "Tilat", "programmes": programmes},
                                 company_id=ids["Pöllösoft"], department_id=tyo, advisor_id=advisor, actor_id=advisor)
    await create_interaction({"date": "5.3.2026", "kind": "call", "subject": "Rekry"},
                             company_id=ids["Pöllösoft Oy"], department_id=tyo, advisor_id=advisor, actor_id=advisor)
    person = await create_contact({"first_name": "Pia", "last_name": "Pöllö", "email": "pia@pollosoft.fi"},
                                  roles=[{"company_id": ids["Pöllösoft"], "role": "CEO"}])
    ids["Nokia two"] = await create_company({"name": "Nokia Oyj", "business_id": "2900001-2", "postal_code": "02610"})
    ids["Tulikukka Ky"] = await create_company({"name": "Tulikukka Ky", "postal_code": "02230"})
    ids["Tulikukka Oy"] = await create_company({"name": "Tulikukka Oy", "postal_code": "02230"})
    return {**ids, "person": person, "advisor": advisor, "tyo": tyo}


async def _snapshot() -> dict:
    """Everything a merge touches and an unmerge must put back, without the ids of rows re-made."""
    company_rows = await Company.select().order_by(Company.id)
    return {
        "companies": company_rows,
        "holdings": sorted(tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
                           for row in await CompanySource.select()),
        "interactions": await Interaction.select(Interaction.id, Interaction.company).order_by(Interaction.id),
        "roles": await CompanyContact.select(CompanyContact.id, CompanyContact.company).order_by(CompanyContact.id),
        "programmes": sorted((row["company"], row["programme"]) for row in await CompanyProgramme.select()),
        "reach": sorted(tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
                        for row in await ProgrammeReach.select()),
        "study": await study(),
    }


def _pairs(candidates) -> set[tuple[int, int]]:
    return {tuple(candidate.ids) for candidate in candidates}


async def test_find_proposes_look_alikes_never_two_legal_entities_and_remembers_not_the_same(tmp_path):
    ids = await _record(tmp_path)
    found = await find("companies")
    pairs = _pairs(found)
    pollo = tuple(sorted((ids["Pöllösoft Oy"], ids["Pöllösoft"])))
    supercell = tuple(sorted((ids["Supercell Oy"], ids["Supercel Oy"])))
    assert pollo in pairs and supercell in pairs
    assert tuple(sorted((ids["Nokia Oyj"], ids["Nokia two"]))) not in pairs
    assert tuple(sorted((ids["Tulikukka Ky"], ids["Tulikukka Oy"]))) not in pairs
    first = next(candidate for candidate in found if candidate.ids == pollo)
    assert first.score == max(candidate.score for candidate in found)  # same website: most likely first
    assert "same website domain" in first.reasons
    assert _pairs(await find("companies", record_id=ids["Supercell Oy"])) == {supercell}
    for company_id in (value for key, value in ids.items() if key not in ("person", "advisor", "tyo")):
        # a company's own candidates, read from the companies near it, are its pairs in the whole record
        assert _pairs(await find("companies", record_id=company_id)) == {p for p in pairs if company_id in p}
    with pytest.raises(NotFound):
        await find("companies", record_id=10**12)

    result = crm("duplicates", "find", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = one_json_object(result.stdout)
    assert list(printed) == ["candidates"]
    assert printed["candidates"][0] == {"ids": list(pollo), "names": ["Pöllösoft Oy", "Pöllösoft"],
                                        "business_ids": [None, None], "score": first.score,
                                        "reasons": [str(reason) for reason in first.reasons]}
    assert all(list(c) == ["ids", "names", "business_ids", "score", "reasons"] for c in printed["candidates"])

    assert await mark_not_same("companies", *reversed(supercell)) is True
    assert await mark_not_same("companies", *supercell) is False  # remembered once
    assert supercell not in _pairs(await find("companies"))
    assert supercell not in {tuple(c["ids"]) for c in json.loads(crm("duplicates", "find", "--json").stdout)["candidates"]}
    with pytest.raises(Invalid):
        await mark_not_same("companies", 3, 3)
    with pytest.raises(Invalid):
        await find("people")
    refused = crm("duplicates", "find", "--kind", "people")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr


async def test_a_merge_moves_everything_and_unmerge_restores_it_exactly(tmp_path):
    ids = await _record(tmp_path)
    kept, other = ids["Pöllösoft Oy"], ids["Pöllösoft"]
    before = await _snapshot()
    await _compare_every_scope()

    result = await merge("company", kept, other, actor_id=ids["advisor"])
    assert result == {"merge_id": result["merge_id"], "kept": kept, "merged": other,
                      "moved": {"interactions": 2, "holdings": 1, "roles": 1, "programmes": 1}}
    assert not await Company.exists().where(Company.id == other)
    company = await get_company(kept)
    assert company["postal_code"] == "02150" and company["other_names"] == "Pöllösoft"
    assert await Interaction.count().where(Interaction.company == kept) == 3
    assert await CompanyContact.count().where(CompanyContact.company == kept) == 1
    assert await CompanyProgramme.count().where(CompanyProgramme.company == kept) == 2  # KUPLA once, SOFT
    after = await study()
    assert after["companies"] == before["study"]["companies"] - 1
    # TYO held both records (one by its file, one by an interaction), BIZ one: now one company
    assert after["held_by"]["TYO"] == before["study"]["held_by"]["TYO"] - 1
    assert after["held_by"]["BIZ"] == before["study"]["held_by"]["BIZ"]
    assert after["overlap"]["BIZ"]["TYO"] == before["study"]["overlap"]["BIZ"]["TYO"] == 1
    tyo_source = next(source for source in after["sources"] if source["file"] == "tyo.csv")
    tyo_before = next(source for source in before["study"]["sources"] if source["file"] == "tyo.csv")
    assert tyo_source != tyo_before  # the TYO file's company is now also BIZ's
    assert after["programmes"]["SOFT"]["companies"] == before["study"]["programmes"]["SOFT"]["companies"]
    await _compare_every_scope()
    assert other not in {candidate_id for candidate in await find() for candidate_id in candidate.ids}
    assert {row["id"] for row in (await search_companies(query="pollosoft")).rows} == {kept}
    events = await AuditEvent.select().where(AuditEvent.action == "merge")
    assert {(event["entity"], event["entity_id"]) for event in events} == {("company", kept), ("company", other)}
    assert [row["id"] for row in await history("company")] == [result["merge_id"]]

    undone = await unmerge(result["merge_id"], actor_id=ids["advisor"])
    assert undone == {"merge_id": result["merge_id"], "kept": kept, "restored": other,
                      "moved_back": {"interactions": 2, "holdings": 1, "roles": 1, "programmes": 2},
                      "left_alone": []}
    restored = await _snapshot()
    for row in [*before["companies"], *restored["companies"]]:
        if row["id"] == kept:
            row.pop("updated_at"), row.pop("updated_by")  # the unmerge wrote it back
    assert restored == before
    await _compare_every_scope()
    assert {row["id"] for row in (await search_companies(query="pollosoft")).rows} == {kept, other}
    with pytest.raises(Conflict, match="undone already"):
        await unmerge(result["merge_id"])


async def test_refusals_and_edits_since(tmp_path):
    ids = await _record(tmp_path)
    with pytest.raises(Conflict, match="two different Business IDs"):
        await merge("company", ids["Nokia Oyj"], ids["Nokia two"])
    with pytest.raises(Conflict, match="two different legal forms"):
        await merge("company", ids["Tulikukka Ky"], ids["Tulikukka Oy"])
    with pytest.raises(Invalid):
        await merge("company", ids["Nokia Oyj"], ids["Nokia Oyj"])
    with pytest.raises(NotFound):
        await merge("company", ids["Nokia Oyj"], 10**12)
    with pytest.raises(Invalid):
        await merge("company", ids["Supercell Oy"], ids["Supercel Oy"], choices={"password": "merged"})

    kept, other = ids["Supercell Oy"], ids["Supercel Oy"]
    shown = {kept: version(await get_company(kept)), other: version(await get_company(other))}
    await update_company(other, {"city": "Helsinki"})
    with pytest.raises(Conflict, match="changed by someone else"):
        await merge("company", kept, other, expected=shown)
    assert await Company.exists().where(Company.id == other)
    shown[other] = version(await get_company(other))
    result = await merge("company", kept, other, expected=shown, choices={"name": "merged"})
    company = await get_company(kept)
    assert company["name"] == "Supercel Oy" and company["other_names"] == "Supercell Oy"
    assert company["city"] == "Helsinki" and company["business_id"] == "2336509-6"
    await update_company(kept, {"name": "Supercell Oyj"})
    undone = await unmerge(result["merge_id"])
    assert undone["left_alone"] == [f"company #{kept}: name was changed since the merge"]
    assert (await get_company(kept))["name"] == "Supercell Oyj"
    assert (await get_company(kept))["city"] == ""
    assert (await get_company(other))["city"] == "Helsinki"
    await _compare_every_scope()

    cli = crm("duplicates", "merge", str(ids["Tulikukka Ky"]), str(ids["Tulikukka Oy"]), "--json")
    assert cli.returncode == 1 and "two different legal forms" in cli.stderr and "Traceback" not in cli.stderr
    cli = crm("duplicates", "merge", str(ids["Työpaikka Oy"]), str(ids["Supercel Oy"]), "--json")
    assert cli.returncode == 0, cli.stderr
    merged = one_json_object(cli.stdout)
    assert merged["kept"] == ids["Työpaikka Oy"] and merged["merged"] == ids["Supercel Oy"]
    cli = crm("duplicates", "unmerge", str(merged["merge_id"]), "--json")
    assert cli.returncode == 0 and one_json_object(cli.stdout)["restored"] == ids["Supercel Oy"]
    assert crm("duplicates", "unmerge", "999999").returncode == 1


async def test_contacts_found_merged_and_unmerged(tmp_path):
    ids = await _record(tmp_path)
    second = await create_contact({"first_name": "Pia", "last_name": "Pollo", "phone": "040 1234567",
                                   "email": "pia+crm@pollosoft.fi"},
                                  roles=[{"company_id": ids["Pöllösoft Oy"], "role": "Toimitusjohtaja"}])
    third = await create_contact({"first_name": "Otto", "last_name": "Pöllö"},
                                 roles=[{"company_id": ids["Pöllösoft"]}])
    interaction = (await Interaction.select(Interaction.id).first())["id"]
    await InteractionContact.insert(InteractionContact(interaction=interaction, contact=second))
    pairs = _pairs(await find("contacts"))
    assert pairs == {tuple(sorted((ids["person"], second)))}
    printed = one_json_object(crm("duplicates", "find", "--kind", "contacts", "--json").stdout)
    assert [tuple(c["ids"]) for c in printed["candidates"]] == list(pairs)
    assert printed["candidates"][0]["names"] == ["Pia Pöllö", "Pia Pollo"]
    assert printed["candidates"][0]["business_ids"] == [None, None]
    assert "same e-mail address" in printed["candidates"][0]["reasons"]
    assert third not in {i for pair in pairs for i in pair}

    before = {"contacts": await Contact.select().order_by(Contact.id),
              "roles": await CompanyContact.select().order_by(CompanyContact.id),
              "links": await InteractionContact.select().order_by(InteractionContact.id)}
    result = await merge("contact", ids["person"], second)
    assert result["moved"] == {"roles": 1, "interactions": 1}
    person = await Contact.select().where(Contact.id == ids["person"]).first()
    assert person["phone"] == "+358401234567" and person["email"] == "pia@pollosoft.fi"
    assert not await Contact.exists().where(Contact.id == second)
    undone = await unmerge(result["merge_id"])
    assert undone["restored"] == second
    after = {"contacts": await Contact.select().order_by(Contact.id),
             "roles": await CompanyContact.select().order_by(CompanyContact.id),
             "links": await InteractionContact.select().order_by(InteractionContact.id)}
    for rows in (before["contacts"], after["contacts"]):
        for row in rows:
            if row["id"] == ids["person"]:
                row.pop("updated_at"), row.pop("updated_by")
    assert after == before

    # merged again, then the person is erased: no copy of them is left in the merge or its history
    again = await merge("contact", ids["person"], second)
    from crm.services.contacts import erase_contact

    await erase_contact(ids["person"], upload_dir=tmp_path)
    kept_rows = [await Merge.select().where(Merge.id.is_in([result["merge_id"], again["merge_id"]]))]
    events = await AuditEvent.select().where(AuditEvent.entity == "contact")
    text = json.dumps([kept_rows, events], default=str).lower()
    for value in ("pia", "pollo", "pöllö", "pollosoft.fi", "1234567"):
        assert value not in text, value
    with pytest.raises(Conflict, match="erased"):
        await unmerge(again["merge_id"])
    assert _pairs(await find("contacts")) == set()


HTML = {"Accept": "text/html"}


async def test_the_duplicates_page_for_managers_merge_undo_and_not_the_same(tmp_path):
    from tests.webutil import client, login

    ids = await _record(tmp_path)
    await make_user("manager@espoo.example", role="manager")
    kept, other = ids["Pöllösoft Oy"], ids["Pöllösoft"]
    async with client() as c:
        await login(c, "advisor.tyo@espoo.example")
        assert (await c.get("/duplicates", headers=HTML)).status_code == 403
        assert (await c.get(f"/duplicates/compare?a={kept}&b={other}", headers=HTML)).status_code == 403
        assert "/duplicates" not in (await c.get(f"/companies/{kept}", headers=HTML)).text
    async with client() as c:
        token = await login(c, "manager@espoo.example")
        listing = await c.get("/duplicates", headers=HTML)
        assert listing.status_code == 200 and "Pöllösoft" in listing.text and "same website domain" in listing.text
        assert "Nokia" not in listing.text and "Tulikukka" not in listing.text
        assert f'href="/duplicates?company={kept}"' in (await c.get(f"/companies/{kept}", headers=HTML)).text
        only = await c.get(f"/duplicates?company={ids['Supercell Oy']}", headers=HTML)
        assert "Supercel Oy" in only.text and "Pöllösoft" not in only.text
        compare = await c.get(f"/duplicates/compare?a={kept}&b={other}", headers=HTML)
        assert compare.status_code == 200 and "TYO" in compare.text and "BIZ" in compare.text
        shown_a = version(await get_company(kept))
        shown_b = version(await get_company(other))
        await update_company(other, {"city": "Espoo"})  # someone edits it while the page is open
        form = {"_csrf_token": token, "kind": "companies", "a": str(kept), "b": str(other), "keep": "a",
                "version_a": shown_a, "version_b": shown_b, "pick_postal_code": "b"}
        refused = await c.post("/duplicates/merge", data=form, headers=HTML)
        assert refused.status_code == 409 and "changed by someone else" in refused.text
        form["version_b"] = version(await get_company(other))
        done = await c.post("/duplicates/merge", data=form, headers=HTML, follow_redirects=False)
        assert done.status_code == 303, done.text[:300]
        assert (await get_company(kept))["postal_code"] == "02105"  # the value picked from the other record
        assert (await c.get(f"/companies/{other}", headers=HTML)).status_code == 404
        history_page = await c.get(done.headers["location"], headers=HTML)
        assert "Merge history" in history_page.text and "Undo" in history_page.text
        merge_id = (await history("company"))[0]["id"]
        undo = await c.post(f"/duplicates/merges/{merge_id}/undo", data={"_csrf_token": token, "kind": "companies"},
                            headers=HTML, follow_redirects=False)
        assert undo.status_code == 303
        assert (await get_company(other))["city"] == "Espoo" and (await get_company(kept))["postal_code"] == "02150"
        await _compare_every_scope()
        again = await c.post(f"/duplicates/merges/{merge_id}/undo", data={"_csrf_token": token}, headers=HTML)
        assert again.status_code == 409
        marked = await c.post("/duplicates/not-same", data={"_csrf_token": token, "kind": "companies",
                                                            "a": str(kept), "b": str(other)},
                              headers=HTML, follow_redirects=False)
        assert marked.status_code == 303
        assert "Pöllösoft" not in (await c.get("/duplicates", headers=HTML)).text.split("Merge history")[0]
        no_token = await c.post("/duplicates/not-same", data={"kind": "companies", "a": "1", "b": "2"}, headers=HTML)
        assert no_token.status_code == 403
        for query in ("a=1&b=1", "a=x&b=2", "a=99999999999&b=1", "a=1", "a=<script>&b=2"):
            assert (await c.get(f"/duplicates/compare?{query}", headers=HTML)).status_code == 404, query
        second = await create_contact({"first_name": "Pia", "last_name": "Pöllö", "email": "pia+tyo@pollosoft.fi"})
        contacts = await c.get("/duplicates?kind=contacts", headers=HTML)
        assert contacts.status_code == 200 and "same e-mail address" in contacts.text
        compare = await c.get(f"/duplicates/compare?kind=contacts&a={ids['person']}&b={second}", headers=HTML)
        assert compare.status_code == 200 and "pia+tyo@pollosoft.fi" in compare.text and "Pöllösoft" in compare.text
        assert {event["entity_id"] for event in await AuditEvent.select().where(
            (AuditEvent.action == "view") & (AuditEvent.entity == "contact"))} == {ids["person"], second}
        done = await c.post("/duplicates/merge", data={
            "_csrf_token": token, "kind": "contacts", "a": str(ids["person"]), "b": str(second), "keep": "b",
            "version_a": version(await Contact.select().where(Contact.id == ids["person"]).first()),
            "version_b": version(await Contact.select().where(Contact.id == second).first()),
            "pick_email": "a"}, headers=HTML, follow_redirects=False)
        assert done.status_code == 303, done.text[:300]
        kept_contact = await Contact.select().where(Contact.id == second).first()
        assert kept_contact["email"] == "pia@pollosoft.fi"
        assert await CompanyContact.count().where(CompanyContact.contact == second) == 1
