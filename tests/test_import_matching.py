"""Matching, values and batches: what an import does to the record, counted exactly.

Every summary is checked with `check` (exact counts, rows = created + updated + unchanged +
duplicates_in_file + errors); where a file is refused or a batch crashes, a snapshot of the database
shows that nothing stored changed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook
from test_import_support import check, companies, row_errors, row_file, snapshot, write

from crm import db
from crm.i18n import reason_in
from crm.importing import load
from crm.importing.load import ImportRefused, import_file
from crm.services.programmes import upsert_programme
from crm.services.users import create_user
from crm.tables import (
    Company,
    CompanyContact,
    CompanyProgramme,
    Contact,
    ImportBatch,
    ImportChange,
    ImportRowError,
    Interaction,
    InteractionContact,
)

pytestmark = pytest.mark.usefixtures("db")

COMPANIES = """\
Y-tunnus;Yrityksen nimi;Postinumero;Postitoimipaikka;Vastuuhenkilö;Ohjelmat
0112038-9;Nokia Oyj;02610;Espoo;tero.kallio@espoo.example;KUPLA
1927400-1;KONE Oyj;02150;Espoo;;
2336509-6;Supercell Oy;00180;Helsinki;;
;Kahvila Äijä Ky;02600;Espoo;;
"""

CONTACTS = """\
Etunimi;Sukunimi;Sähköposti;Puhelin;Titteli;Kieli;Y-tunnus;Yritys;Rooli;Alkaen
Aino;Virtanen;Aino.Virtanen@Nokia.example;040 123 4567;CEO;suomi;0112038-9;;Toimitusjohtaja;1.3.2020
Bertil;Öhman;bertil@kone.example;+358 50 765 4321;CTO;svenska;1927400-1;;;2020-03-01
Cecilia;Äijä;;;Omistaja;fi;;Kahvila Äijä Ky;Omistaja;
"""

INTERACTIONS = """\
Päivämäärä;Y-tunnus;Yritys;Tyyppi;Aihe;Muistiinpanot;Yhteyshenkilön sähköposti;Neuvoja;Seurantapäivä;Seuranta tehty;Ohjelma
3.3.2025;0112038-9;;Tapaaminen;Kasvusuunnitelma;Puhuttiin rekrytoinneista.;aino.virtanen@nokia.example;tero.kallio@espoo.example;1.4.2025;;KUPLA
2025-03-04;;KONE Oyj;Puhelu;Tilat;;bertil@kone.example;Tuntematon Neuvoja;;;
5.3.2025;;Kahvila Äijä Ky;Sähköposti;Kupla-tila;Varaus.;;;;kyllä;
"""


@pytest.fixture(autouse=True)
async def reference(db):
    """An advisor and a programme the files name."""
    advisor = await create_user(email="tero.kallio@espoo.example", name="Tero Kallio", role="advisor",
                                department="BIZ")
    programme, _ = await upsert_programme({"code": "KUPLA", "name_fi": "Kupla-tapahtumatila"})
    return {"advisor": advisor, "programme": programme}


async def companies_imported(tmp_path) -> None:
    check(await import_file("companies", write(tmp_path, "yritykset.csv", COMPANIES)), rows=4, created=4)


# --- one key, many spellings; numbers where text was meant --------------------------------------


async def test_one_business_id_written_three_ways_is_one_company(tmp_path):
    content = "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n1120389;Nokia\nFI01120389;NOKIA OYJ\n"
    summary = await import_file("companies", write(tmp_path, "kolmesti.csv", content))
    check(summary, rows=3, created=1, duplicates_in_file=2)
    assert [(row["business_id"], row["name"]) for row in await Company.select()] == [("0112038-9", "Nokia Oyj")]


async def test_numbers_where_text_was_meant_in_a_csv(tmp_path):
    content = ("Y-tunnus;Nimi;Postinumero;Kuntakoodi\n"
               "1120389;Nokia Oyj;2150;49\n"
               "19274001.0;KONE Oyj;2150.0;\n"
               "0112038-8;Väärä Oy;02150;\n")
    summary = await import_file("companies", write(tmp_path, "numerot.csv", content))
    check(summary, rows=3, created=2, errors=1)
    stored = await companies()
    assert stored["Nokia Oyj"]["business_id"] == "0112038-9"
    assert stored["Nokia Oyj"]["postal_code"] == "02150"
    assert stored["Nokia Oyj"]["municipality_code"] == "049"
    assert stored["KONE Oyj"]["business_id"] == "1927400-1" and stored["KONE Oyj"]["postal_code"] == "02150"
    assert await row_errors(summary.batch_id) == [(4, "Business ID '0112038-8': wrong check digit")]


async def test_real_numbers_and_dates_in_an_xlsx_file(tmp_path, reference):
    """Excel hands over ints, floats and datetimes, not text; line numbers are sheet rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Y-tunnus", "Yrityksen nimi", "Postinumero"])
    sheet.append([1120389.0, "Nokia Oyj", 2150])
    sheet.append([19274001, "KONE Oyj", 2150.0])
    sheet.append([None, None, None])  # a blank row is not a row
    sheet.append([1234567.0, "Väärä Oy", 2150])  # read as 0123456-7: a wrong check digit
    sheet.append(["2336509-6", 3, "00180"])  # a company called 3
    path = tmp_path / "yritykset.xlsx"
    workbook.save(path)
    summary = await import_file("companies", path)
    check(summary, rows=4, created=3, errors=1)
    stored = {row["business_id"]: row for row in await Company.select()}
    assert stored["0112038-9"]["postal_code"] == "02150" and stored["0112038-9"]["name"] == "Nokia Oyj"
    assert stored["1927400-1"]["postal_code"] == "02150"
    assert stored["2336509-6"]["name"] == "3"
    [(line, reason)] = await row_errors(summary.batch_id)
    assert line == 5 and "1234567" in reason

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Päivämäärä", "Y-tunnus", "Tyyppi", "Aihe", "Seurantapäivä"])
    sheet.append([dt.datetime(2025, 3, 3, 14, 30), 1120389, "Tapaaminen", "Kasvu", dt.date(2025, 4, 1)])
    sheet.append([dt.date(2025, 3, 4), "1927400-1", "Puhelu", "Tilat", None])
    sheet.append(["31.2.2025", "1927400-1", "Puhelu", "Ei ole", None])
    path = tmp_path / "tapaamiset.xlsx"
    workbook.save(path)
    summary = await import_file("interactions", path, department="BIZ")
    check(summary, rows=3, created=2, errors=1)
    stored = {row["subject"]: row for row in await Interaction.select()}
    assert stored["Kasvu"]["date"] == dt.date(2025, 3, 3)
    assert stored["Kasvu"]["follow_up_date"] == dt.date(2025, 4, 1)
    assert stored["Tilat"]["date"] == dt.date(2025, 3, 4)
    assert await row_errors(summary.batch_id) == [(4, "Date '31.2.2025' does not exist")]


async def test_a_date_that_does_not_exist_is_a_row_error_naming_it(tmp_path, reference):
    await companies_imported(tmp_path)
    content = ("Päivämäärä;Y-tunnus;Tyyppi;Aihe;Seurantapäivä\n"
               "31.2.2025;0112038-9;Tapaaminen;Karkauspäivä;\n"
               "1.3.2025;0112038-9;Tapaaminen;Seuranta;30.2.2025\n"
               "1.3.2025;0112038-9;Tapaaminen;Kunnossa;\n")
    summary = await import_file("interactions", write(tmp_path, "pvm.csv", content), department="BIZ")
    check(summary, rows=3, created=2, errors=1, warnings=1)  # a follow-up date is no key: dropped, row kept
    assert await row_file(summary.batch_id) == [(2, "Date '31.2.2025' does not exist"),
                                                (3, "Warning: Date '30.2.2025' does not exist (left blank)")]
    contacts = "Etunimi;Sukunimi;Y-tunnus;Alkaen\nAino;Virtanen;0112038-9;31.2.2025\n"
    summary = await import_file("contacts", write(tmp_path, "alkaen.csv", contacts))
    check(summary, rows=1, created=1, warnings=1)
    assert await row_file(summary.batch_id) == [(2, "Warning: Date '31.2.2025' does not exist (left blank)")]


# --- importing the same file twice --------------------------------------------------------------


async def test_companies_imported_twice_change_nothing_the_second_time(tmp_path, reference):
    path = write(tmp_path, "yritykset.csv", COMPANIES)
    check(await import_file("companies", path), rows=4, created=4)
    stored = await companies()
    assert stored["Nokia Oyj"]["responsible_advisor"] == reference["advisor"]
    assert stored["Kahvila Äijä Ky"]["business_id"] is None
    assert stored["Kahvila Äijä Ky"]["municipality_code"] == "049"
    before = await snapshot(batches=False)
    check(await import_file("companies", path), rows=4, unchanged=4)
    assert await snapshot(batches=False) == before


async def test_contacts_imported_twice_change_nothing_the_second_time(tmp_path, reference):
    await companies_imported(tmp_path)
    path = write(tmp_path, "yhteyshenkilot.csv", CONTACTS)
    summary = await import_file("contacts", path)
    check(summary, rows=3, created=3)
    stored = {row["last_name"]: row for row in await Contact.select()}
    assert stored["Virtanen"]["email"] == "aino.virtanen@nokia.example"
    assert stored["Virtanen"]["phone"] == "+358401234567"
    assert stored["Öhman"]["language"] == "sv"
    assert stored["Äijä"]["email"] is None
    roles = await CompanyContact.select(CompanyContact.role, CompanyContact.start_date, CompanyContact.company.name)
    assert sorted((row["company.name"], row["role"], row["start_date"]) for row in roles) == [
        ("KONE Oyj", "", dt.date(2020, 3, 1)),
        ("Kahvila Äijä Ky", "Omistaja", None),
        ("Nokia Oyj", "Toimitusjohtaja", dt.date(2020, 3, 1)),
    ]
    before = await snapshot(batches=False)
    check(await import_file("contacts", path), rows=3, unchanged=3)
    assert await snapshot(batches=False) == before


async def test_interactions_imported_twice_change_nothing_the_second_time(tmp_path, reference):
    await companies_imported(tmp_path)
    check(await import_file("contacts", write(tmp_path, "yhteyshenkilot.csv", CONTACTS)), rows=3, created=3)
    path = write(tmp_path, "tapaamiset.csv", INTERACTIONS)
    summary = await import_file("interactions", path, department="BIZ")
    check(summary, rows=3, created=3)
    stored = {row["subject"]: row for row in await Interaction.select(
        Interaction.all_columns(), Interaction.department.code.as_alias("department_code"))}
    assert {row["department_code"] for row in stored.values()} == {"BIZ"}
    assert stored["Kasvusuunnitelma"]["advisor"] == reference["advisor"]
    assert stored["Kasvusuunnitelma"]["kind"] == "meeting"
    assert stored["Kasvusuunnitelma"]["follow_up_date"] == dt.date(2025, 4, 1)
    assert stored["Tilat"]["advisor"] is None and stored["Tilat"]["advisor_name"] == "Tuntematon Neuvoja"
    assert stored["Kupla-tila"]["kind"] == "email" and stored["Kupla-tila"]["follow_up_done"]
    assert await InteractionContact.count() == 2
    before = await snapshot(batches=False)
    check(await import_file("interactions", path, department="BIZ"), rows=3, unchanged=3)
    assert await snapshot(batches=False) == before
    # The same meetings logged by another department are that department's own record.
    check(await import_file("interactions", path, department="TYO"), rows=3, created=3)


async def test_rows_naming_a_company_not_in_the_record(tmp_path, reference):
    await companies_imported(tmp_path)
    before = await snapshot(batches=False)
    contacts = ("Etunimi;Sukunimi;Y-tunnus;Yritys\n"
                "Aino;Virtanen;1041090-0;\n"
                "Bertil;Öhman;;Tuntematon Oy\n")
    summary = await import_file("contacts", write(tmp_path, "c.csv", contacts))
    check(summary, rows=2, errors=2)
    errors = await row_errors(summary.batch_id)
    assert errors[0] == (2, "No company with Business ID 1041090-0 is in the record (import companies first)")
    assert errors[1] == (3, "Company 'Tuntematon Oy' is not in the record (import companies first)")
    interactions = "Päivämäärä;Y-tunnus;Tyyppi\n1.3.2025;1041090-0;Tapaaminen\n"
    summary = await import_file("interactions", write(tmp_path, "i.csv", interactions), department="BIZ")
    check(summary, rows=1, errors=1)
    [(line, reason)] = await row_errors(summary.batch_id)
    assert line == 2 and "import companies first" in reason
    assert await snapshot(batches=False) == before


async def test_references_too_long_are_row_errors_not_a_crash(tmp_path):
    """A company name, full name, role or advisor past its limit in a contact or interaction row."""
    await companies_imported(tmp_path)
    contacts = ("Nimi;Y-tunnus;Yritys;Rooli\n"
                f"Aino Virtanen;;{'Y' * 301};\n"
                f"{'A' * 201};0112038-9;;\n"
                f"Bertil Öhman;0112038-9;;{'R' * 201}\n"
                "Cecilia Äijä;0112038-9;;Omistaja\n")
    summary = await import_file("contacts", write(tmp_path, "c.csv", contacts))
    check(summary, rows=4, created=2, errors=2, warnings=1)  # a role is no key: dropped, the person kept
    assert await row_file(summary.batch_id) == [
        (2, "Company name is 301 characters long; at most 300 fit"),
        (3, "Full name is 201 characters long; at most 200 fit"),
        (4, "Warning: Role is 201 characters long; at most 200 fit (left blank)"),
    ]
    interactions = (f"Päivämäärä;Y-tunnus;Tyyppi;Neuvoja\n1.3.2025;0112038-9;Tapaaminen;{'N' * 201}\n")
    summary = await import_file("interactions", write(tmp_path, "i.csv", interactions), department="BIZ")
    check(summary, rows=1, created=1, warnings=1)
    assert await row_file(summary.batch_id) == [
        (2, "Warning: Advisor is 201 characters long; at most 200 fit (left blank)")]


# --- what a file may and may not change -------------------------------------------------------


async def test_updates_keep_what_a_file_may_not_change(tmp_path, reference):
    """A blank cell never erases; the same name spelled differently is not an update; a stored
    responsible advisor stays; programmes are added, not replaced."""
    await companies_imported(tmp_path)
    other = await create_user(email="other.advisor@espoo.example", name="Other", role="advisor", department="TYO")
    await upsert_programme({"code": "SOFT", "name_fi": "Soft Landing"})
    content = ("Y-tunnus;Yrityksen nimi;Postinumero;Postitoimipaikka;Vastuuhenkilö;Ohjelmat\n"
               "0112038-9;NOKIA OYJ;;;other.advisor@espoo.example;SOFT\n"
               "1927400-1;Kone Elevators Oy;;Vantaa;other.advisor@espoo.example;\n"
               "2336509-6;SUPERCELL OY;00180;Helsinki;;\n")
    summary = await import_file("companies", write(tmp_path, "paivitys.csv", content))
    check(summary, rows=3, updated=2, unchanged=1)
    stored = {row["business_id"]: row for row in await Company.select()}
    nokia, kone, supercell = stored["0112038-9"], stored["1927400-1"], stored["2336509-6"]
    assert (nokia["name"], nokia["postal_code"], nokia["city"]) == ("Nokia Oyj", "02610", "Espoo")
    assert nokia["responsible_advisor"] == reference["advisor"]
    programmes = await CompanyProgramme.select(CompanyProgramme.programme.code).where(
        CompanyProgramme.company == nokia["id"])
    assert sorted(row["programme.code"] for row in programmes) == ["KUPLA", "SOFT"]
    assert (kone["name"], kone["name_key"], kone["city"]) == ("Kone Elevators Oy", "kone elevators", "Vantaa")
    assert kone["postal_code"] == "02150" and kone["responsible_advisor"] == other
    assert supercell["name"] == "Supercell Oy" and supercell["city"] == "Helsinki"


async def test_a_file_keyed_by_business_id_updates_without_naming_the_companies(tmp_path, reference):
    """'Y-tunnus;Vastuuhenkilö' assigns advisors; a row whose Business ID is not stored cannot create a
    company without a name; a row with neither is an error of its own."""
    await companies_imported(tmp_path)
    content = ("Y-tunnus;Vastuuhenkilö;Yrityksen nimi\n"
               "1927400-1;tero.kallio@espoo.example;\n"
               "1041090-0;tero.kallio@espoo.example;\n"
               ";tero.kallio@espoo.example;\n"
               f";;{'X' * 301}\n")
    summary = await import_file("companies", write(tmp_path, "vastuut.csv", content))
    check(summary, rows=4, updated=1, errors=3)
    assert await row_errors(summary.batch_id) == [
        (3, "Company name is required: no company with Business ID 1041090-0 is in the record"),
        (4, "The row has neither a company name nor a Business ID"),
        (5, "Company name is 301 characters long; at most 300 fit"),
    ]
    kone = (await companies())["KONE Oyj"]
    assert kone["responsible_advisor"] == reference["advisor"] and kone["postal_code"] == "02150"


async def test_an_unknown_advisor_or_programme_is_left_out_with_a_warning(tmp_path, reference):
    """SPEC §6: a row is refused only for what makes it unusable; the company is kept without them."""
    content = ("Y-tunnus;Nimi;Vastuuhenkilö;Ohjelmat;Verkkosivu\n"
               "0112038-9;Nokia Oyj;nobody@espoo.example;;\n"
               "1927400-1;KONE Oyj;;KUPLA, NOPE;ei osoite\n")
    summary = await import_file("companies", write(tmp_path, "viitteet.csv", content))
    check(summary, rows=2, created=2, warnings=2)
    assert await row_file(summary.batch_id) == [
        (2, "Warning: No user has the e-mail address nobody@espoo.example (responsible advisor)"),
        (3, "Warning: Website 'ei osoite' is not a web address (left blank); Unknown programme: NOPE"),
    ]
    stored = await companies()
    assert stored["Nokia Oyj"]["responsible_advisor"] is None
    kone_programmes = await CompanyProgramme.select(CompanyProgramme.programme.code).where(
        CompanyProgramme.company == stored["KONE Oyj"]["id"])
    assert kone_programmes == [{"programme.code": "KUPLA"}]


async def test_one_stored_company_is_matched_by_one_row_of_a_file(tmp_path):
    """Two rows that both match a stored company without a Business ID by name and postal code: the
    first row claims it; the second, with a Business ID of its own, is another company. Importing the
    file again then finds every row's company and changes nothing."""
    check(await import_file("companies", write(tmp_path, "a.csv", "Nimi;Postinumero\nKupla Oy;02150\n")),
          rows=1, created=1)
    content = ("Y-tunnus;Nimi;Postinumero\n"
               "0112038-9;Kupla Oy;02150\n"
               "1927400-1;Kupla Oy;02150\n"
               ";Kupla Oy;02150\n")
    path = write(tmp_path, "b.csv", content)
    check(await import_file("companies", path), rows=3, created=1, updated=1, duplicates_in_file=1)
    assert sorted(row["business_id"] for row in await Company.select()) == ["0112038-9", "1927400-1"]
    assert await ImportChange.count() == 1
    before = await snapshot(batches=False)
    check(await import_file("companies", path), rows=3, unchanged=2, duplicates_in_file=1)
    assert await snapshot(batches=False) == before


async def test_one_stored_contact_is_matched_by_one_row_of_a_file(tmp_path):
    await companies_imported(tmp_path)
    check(await import_file("contacts", write(tmp_path, "a.csv", "Nimi;Y-tunnus\nAino Virtanen;0112038-9\n")),
          rows=1, created=1)
    content = ("Nimi;Sähköposti;Y-tunnus\n"
               "Aino Virtanen;aino@nokia.example;0112038-9\n"
               "Aino Virtanen;aino.v@gmail.example;0112038-9\n")
    path = write(tmp_path, "b.csv", content)
    check(await import_file("contacts", path), rows=2, created=1, updated=1)
    assert sorted(row["email"] for row in await Contact.select()) == ["aino.v@gmail.example", "aino@nokia.example"]
    before = await snapshot(batches=False)
    check(await import_file("contacts", path), rows=2, unchanged=2)
    assert await snapshot(batches=False) == before


CHUNKY_COMPANIES = """\
Y-tunnus;Nimi;Postinumero
;Kupla Oy;02150
0112038-9;Kupla Oy;02150
1927400-1;KONE Oyj;02150
;Kone Oyj;02150
1120389;Nokia;02150
2336509-6;Pixel Oy;00180
;PIXEL OY;00180
1041090-0;Pixel Oy;00180
"""

CHUNKY_CONTACTS = """\
Nimi;Sähköposti;Y-tunnus
Aino Virtanen;;0112038-9
Aino Virtanen;aino@kupla.example;0112038-9
Bertil Öhman;bertil@kone.example;1927400-1
Bertil Öhman;;1927400-1
Bertil Öhman;BERTIL@kone.example;1927400-1
"""


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 5000])
async def test_counts_and_records_do_not_depend_on_where_chunks_split_the_file(tmp_path, chunk_rows):
    """Rows that meet the same record in one chunk or across a chunk boundary are counted alike: the
    first row creates or claims it, a later row without a key of its own is a duplicate, a later row
    with another Business ID or e-mail is another record."""
    summary = await import_file("companies", write(tmp_path, "c.csv", CHUNKY_COMPANIES), chunk_rows=chunk_rows)
    check(summary, rows=8, created=5, duplicates_in_file=3)
    rows = await Company.select(Company.business_id, Company.name).order_by(Company.id)
    assert [(row["business_id"], row["name"]) for row in rows] == [
        (None, "Kupla Oy"), ("0112038-9", "Kupla Oy"), ("1927400-1", "KONE Oyj"), ("2336509-6", "Pixel Oy"),
        ("1041090-0", "Pixel Oy")]
    summary = await import_file("contacts", write(tmp_path, "p.csv", CHUNKY_CONTACTS), chunk_rows=chunk_rows)
    check(summary, rows=5, created=3, duplicates_in_file=2)
    rows = await Contact.select(Contact.email, Contact.last_name).order_by(Contact.id)
    assert [(row["last_name"], row["email"]) for row in rows] == [
        ("Virtanen", None), ("Virtanen", "aino@kupla.example"), ("Öhman", "bertil@kone.example")]


# --- dry run, crash, refusal --------------------------------------------------------------------


async def test_dry_run_reports_the_real_counts_and_writes_nothing(tmp_path, reference):
    await companies_imported(tmp_path)
    content = ("Y-tunnus;Yrityksen nimi;Postinumero\n"
               "0112038-9;Nokia Oyj;02611\n"      # updated
               "1927400-1;KONE Oyj;02150\n"       # unchanged
               "1041090-0;UPM-Kymmene Oyj;00100\n"  # created
               "1041090-0;UPM;00100\n"             # duplicate in file
               "1234567-2;Väärä Oy;\n")            # error
    path = write(tmp_path, "kuiva.csv", content)
    before = await snapshot()
    dry = await import_file("companies", path, dry_run=True, error_path=tmp_path / "kuiva.errors.csv")
    check(dry, rows=5, created=1, updated=1, unchanged=1, duplicates_in_file=1, errors=1)
    assert dry.dry_run and dry.batch_id is None
    assert await snapshot() == before
    real = await import_file("companies", path)
    assert {**dry.as_dict(), "batch_id": real.batch_id, "dry_run": False, "seconds": 0, "error_file": None} == \
        {**real.as_dict(), "seconds": 0}
    assert await ImportBatch.count() == 2


@pytest.mark.parametrize("kind", ["companies", "contacts"])
async def test_a_dry_run_in_chunks_finds_what_earlier_chunks_created(tmp_path, kind):
    """SQLite rolls each chunk of a dry run back: a later chunk must still find, by name, the record an
    earlier one created, as the real run finds it in the database (PostgreSQL: one transaction)."""
    if kind == "companies":
        content = ("Y-tunnus;Yrityksen nimi;Postinumero\n"
                   "0112038-9;Nokia Oyj;02610\n"
                   "1927400-1;KONE Oyj;02150\n"
                   ";Nokia Oyj;02610\n"      # chunk 2: no Business ID, the name and postal code of line 2
                   ";Pieni Ky;02100\n"
                   ";Pieni Ky;02100\n")      # chunk 3: a repeat of line 5
    else:
        await companies_imported(tmp_path)
        content = ("Etunimi;Sukunimi;Sähköposti;Y-tunnus\n"
                   "Aino;Virtanen;aino@kupla.example;0112038-9\n"
                   "Bertil;Öhman;;0112038-9\n"
                   "Aino;Virtanen;;0112038-9\n"  # chunk 2: no e-mail, the person of line 2 at the same company
                   "Bertil;Öhman;;0112038-9\n")
    path = write(tmp_path, "paloina.csv", content)
    before = await snapshot()
    dry = await import_file(kind, path, dry_run=True, chunk_rows=2)
    assert await snapshot() == before
    real = await import_file(kind, path, chunk_rows=2)
    assert real.duplicates_in_file == 2
    assert {**dry.as_dict(), "batch_id": real.batch_id, "dry_run": False, "seconds": 0} == \
        {**real.as_dict(), "seconds": 0}


@pytest.mark.parametrize("turn", [0, 600], ids=["chunk-committed", "chunk-in-the-open-turn"])
async def test_a_crash_mid_batch_leaves_the_database_as_it_was(tmp_path, monkeypatch, turn):
    """On SQLite the first chunk is committed (its turn ended) or still in the failing chunk's open turn."""
    monkeypatch.setattr(db, "TURN_SECONDS", turn)
    check(await import_file("companies", write(tmp_path, "ennen.csv", "Y-tunnus;Nimi\n2336509-6;Supercell Oy\n")),
          rows=1, created=1)
    before = await snapshot(batches=False)
    calls = []
    insert_companies = load._insert_companies

    async def failing_on_the_second_chunk(new, context):
        calls.append(len(new))
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return await insert_companies(new, context)

    monkeypatch.setattr(load, "_insert_companies", failing_on_the_second_chunk)
    # chunk 1 updates Supercell and creates Nokia (on SQLite it commits); chunk 2 fails
    content = ("Y-tunnus;Nimi;Kotisivu\n2336509-6;Supercell Oyj;supercell.com\n0112038-9;Nokia Oyj;\n"
               "1234567-2;Väärä Oy;\n1041090-0;UPM-Kymmene Oyj;\n0101263-6;Espoon kaupunki;\n")
    with pytest.raises(RuntimeError, match="disk on fire"):
        await import_file("companies", write(tmp_path, "kaatuu.csv", content), chunk_rows=2,
                          error_path=tmp_path / "kaatuu.errors.csv")
    assert calls == [1, 1]
    assert await snapshot(batches=False) == before
    assert not (tmp_path / "kaatuu.errors.csv").exists()  # chunk 1's error row was never committed either
    assert [row["name"] for row in await Company.select()] == ["Supercell Oy"]
    batch = await ImportBatch.select().order_by(ImportBatch.id, ascending=False).first()
    assert batch["file_name"] == "kaatuu.csv" and batch["status"] == "failed"
    # SQLite committed chunk 1 and undid it by the batch's own revert data, or rolled back its turn;
    # PostgreSQL's one transaction rolled back
    undone = "; rolled back: 1 removed, 1 restored" if db.is_sqlite() and turn == 0 else ""
    assert reason_in("en", batch["message"]) == "RuntimeError: disk on fire" + undone
    assert batch["finished_at"] is not None
    assert await ImportRowError.count() == 0 and await ImportChange.count() == 0


async def test_an_unknown_department_refuses_the_file(tmp_path):
    await companies_imported(tmp_path)
    before = await snapshot()
    path = write(tmp_path, "tapaamiset.csv", "Päivämäärä;Y-tunnus;Tyyppi\n1.3.2025;0112038-9;Tapaaminen\n")
    with pytest.raises(ImportRefused, match="Unknown department 'NOPE'"):
        await import_file("interactions", path, department="NOPE")
    assert await snapshot() == before


async def test_department_by_column_and_by_default(tmp_path):
    await companies_imported(tmp_path)
    content = ("Päivämäärä;Y-tunnus;Tyyppi;Aihe;Yksikkö\n"
               "1.3.2025;0112038-9;Tapaaminen;Oletus;\n"
               "1.3.2025;0112038-9;Tapaaminen;Oma;Työllisyys Espoo\n"
               "1.3.2025;0112038-9;Tapaaminen;Outo;Avaruusosasto\n")
    path = write(tmp_path, "osastot.csv", content)
    summary = await import_file("interactions", path)
    check(summary, rows=3, created=1, errors=2)
    assert await row_errors(summary.batch_id) == [
        (2, "The row names no department (give --department or a department column)"),
        (4, "Unknown department 'Avaruusosasto'"),
    ]
    summary = await import_file("interactions", path, department="biz")
    check(summary, rows=3, created=1, unchanged=1, errors=1)
    rows = await Interaction.select(Interaction.subject, Interaction.department.code).order_by(Interaction.subject)
    assert [(row["subject"], row["department.code"]) for row in rows] == [("Oletus", "BIZ"), ("Oma", "TYO")]


# --- mapping profile ----------------------------------------------------------------------------


async def test_a_mapping_profile_names_and_ignores_columns(tmp_path):
    content = ("Asiakkaan virallinen nimi;Y-tunnus;Nimi;Postinumero\n"
               "Nokia Oyj;0112038-9;Nokia-yhteyshenkilö Aino;02610\n")
    path = write(tmp_path, "profiili.csv", content)
    profile = {"asiakkaan VIRALLINEN nimi": "name", "Nimi": None}
    summary = await import_file("companies", path, profile=profile)
    check(summary, rows=1, created=1)
    assert list(await companies()) == ["Nokia Oyj"]
    batch = await ImportBatch.select(ImportBatch.mapping).first().output(load_json=True)
    assert batch["mapping"] == {"Asiakkaan virallinen nimi": "name", "Y-tunnus": "business_id",
                                "Postinumero": "postal_code"}
    before = await snapshot()
    with pytest.raises(ImportRefused, match="'colour' is not a field of companies"):
        await import_file("companies", path, profile={"Nimi": "colour"})
    with pytest.raises(ImportRefused, match="No column of this file is recognised"):
        await import_file("companies", path, profile={"Y-tunnus": None, "Nimi": None, "Postinumero": None})
    assert await snapshot() == before


async def test_values_longer_than_their_column_are_row_errors_on_both_engines(tmp_path):
    """SQLite stores any length; PostgreSQL refuses a value past a varchar's length and would crash
    the whole batch. Values that grow while being cleaned (a scheme added to a website, a name whose
    matching key folds 'ß' to 'ss', first + last name as one key) are caught as row errors."""
    await companies_imported(tmp_path)
    website = "www." + "a" * 292 + ".fi"  # 299 characters as written, 307 with https://
    content = ("Y-tunnus;Nimi;Verkkosivu\n"
               f"1041090-0;UPM-Kymmene Oyj;{website}\n"
               f"0101263-6;{'ß' * 200};\n"
               "3267501-0;Kuplatech Oy;kuplatech.example\n")
    summary = await import_file("companies", write(tmp_path, "pitkat.csv", content))
    check(summary, rows=3, created=3, warnings=1)  # the website is dropped, the company kept
    assert await row_file(summary.batch_id) == [
        (2, "Warning: Website is 307 characters long; at most 300 fit (left blank)")]
    assert (await Company.select(Company.website).where(Company.business_id == "1041090-0").first()) == {
        "website": ""}
    long_name = await Company.select(Company.name, Company.name_key).where(
        Company.business_id == "0101263-6").first()
    assert long_name == {"name": "ß" * 200, "name_key": "s" * 300}  # the matching key is clipped
    assert (await Company.select(Company.website).where(Company.business_id == "3267501-0").first()) == {
        "website": "https://kuplatech.example"}
    contacts = ("Etunimi;Sukunimi;Y-tunnus\n"
                f"{'A' * 100};{'V' * 100};0112038-9\n"
                "Aino;Virtanen;0112038-9\n")
    summary = await import_file("contacts", write(tmp_path, "nimet.csv", contacts))
    check(summary, rows=2, created=2)  # the person key of 201 characters is clipped to its column
