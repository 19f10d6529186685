"""Real department files imported faithfully (issue #13): rows kept with warnings, placeholders blank,
combined addresses split, legal forms kept apart, register headers understood, the mapping shown,
duplicates in the file listed. The files in tests/data/import/real/ are hand-written in the shapes
met in real lists (a scraped list, a supplier list, a register extract, an update file)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from test_import_support import check, crm, one_json_object, row_errors, row_file, snapshot, write
from test_study import _compare_every_scope

from crm.importing.load import ImportRefused, import_file
from crm.tables import Company

REAL = Path(__file__).resolve().parent / "data" / "import" / "real"

pytestmark = pytest.mark.usefixtures("db")


async def stored_by_name() -> dict[str, dict]:
    return {row["name"]: row for row in await Company.select().order_by(Company.id)}


def address(row: dict) -> tuple:
    return row["street"], row["postal_code"], row["city"], row["municipality_code"]


# --- a scraped list: combined addresses, placeholders, a bad website ----------------------------


async def test_a_scraped_list_keeps_its_rows_splits_addresses_and_blanks_placeholders(tmp_path):
    summary = await import_file("companies", REAL / "ohjelmistoyritykset.csv", department="BIZ",
                                error_path=tmp_path / "rivit.csv")
    check(summary, rows=9, created=7, errors=2, warnings=1)
    stored = await stored_by_name()
    assert address(stored["Nokia Oyj"]) == ("Karakaari 7", "02610", "Espoo", "049")
    assert address(stored["Teknologian tutkimuskeskus VTT Oy"]) == ("Vuorimiehentie 3", "02150", "Espoo", "049")
    assert address(stored["Neste Oyj"]) == ("Keilaranta 21", "02150", "Espoo", "049")  # a quoted two-line cell
    assert address(stored["Pöllösoft"]) == ("Otsvängen 1", "02150", "Esbo", "049")  # Swedish: Esbo
    assert address(stored["Postilokero Oy"]) == ("PL 12", "00101", "Helsinki", "")  # not an Espoo code
    assert address(stored["Vain postinumero Oy"]) == ("", "02100", "Espoo", "049")
    assert address(stored["Kuplatech"]) == ("", "", "", "")  # 'Osoitetta ei löydy' is no street
    # placeholders are blank, not values and not reasons to refuse a row
    assert stored["Teknologian tutkimuskeskus VTT Oy"]["website"] == ""
    assert stored["Pöllösoft"]["website"] == "" and stored["Postilokero Oy"]["website"] == ""
    assert stored["Neste Oyj"]["website"] == "https://www.neste.fi"
    # a website that is none is dropped with a warning; the company is kept
    assert stored["Kuplatech"]["website"] == ""
    # the department's 'Lisätiedot' are the company's notes
    assert stored["Nokia Oyj"]["notes"] == "Verkkoinfra" and stored["Neste Oyj"]["notes"] == "Jalostamo Porvoossa"
    assert await row_file(summary.batch_id) == [
        (7, "Warning: Website 'www kuplatech fi' is not a web address (left blank)"),
        (10, "The row has neither a company name nor a Business ID"),
        (11, "Business ID '1234567-2': wrong check digit"),
    ]
    # the mapping: header as written -> field, None for the column nobody maps
    assert summary.mapping == {"Yritys": "name", "Y-tunnus": "business_id", "Osoite": "street",
                               "Verkkosivut": "website", "Puhelin": None, "Lisätiedot": "notes"}
    rows = list(csv.reader(io.StringIO((tmp_path / "rivit.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [row[:2] for row in rows[1:]] == [[line, reason] for line, reason in
                                             [(str(line), reason) for line, reason in
                                              await row_file(summary.batch_id)]]
    assert summary.error_file == str(tmp_path / "rivit.csv")
    await _compare_every_scope()
    again = await import_file("companies", REAL / "ohjelmistoyritykset.csv", department="BIZ")
    check(again, rows=9, unchanged=7, errors=2, warnings=1)


# --- a supplier list: Ky/Oy twins, the same name with two Business IDs, repeated rows -------------


async def test_a_supplier_list_keeps_legal_forms_and_business_ids_apart(tmp_path):
    summary = await import_file("companies", REAL / "toimittajat.csv", department="TYO")
    check(summary, rows=10, created=8, duplicates_in_file=2)
    names = sorted((row["name"], row["business_id"] or "") for row in await Company.select())
    assert names == [("KONE", "2336509-6"), ("KONE Oyj", "1927400-1"), ("Kahvila Äijä Ky", ""),
                     ("Metsä", ""), ("Metsä Tmi", ""), ("Pöllösoft Oy", ""), ("TULIKUKKA KY", ""),
                     ("TULIKUKKA OY", "")]
    assert await row_file(summary.batch_id) == [
        # no form given: it can be either, the first wins; its spelling of the name is not stored
        (4, "Duplicate in the file: repeats line 2; not stored: Company name 'Tulikukka'"),
        (11, "Duplicate in the file: repeats line 10"),
    ]
    await _compare_every_scope()
    again = await import_file("companies", REAL / "toimittajat.csv", department="TYO")
    check(again, rows=10, unchanged=8, duplicates_in_file=2)


async def test_a_stored_company_with_a_business_id_is_never_joined_by_name_to_another_one(tmp_path):
    await import_file("companies", write(tmp_path, "a.csv", "Y-tunnus;Nimi;Postinumero\n1927400-1;KONE Oyj;02150\n"))
    summary = await import_file("companies", write(tmp_path, "b.csv",
                                                   "Y-tunnus;Nimi;Postinumero\n2336509-6;KONE Oyj;02150\n"))
    check(summary, rows=1, created=1)
    assert sorted(row["business_id"] for row in await Company.select()) == ["1927400-1", "2336509-6"]


async def test_a_company_without_business_id_is_joined_by_the_row_that_brings_one(tmp_path):
    """After address splitting, name + postal code find the record a scraped list made without a
    Business ID; a row of another legal form of that name is another company."""
    await import_file("companies", REAL / "ohjelmistoyritykset.csv", department="BIZ")
    later = ("Y-tunnus;Nimi;Osoite\n"
             '2336509-6;Pöllösoft Oy;"Otsvängen 1, 02150 Esbo"\n'  # the same company, now registered
             '0109862-8;Kuplatech Ky;"Otsvängen 1, 02150 Esbo"\n'   # no stored Kuplatech at 02150
             '1039050-8;Postilokero Ky;"PL 12, 00101 Helsinki"\n')  # Oy stored: a Ky is another company
    summary = await import_file("companies", write(tmp_path, "myohemmin.csv", later), department="TALENT")
    check(summary, rows=3, created=2, updated=1)
    stored = await stored_by_name()
    assert stored["Pöllösoft"]["business_id"] == "2336509-6"
    assert stored["Postilokero Oy"]["business_id"] is None
    assert stored["Postilokero Ky"]["business_id"] == "1039050-8"
    await _compare_every_scope()


# --- a register extract: camelCase headers, 00000 -------------------------------------------------


async def test_a_register_extract_with_its_own_field_names(tmp_path):
    summary = await import_file("companies", REAL / "ytj_ote.csv", department="BIZ")
    check(summary, rows=4, created=4)
    assert summary.mapping == {
        "businessId": "business_id", "name": "name", "companyForm": "company_form",
        "mainBusinessLine": None,  # the code's description: mainBusinessLineType is the code
        "mainBusinessLineType": "industry_code", "postCode": "postal_code", "street": "street",
        "city": "city", "website": "website"}
    stored = {row["business_id"]: row for row in await Company.select()}
    assert (stored["0112038-9"]["industry_code"], stored["0112038-9"]["industry_classification"]) == (
        "26300", "TOL2008")
    for unknown in ("2336509-6", "1463611-4"):  # 00000 and 0: the register's "unknown", stored blank
        assert (stored[unknown]["industry_code"], stored[unknown]["industry_classification"]) == ("", "")
    assert stored["1927400-1"]["municipality_code"] == "049" and stored["2336509-6"]["municipality_code"] == ""
    await _compare_every_scope()


# --- an update file that brings industry codes ------------------------------------------------------


async def test_industry_codes_arriving_by_update_get_their_classification(tmp_path):
    await import_file("companies", REAL / "ytj_ote.csv", department="BIZ")
    summary = await import_file("companies", REAL / "toimialat.csv", department="BIZ")
    check(summary, rows=4, updated=3, unchanged=1)
    stored = {row["business_id"]: (row["industry_code"], row["industry_classification"])
              for row in await Company.select()}
    assert stored == {"0112038-9": ("26300", "TOL2008"), "1927400-1": ("2822", "TOL2008"),
                      "2336509-6": ("58210", "TOL2008"), "1463611-4": ("3511", "TOL2008")}
    # a code stored without its classification (before this rule) gets one from the next file
    await Company.update({Company.industry_classification: ""}).where(Company.business_id == "0112038-9")
    check(await import_file("companies", REAL / "toimialat.csv", department="BIZ"), rows=4, updated=1,
          unchanged=3)
    assert (await Company.select(Company.industry_classification).where(
        Company.business_id == "0112038-9").first())["industry_classification"] == "TOL2008"
    await _compare_every_scope()


# --- the mapping and refusals -------------------------------------------------------------------


async def test_the_cli_prints_the_mapping_before_it_starts_a_dry_run_too(tmp_path):
    before = await snapshot()
    result = crm("import", "companies", str(REAL / "ohjelmistoyritykset.csv"), "--dry-run", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[:7] == [
        "column 'Yritys' -> name", "column 'Y-tunnus' -> business_id", "column 'Osoite' -> street",
        "column 'Verkkosivut' -> website", "column 'Puhelin' -> not mapped (ignored)",
        "column 'Lisätiedot' -> notes", "not mapped: Puhelin (map them with --mapping FILE.json)"]
    summary = one_json_object(result.stdout)
    assert (summary["rows"], summary["created"], summary["errors"], summary["warnings"]) == (9, 7, 2, 1)
    assert summary["mapping"]["Puhelin"] is None and summary["dry_run"] is True
    assert await snapshot() == before


async def test_a_file_of_no_recognisable_column_names_its_headers_and_how_to_map_them(tmp_path):
    path = write(tmp_path, "outo.csv", "Väri;Koko\npunainen;iso\n")
    with pytest.raises(ImportRefused) as refused:
        await import_file("companies", path)
    message = str(refused.value)
    assert "headers found: 'Väri', 'Koko'" in message and "--mapping" in message and "mapping page" in message


# --- hostile cells in the new paths ---------------------------------------------------------------


async def test_hostile_addresses_and_placeholders(tmp_path):
    content = ("Nimi;Osoite;Verkkosivu;Lisätiedot\n"
               "Injektio Oy;\"'; DROP TABLE company; --, 02150 Espoo\";N/A;<script>alert(1)</script>\n"
               "Pitkä Oy;\"" + "Katu " * 70 + "1, 02150 Espoo\";-;\n"
               "Nollat Oy;\"Katu 1, 00000 \x00Espoo\";ei ole;\n"
               "-;Katu 1;;\n")
    summary = await import_file("companies", write(tmp_path, "vihamielinen.csv", content), department="BIZ")
    check(summary, rows=4, created=3, errors=1, warnings=1)
    stored = await stored_by_name()
    assert address(stored["Injektio Oy"]) == ("'; DROP TABLE company; --", "02150", "Espoo", "049")
    assert stored["Injektio Oy"]["notes"] == "<script>alert(1)</script>"
    assert stored["Pitkä Oy"]["street"] == "" and stored["Pitkä Oy"]["postal_code"] == "02150"  # too long: warned
    assert address(stored["Nollat Oy"]) == ("Katu 1", "00000", "Espoo", "049")  # Espoo by its city
    assert [line for line, _ in await row_errors(summary.batch_id)] == [5]  # '-' is no name


# --- the browser import: warnings beside the rows ---------------------------------------------------


async def test_the_browser_preview_and_result_show_warnings_and_duplicates_beside_the_rows():
    import asyncio

    from crm.tables import ImportUpload
    from tests.webutil import client, login, make_user

    await make_user("root@espoo.example", role="admin")
    content = ("Yritys;Y-tunnus;Osoite;Verkkosivut;Lisätiedot\r\n"
               "Kuplatech Oy;;\"Tekniikantie 14, 02150 Espoo\";www kuplatech fi;Pop-up <b>tila</b>\r\n"
               "Kuplatech Oy;;\"Tekniikantie 14, 02150 Espoo\";Verkkosivuja ei löydy;Toinen haara\r\n"
               "TULIKUKKA KY;;02600 Espoo;-;\r\n"
               "TULIKUKKA OY;;02600 Espoo;-;\r\n").encode("utf-8")
    async with client() as c:
        token = await login(c, "root@espoo.example")
        uploaded = await c.post("/imports/upload", files={"file": ("lista.csv", content, "text/csv")},
                                data={"kind": "companies", "department": "BIZ"}, headers={"X-CSRFToken": token},
                                follow_redirects=False)
        upload_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        proposed = await c.get(f"/imports/uploads/{upload_id}")
        assert "Lisätiedot" in proposed.text
        confirmed = await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "name", "column-1": "business_id", "column-2": "street", "column-3": "website",
            "column-4": "notes", "_csrf_token": token}, follow_redirects=False)
        assert confirmed.status_code == 303
        preview = await c.get(f"/imports/uploads/{upload_id}/preview")
        assert preview.status_code == 200
        assert 'class="row-warning"' in preview.text
        assert "Website &#39;www kuplatech fi&#39; is not a web address (left blank)" in preview.text
        assert "Tekniikantie 14" in preview.text and "02150" in preview.text  # the address split
        assert "<b>tila</b>" not in preview.text  # escaped
        for _ in range(200):
            upload = await ImportUpload.select().where(ImportUpload.id == upload_id).output(load_json=True).first()
            if upload["status"] in ("checked", "failed"):
                break
            await asyncio.sleep(0.05)
        assert upload["status"] == "checked", upload["message"]
        assert upload["dry_run"]["warnings"] == 1 and upload["dry_run"]["duplicates_in_file"] == 1
        assert upload["dry_run"]["created"] == 3
        status = await c.get(f"/imports/uploads/{upload_id}/status", headers={"HX-Request": "true"})
        assert "Warnings" in status.text and "Columns not imported" not in status.text  # every column mapped
        await c.post(f"/imports/uploads/{upload_id}/run", data={"_csrf_token": token}, follow_redirects=False)
        for _ in range(200):
            upload = await ImportUpload.select().where(ImportUpload.id == upload_id).output(load_json=True).first()
            if upload["status"] in ("done", "failed"):
                break
            await asyncio.sleep(0.05)
        assert upload["status"] == "done"
        result = await c.get(f"/imports/{upload['batch']}")
        assert "Rows not stored as given" in result.text
        assert "Duplicate in the file: repeats line 2; not stored: Notes &#39;Toinen haara&#39;" in result.text
        assert "Warning: Website" in result.text and "errors.csv" in result.text
        names = sorted(row["name"] for row in await Company.select(Company.name))
        assert names == ["Kuplatech Oy", "TULIKUKKA KY", "TULIKUKKA OY"]
        card = await c.get(f"/companies/{(await Company.select(Company.id).where(Company.name == 'Kuplatech Oy').first())['id']}")
        assert "Pop-up &lt;b&gt;tila&lt;/b&gt;" in card.text  # the notes on the card, escaped


async def test_contacts_and_interactions_name_the_right_twin(tmp_path):
    await import_file("companies", REAL / "toimittajat.csv", department="TYO")
    contacts = ("Etunimi;Sukunimi;Yritys\n"
                "Aino;Virtanen;Tulikukka Oy\n"
                "Bertil;Öhman;Tulikukka Kb\n"   # Kb is Ky in Swedish
                "Cecilia;Äijä;Tulikukka\n")     # no form: either twin, so it cannot say which
    summary = await import_file("contacts", write(tmp_path, "henkilot.csv", contacts))
    check(summary, rows=3, created=2, errors=1)
    assert await row_errors(summary.batch_id) == [
        (4, "Several companies are called 'Tulikukka': give the Business ID")]
    from crm.tables import CompanyContact, Contact

    links = {row["contact.last_name"]: row["company.name"] for row in await CompanyContact.select(
        CompanyContact.contact.last_name, CompanyContact.company.name)}
    assert links == {"Virtanen": "TULIKUKKA OY", "Öhman": "TULIKUKKA KY"}
    assert await Contact.count() == 2
