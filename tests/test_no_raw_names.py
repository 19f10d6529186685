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
from crm.tables import Company
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


# Departments, programmes and industry sections by name, not by code (issue 12's rough edges).
NAMES = {
    "fi": {"TYO": "Työllisyys Espoo", "PLAN": "Kaupunkisuunnittelu", "programme": "Paras paikka yrittää",
           "J": "J – Informaatio ja viestintä", "C": "C – Teollisuus", "started_by": "komentorivi",
           "swedish": "ruotsi", "came_from": "Tiedosto lista.csv",
           "export": "Päivämäärä;Yksikkö;Tyyppi;Aihe", "meeting": "Kaupunkisuunnittelu;Tapaaminen;Kasvu"},
    "sv": {"TYO": "Sysselsättning Esbo", "PLAN": "Stadsplanering", "programme": "Bästa platsen för företagare",
           "J": "J – Informations- och kommunikationsverksamhet", "C": "C – Tillverkning", "started_by": "kommandoraden",
           "swedish": "svenska", "came_from": "Filen lista.csv",
           "export": "Datum;Enhet;Typ;Ämne", "meeting": "Stadsplanering;Möte;Kasvu"},
}


def _options(html: str, select_id: str) -> list[str]:
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, flags=re.S)
    assert block, select_id
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", block[1], re.S)]


@pytest.mark.parametrize("language", ["fi", "sv"])
async def test_pages_name_departments_programmes_and_industries(language, tmp_path):
    from test_import_support import write

    from crm.importing.load import import_file
    from crm.services.programmes import upsert_programme

    names = NAMES[language]
    await upsert_programme({"code": "PARAS-YRITTAA", "name_fi": "Paras paikka yrittää",
                            "name_sv": "Bästa platsen för företagare", "name_en": "Best place for entrepreneurs"})
    admin = await create_user(email="root@espoo.example", name="Root", role="admin", department="TYO",
                              password=PASSWORD, language=language)
    company_id = await create_company({"name": "Kuplatech Oy", "business_id": "3159033-0", "industry_code": "62010",
                                       "industry_classification": "TOL2008", "programmes": ["PARAS-YRITTAA"]},
                                      actor_id=admin)
    later_id = await create_company({"name": "Uusi Oy", "industry_code": "62100",
                                     "industry_classification": "TOL2025"}, actor_id=admin)
    await create_interaction({"date": "2026-03-02", "kind": "meeting", "subject": "Kasvu", "programmes": ["PARAS-YRITTAA"]},
                             company_id=company_id, department_id=await department_id_by_code("PLAN"),
                             advisor_id=None, contact_ids=[], actor_id=admin)
    # a batch without a user: the command line's (crm import, crm seed, crm serve --demo)
    summary = await import_file("companies", write(tmp_path, "lista.csv", "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n"),
                                department="PLAN")
    imported_id = (await Company.select(Company.id).where(Company.business_id == "0112038-9").first())["id"]
    contact_id = await create_contact({"first_name": "Stina", "last_name": "Berg", "language": "sv"},
                                      roles=[{"company_id": company_id, "role": "VD"}], actor_id=admin)
    async with client() as c:
        await login(c, "root@espoo.example")
        listing = (await c.get("/companies")).text
        imported = (await c.get(f"/companies/{imported_id}/history")).text
        contact = (await c.get(f"/contacts/{contact_id}")).text
        exported = (await c.get(f"/companies/{company_id}/history.csv")).text
        card = (await c.get(f"/companies/{company_id}")).text
        later = (await c.get(f"/companies/{later_id}")).text
        imports = (await c.get("/imports")).text
        batch = (await c.get(f"/imports/{summary.batch_id}")).text
        form = (await c.get(f"/companies/{company_id}/interactions/new")).text
        home = (await c.get("/")).text
    assert names["TYO"] in _options(listing, "f-department")
    assert names["programme"] in _options(listing, "f-programme")
    sections = _options(listing, "f-section")
    assert names["J"] in sections and names["C"] in sections and "J" not in sections
    details = re.search(r'<dl class="details">(.*?)</dl>', card, flags=re.S)[1]
    assert details.count("<dt>") == details.count("<dd")  # each label beside its value
    card_text = re.sub(r"\s+", " ", _visible(card))
    assert f"62010 · {names['J']} (TOL 2008)" in card_text
    assert f"{names['PLAN']}:" in card_text  # served by, by name
    assert names["programme"] in card_text  # the company's programmes and the entry's, by name
    assert "62100 (TOL 2025)" in re.sub(r"\s+", " ", _visible(later))
    assert names["TYO"] in _options(form, "f-department")
    assert names["TYO"] in _visible(home)  # "recent activity in ..."
    for page in (imports, batch):
        text = _visible(page)
        assert names["PLAN"] in text and names["started_by"] in text
        assert not re.search(r"(?<!\w)system(?!\w)", text)
    # an imported company says where it came from (file, department, batch), not only "no recorded changes"
    imported_text = re.sub(r"\s+", " ", _visible(imported))
    assert f"{names['came_from']}, " in imported_text and names["PLAN"] in imported_text
    assert f'href="/imports/{summary.batch_id}"' in imported
    assert re.search(rf"<dd>\s*{names['swedish']}\s*</dd>", contact)  # a contact's language, not 'sv'
    # the history export in the reader's language: its header, each entry's department and kind
    assert exported.lstrip("\ufeff").startswith(names["export"]) and names["meeting"] in exported


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_audit_action_reads_differently_in_the_filter(language):
    """The audit log's action filter: two actions under one word could not be told apart."""
    from crm.i18n import translations

    shown = [translations(language).gettext(label) for label in labels.ACTIONS.values()]
    assert len(set(shown)) == len(shown), sorted(shown)
