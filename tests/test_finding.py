"""Finding people and companies (issue 12): /contacts as you type by name, e-mail or phone with the
companies they are at; a company found through its contact people; a partial Business ID. The
contacts' full-text index follows every kind of write."""

from __future__ import annotations

import pytest
from piccolo.columns.combination import WhereRaw

from crm import db, search
from crm.dedupe.merge import merge, unmerge
from crm.importing.load import import_file
from crm.services.companies import create_company
from crm.services.contacts import create_contact, erase_contact, update_contact
from crm.services.reads import companies_by_contact, search_contacts
from crm.tables import Contact
from tests.webutil import client, login, make_user

pytestmark = pytest.mark.usefixtures("db")


async def _people() -> dict[str, int]:
    await make_user("aino@espoo.example")
    kupla = await create_company({"name": "Kuplatech Oy", "business_id": "3159033-0"})
    fazer = await create_company({"name": "Oy Karl Fazer Ab", "business_id": "0112038-9"})
    eero = await create_contact({"first_name": "Eero", "last_name": "Esimerkki", "email": "eero@kupla.example",
                                 "phone": "040 123 4567"},
                                roles=[{"company_id": kupla, "role": "CEO"},
                                       {"company_id": fazer, "role": "Board", "end_date": "2025-01-31"}])
    aijo = await create_contact({"first_name": "Äijö", "last_name": "Öhman", "email": "aijo_100%@fazer.example"},
                                roles=[{"company_id": fazer, "role": "CFO"}])
    await create_contact({"first_name": "Other", "last_name": "Person", "email": "other@else.example"})
    return {"kupla": kupla, "fazer": fazer, "eero": eero, "aijo": aijo}


@pytest.mark.parametrize("query, found, not_found", [
    ("eero", ["Eero Esimerkki"], ["Öhman", "Other Person"]),
    ("esim ee", ["Eero Esimerkki"], ["Öhman"]),  # word prefixes in any order
    ("aijo ohman", ["Öhman"], ["Esimerkki"]),  # diacritics ignored
    ("ÖHMAN", ["Öhman"], ["Esimerkki"]),
    ("kupla.example", ["Eero Esimerkki"], ["Öhman"]),  # a part of the e-mail
    ("100%@", ["Öhman"], ["Esimerkki", "Other Person"]),  # % is no wildcard
    ("ero_k", [], ["Esimerkki", "Öhman", "Other Person"]),  # nor is _ (it would match "ero@k")
    ("040 123 4567", ["Eero Esimerkki"], ["Öhman"]),  # national form
    ("+358401234567", ["Eero Esimerkki"], ["Öhman"]),  # international form
    ("1234567", ["Eero Esimerkki"], ["Öhman"]),
    ("'; DROP TABLE contact; --", [], ["Esimerkki"]),
])
@pytest.mark.parametrize("few_matches", [1_000, 0])  # the few sorted, or the many walked in name order
async def test_contacts_are_found_by_name_email_or_phone(query, found, not_found, few_matches, monkeypatch):
    from crm.services import reads

    monkeypatch.setattr(reads, "FEW_MATCHES", few_matches)
    await _people()
    async with client() as c:
        await login(c, "aino@espoo.example")
        response = await c.get("/contacts", params={"q": query}, headers={"HX-Request": "true"})
        assert response.status_code == 200 and "<html" not in response.text  # the partial for htmx
        for name in found:
            assert name in response.text, (query, name)
        for name in not_found:
            assert name not in response.text, (query, name)
        if not found:
            assert "No contact matches" in response.text


async def test_the_contact_list_shows_the_companies_people_are_at():
    people = await _people()
    async with client() as c:
        await login(c, "aino@espoo.example")
        page = await c.get("/contacts")
        assert page.status_code == 200 and 'aria-current="page"' in page.text
        text = page.text
        assert "Other Person" in text and f'href="/companies/{people["kupla"]}"' in text
        assert "(CEO)" in text and "(Board, until " in text
        assert "+358 40 1234567" in text


async def test_a_company_is_found_through_its_contact_people():
    people = await _people()
    async with client() as c:
        await login(c, "aino@espoo.example")
        by_name = (await c.get("/companies", params={"q": "esimerkki"})).text
        assert "Companies of people matching" in by_name
        assert f'href="/companies/{people["kupla"]}"' in by_name and "Eero Esimerkki" in by_name
        by_email = (await c.get("/companies", params={"q": "aijo_100%@fazer.example"})).text
        assert f'href="/companies/{people["fazer"]}"' in by_email
        assert f'href="/companies/{people["kupla"]}"' not in by_email
        direct = (await c.get("/companies", params={"q": "kuplatech"})).text
        assert "Companies of people matching" not in direct  # a name hit needs no secondary hit


@pytest.mark.parametrize("query", ["3159033", "3159033-", "315903", "3159033-0", "FI31590330"])
async def test_a_partial_business_id_falls_back_to_a_prefix(query):
    people = await _people()
    async with client() as c:
        await login(c, "aino@espoo.example")
        html = (await c.get("/companies", params={"q": query})).text
        assert f'href="/companies/{people["kupla"]}"' in html, query
        assert f'href="/companies/{people["fazer"]}"' not in html, query


@pytest.mark.parametrize("query, found", [
    ("4719", ["4719998", "4719999"]), ("47199", ["4719998", "4719999"]), ("4719999", ["4719999"]),
    ("4720", ["4720001"]), ("9999", ["9999998"]), ("99999", ["9999998"]),
])
async def test_a_business_id_prefix_ending_in_nines_finds_exactly_its_companies(query, found):
    """The prefix is read as a range of IDs (an index serves it): its end carries over the nines."""
    from test_import_support import generated_business_id

    await make_user("aino@espoo.example")
    bodies = [4719998, 4719999, 4720001, 4710000, 9999998]  # each with a valid check digit
    for body in bodies:
        await create_company({"name": f"Yritys {body} Oy", "business_id": generated_business_id(body)})
    async with client() as c:
        await login(c, "aino@espoo.example")
        html = (await c.get("/companies", params={"q": query})).text
        for body in bodies:
            assert (f"Yritys {body} Oy" in html) == (str(body) in found), (query, body)


async def test_a_number_matching_no_business_id_finds_nothing_rather_than_everything():
    await _people()
    async with client() as c:
        await login(c, "aino@espoo.example")
        html = (await c.get("/companies", params={"q": "9999999"})).text
        assert "Kuplatech" not in html and "Fazer" not in html and "No company matches" in html


async def test_the_readmes_business_id_examples_find_the_demos_company():
    import re
    from pathlib import Path

    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    sentence = readme[readme.index("in the demo,\nKuplatech Oy"):][:200]
    examples = re.findall(r"`([^`]+)`", sentence)
    assert len(examples) == 4
    assert b"3267501-0;Kuplatech Oy" in (root / "seed" / "yritykset_business_espoo.csv").read_bytes()
    await make_user("aino@espoo.example")
    kupla = await create_company({"name": "Kuplatech Oy", "business_id": "3267501-0"})
    async with client() as c:
        await login(c, "aino@espoo.example")
        for example in examples:
            html = (await c.get("/companies", params={"q": example})).text
            assert f'href="/companies/{kupla}"' in html, example


async def _indexed(query: str) -> set[int]:
    """The contacts the full-text index alone finds (erased ones too: the index itself is tested)."""
    clause, params = search.contact_match_clause(query)
    return {row["id"] for row in await Contact.select(Contact.id).where(WhereRaw(clause, *params))}


async def _index_is_whole() -> None:
    """SQLite: FTS5 compares its index with the contact table (rank 1: with the content table too)
    and fails on any difference."""
    if db.is_sqlite():
        await Contact.raw("INSERT INTO contact_fts(contact_fts, rank) VALUES ('integrity-check', 1)")


async def test_the_contact_index_follows_every_kind_of_write(tmp_path):
    kupla = await create_company({"name": "Kuplatech Oy", "business_id": "3159033-0"})
    eero = await create_contact({"first_name": "Eero", "last_name": "Esimerkki", "email": "eero@kupla.example",
                                 "phone": "040 123 4567"}, roles=[{"company_id": kupla, "role": "CEO"}])
    for query in ("esim eero", "kupla.example", "040 123", "+35840123", "1234567"):
        assert await _indexed(query) == {eero}, query
    pekka = await create_contact({"first_name": "Pekka", "last_name": "Pouta", "email": "pöllö.äijä@metsä.example"})
    assert await _indexed("pollo aija metsa") == {pekka}  # the e-mail's words without diacritics, on both engines

    await update_contact(eero, {"first_name": "Eero", "last_name": "Uusinimi"})
    assert await _indexed("esimerkki") == set() and await _indexed("uusin eero") == {eero}
    await update_contact(eero, {"email": "eero@uusi.example", "phone": "050 765 4321"})
    for query in ("kupla", "040 123 4567", "1234567"):
        assert await _indexed(query) == set(), query
    for query in ("uusi.example", "050 765", "+358507654321", "7654321", "uusinimi"):
        assert await _indexed(query) == {eero}, query

    other = await create_contact({"first_name": "Veli", "last_name": "Toinen", "email": "veli@muu.example",
                                  "phone": "+358 44 111 2222"})
    merged = await merge("contact", eero, other)
    for query in ("veli toinen", "muu.example", "044 111 2222"):
        assert await _indexed(query) == set(), query
    assert await _indexed("uusinimi") == {eero}
    await unmerge(merged["merge_id"])
    assert await _indexed("veli toinen") == await _indexed("044 111 2222") == {other}

    await erase_contact(eero, upload_dir=tmp_path)
    for query in ("uusinimi", "eero", "uusi.example", "050 765 4321"):
        assert await _indexed(query) == set(), query
        assert (await search_contacts(query=query)).rows == []

    stored = await create_contact({"first_name": "Ville", "last_name": "Virta", "phone": "040 555 6666"},
                                  roles=[{"company_id": kupla}])
    content = ("Etunimi;Sukunimi;Sähköposti;Puhelin;Y-tunnus\n"
               "Sanna;Salo;sanna.salo@kupla.example;09 876 5432;3159033-0\n"
               "Ville;Virta;ville.virta@kupla.example;040 555 7777;3159033-0\n")
    (tmp_path / "yhteyshenkilot.csv").write_text(content, encoding="utf-8")
    summary = await import_file("contacts", tmp_path / "yhteyshenkilot.csv")
    assert (summary.created, summary.updated, summary.errors) == (1, 1, 0)
    [sanna] = await _indexed("sanna salo")
    for query in ("salo kupla", "09 876 5432", "+35898765432", "8765432"):
        assert await _indexed(query) == {sanna}, query
    assert await _indexed("ville.virta@kupla.example") == await _indexed("040 555 7777") == {stored}
    assert await _indexed("5556666") == set()
    assert await _indexed("kupla.example") == {sanna, stored}
    await _index_is_whole()


@pytest.mark.parametrize("query", [
    '"', '""*', "eero*", "NEAR(eero esim)", "eero AND esim", "eero OR", "NOT eero", "-eero", "eero:", "email:eero",
    "{email}: eero", "person_key : eero", "^eero", "eero & !esim | (x", "eero:*A", "'; DROP TABLE contact; --",
    "ee\x00ro", "\x00", "+358 (40) 123-4567", "٠١٢٣٤٥", "()", "e" * 5000, "eero " * 500, "1" * 300,
])
async def test_hostile_contact_queries_are_only_words(query):
    """Quotes, FTS5 and tsquery syntax, NUL and very long queries raise nothing and mean nothing: a
    query finds what its words alone find (no words: everyone, as an empty query)."""
    await _people()
    found = [row["id"] for row in (await search_contacts(query=query)).rows]
    plain = " ".join(search.words(query.replace("\x00", "")))
    assert found == [row["id"] for row in (await search_contacts(query=plain)).rows]
    assert isinstance(await companies_by_contact(query), list)
