"""Why a row was not stored as given (issues #13, #12): a duplicate contact or interaction names the
line it repeats and the values the file loses, as a company does; every reason is kept in no one
language and shown in the reader's (fi, sv, en) on the result page, the preview and the row file,
while the CLI's row file stays English. Hostile cells stay on one line and formula-safe."""

from __future__ import annotations

import asyncio
import codecs
import csv
import datetime as dt
import io

import pytest
from test_import_support import check, crm, row_file, write

from crm.domain import reasons
from crm.importing.load import import_file
from crm.services.programmes import upsert_programme
from crm.services.users import create_user
from crm.tables import ImportBatch, ImportRowError, ImportUpload
from tests.webutil import PASSWORD, client, login

pytestmark = pytest.mark.usefixtures("db")

COMPANIES = "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n1927400-1;KONE Oyj\n"
HYPERLINK = '=HYPERLINK("http://evil.example","x")'
LONG = "x" * 5000
SHORTENED = "x" * 79 + "…"  # a quoted value is at most 80 characters


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


async def companies(tmp_path) -> None:
    check(await import_file("companies", write(tmp_path, "yritykset.csv", COMPANIES)), rows=2, created=2)


def csv_rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


# --- contacts ---------------------------------------------------------------------------------

CONTACTS = ("Etunimi;Sukunimi;Sähköposti;Puhelin;Titteli;Y-tunnus;Rooli\n"
            "Aino;Virtanen;aino@nokia.example;;Toimitusjohtaja;0112038-9;Omistaja\n"
            "Aino;Virtanen;aino@nokia.example;;Myyntijohtaja;0112038-9;Myynti\n"
            "Bertil;Öhman;;;;0112038-9;\n"
            f"Bertil;Öhman;;040 123 4567;{quoted(HYPERLINK)};0112038-9;{quoted('rivi yksi' + chr(10) + 'rivi kaksi')}\n"
            "Aino;Virtanen;aino@nokia.example;;Toimitusjohtaja;0112038-9;\n")
CONTACT_REASONS = [
    (3, "Duplicate in the file: repeats line 2; not stored: Title 'Myyntijohtaja', Role 'Myynti'"),
    (5, "Duplicate in the file: repeats line 4; not stored: Phone '+358401234567', "
        "Title '=HYPERLINK(\"http://evil.example\",\"x\")', Role 'rivi yksi rivi kaksi'"),
    (7, "Duplicate in the file: repeats line 2"),  # nothing of its own: it loses nothing
]


@pytest.mark.parametrize("chunk_rows", [5000, 1])
async def test_a_duplicate_contact_names_its_line_and_what_the_file_loses(tmp_path, chunk_rows):
    """The same whether the row it repeats is in its chunk or an earlier one (known by its record)."""
    await companies(tmp_path)
    path = write(tmp_path, "henkilot.csv", CONTACTS)
    summary = await import_file("contacts", path, chunk_rows=chunk_rows, error_path=tmp_path / "rivit.csv")
    check(summary, rows=5, created=2, duplicates_in_file=3)
    assert await row_file(summary.batch_id) == CONTACT_REASONS
    rows = csv_rows((tmp_path / "rivit.csv").read_bytes())
    assert [row[:2] for row in rows[1:]] == [[str(line), reason] for line, reason in CONTACT_REASONS]
    assert rows[2][6] == "'" + HYPERLINK  # the cell itself is made formula-safe
    # the file again: each row now matches a stored person, and the duplicates say the same
    again = await import_file("contacts", path, chunk_rows=chunk_rows)
    check(again, rows=5, unchanged=2, duplicates_in_file=3)
    assert await row_file(again.batch_id) == CONTACT_REASONS


# --- interactions -----------------------------------------------------------------------------

INTERACTIONS = ("Päivämäärä;Y-tunnus;Tyyppi;Aihe;Muistiinpanot;Seurantapäivä;Luottamuksellinen;Neuvoja;"
                "Yhteyshenkilön sähköposti;Ohjelma\n"
                "1.3.2026;0112038-9;tapaaminen;Kasvusuunnitelma;Ensimmäinen;;;;;\n"
                f"1.3.2026;0112038-9;tapaaminen;kasvusuunnitelma;{quoted(HYPERLINK)};15.3.2026;kyllä;"
                "Matti Meikäläinen;aino@nokia.example;\n"
                f"1.3.2026;0112038-9;tapaaminen;Kasvusuunnitelma;{quoted('rivi yksi' + chr(13) + chr(10) + 'rivi kaksi')};;;;;\n"
                f"1.3.2026;0112038-9;tapaaminen;Kasvusuunnitelma;{LONG};;;;;KUPLA\n"
                "1.3.2026;0112038-9;tapaaminen;Kasvusuunnitelma;Ensimmäinen;;ei;;;\n")
INTERACTION_REASONS = [
    (3, "Duplicate in the file: repeats line 2; not stored: Subject 'kasvusuunnitelma', "
        "Notes '=HYPERLINK(\"http://evil.example\",\"x\")', Follow-up date '2026-03-15', Confidential 'yes', "
        "Advisor 'Matti Meikäläinen', Contacts 'aino@nokia.example'"),
    (4, "Duplicate in the file: repeats line 2; not stored: Notes 'rivi yksi rivi kaksi'"),
    (6, f"Duplicate in the file: repeats line 2; not stored: Notes '{SHORTENED}', Programmes 'KUPLA'"),
    (7, "Duplicate in the file: repeats line 2"),  # 'ei' confidential: as line 2 stored it
]


@pytest.mark.parametrize("chunk_rows", [5000, 1])
async def test_a_duplicate_interaction_names_its_line_and_what_the_file_loses(tmp_path, chunk_rows):
    await companies(tmp_path)
    await upsert_programme({"code": "KUPLA", "name_fi": "Kupla"})
    await import_file("contacts", write(tmp_path, "henkilot.csv", CONTACTS))
    path = write(tmp_path, "tapahtumat.csv", INTERACTIONS)
    summary = await import_file("interactions", path, department="BIZ", chunk_rows=chunk_rows,
                                error_path=tmp_path / "rivit.csv")
    check(summary, rows=5, created=1, duplicates_in_file=4)
    assert await row_file(summary.batch_id) == INTERACTION_REASONS
    raw = (tmp_path / "rivit.csv").read_bytes()
    rows = csv_rows(raw)
    assert [row[:2] for row in rows[1:]] == [[str(line), reason] for line, reason in INTERACTION_REASONS]
    reason_cells = [row[1] for row in rows[1:]]
    assert all("\n" not in cell and "\r" not in cell and len(cell) < 400 for cell in reason_cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)
    assert rows[1][6] == "'" + HYPERLINK and rows[3][6] == LONG  # the cells as written, made safe
    again = await import_file("interactions", path, department="BIZ", chunk_rows=chunk_rows)
    check(again, rows=5, unchanged=1, duplicates_in_file=4)
    assert await row_file(again.batch_id) == INTERACTION_REASONS


async def test_the_cli_row_file_is_english_and_each_reason_one_line(tmp_path):
    await companies(tmp_path)
    path = write(tmp_path, "henkilot.csv", CONTACTS)
    result = crm("import", "contacts", str(path), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = csv_rows((tmp_path / "henkilot.errors.csv").read_bytes())
    assert rows[0][:2] == ["line", "reason"]
    assert [row[:2] for row in rows[1:]] == [[str(line), reason] for line, reason in CONTACT_REASONS]


# --- in the reader's language -----------------------------------------------------------------

FILE = ("Y-tunnus;Nimi;Verkkosivu;Katuosoite\r\n"
        "0112038-9;Nokia Oyj;;Karakaari 7\r\n"
        "1234567-2;Väärä Oy;;\r\n"
        f"0112038-9;Nokia;;{quoted('Toinen' + chr(10) + 'katu 1')}\r\n"
        "1927400-1;KONE Oyj;www kone fi;\r\n").encode("utf-8")
EXPECTED = {
    "fi": [(3, "Y-tunnus '1234567-2': väärä tarkistusnumero"),
           (4, "Kaksoisrivi tiedostossa: toistaa rivin 2; jäi tallentamatta: Yrityksen nimi 'Nokia', "
               "Katuosoite 'Toinen katu 1'"),
           (6, "Varoitus: Verkkosivu 'www kone fi' ei ole verkko-osoite (jätettiin tyhjäksi)")],
    "sv": [(3, "FO-nummer '1234567-2': fel kontrollsiffra"),
           (4, "Dubblett i filen: upprepar rad 2; sparades inte: Företagets namn 'Nokia', "
               "Gatuadress 'Toinen katu 1'"),
           (6, "Varning: Webbplatsen 'www kone fi' är inte en webbadress (lämnades tomt)")],
    "en": [(3, "Business ID '1234567-2': wrong check digit"),
           (4, "Duplicate in the file: repeats line 2; not stored: Company name 'Nokia', "
               "Street address 'Toinen katu 1'"),
           (6, "Warning: Website 'www kone fi' is not a web address (left blank)")],
}


HEADER = {"fi": ["rivi", "syy"], "sv": ["rad", "orsak"], "en": ["line", "reason"]}


async def _until(upload_id: int, statuses: tuple[str, ...]) -> dict:
    for _ in range(300):
        upload = await ImportUpload.select().where(ImportUpload.id == upload_id).output(load_json=True).first()
        if upload["status"] in statuses:
            return upload
        await asyncio.sleep(0.05)
    raise AssertionError(upload["status"])


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_reasons_are_shown_in_the_admins_language(language):
    """An error, a duplicate and a warning: the preview's dry run, the result page and the row file
    the admin downloads say them in the admin's language; what is stored is one and the same."""
    email = f"root-{language}@espoo.example"
    await create_user(email=email, name="Root", role="admin", department="BIZ", password=PASSWORD,
                      language=language)
    expected = EXPECTED[language]
    async with client() as c:  # the browser asks for English: the admin's own choice wins
        token = await login(c, email)
        uploaded = await c.post("/imports/upload", files={"file": ("lista.csv", FILE, "text/csv")},
                                data={"kind": "companies", "department": "BIZ"}, headers={"X-CSRFToken": token},
                                follow_redirects=False)
        upload_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "business_id", "column-1": "name", "column-2": "website", "column-3": "street",
            "_csrf_token": token}, follow_redirects=False)
        upload = await _until(upload_id, ("checked", "failed"))
        assert upload["status"] == "checked", upload["message"]
        preview = await c.get(f"/imports/uploads/{upload_id}/preview")
        for line, reason in expected:
            assert f"<td>{line}</td>" in preview.text and _html(reason) in preview.text, reason
        assert 'class="row-duplicate"' in preview.text and 'class="row-error"' in preview.text
        assert 'class="row-warning"' in preview.text
        await c.post(f"/imports/uploads/{upload_id}/run", data={"_csrf_token": token}, follow_redirects=False)
        upload = await _until(upload_id, ("done", "failed"))
        assert upload["status"] == "done", upload["message"]
        result = await c.get(f"/imports/{upload['batch']}")
        for line, reason in expected:
            assert f"<td>{line}</td><td>{_html(reason)}</td>" in result.text
        download = await c.get(f"/imports/{upload['batch']}/errors.csv")
        assert download.status_code == 200
    rows = csv_rows(download.content)
    assert rows[0] == HEADER[language] + ["Y-tunnus", "Nimi", "Verkkosivu", "Katuosoite"]
    assert [(int(row[0]), row[1]) for row in rows[1:]] == expected
    assert rows[2][5] == "Toinen\nkatu 1"  # the cell as written; its reason on one line
    assert await row_file(upload["batch"]) == EXPECTED["en"]


async def test_reasons_stored_as_english_text_by_older_batches_are_shown_as_they_are():
    email = "vanha@espoo.example"
    await create_user(email=email, name="Vanha", role="admin", department="BIZ", password=PASSWORD, language="fi")
    batch = ImportBatch(kind="companies", file_name="vanha.csv", file_sha256="0" * 64, headers=["Y-tunnus", "Nimi"],
                        started_at=dt.datetime.now(dt.timezone.utc), status="committed", errors=1)
    await batch.save()
    old = [(2, "Business ID '0112038-8': wrong check digit"), (3, "Duplicate in the file: repeats line 2"),
           (4, "Warning: Website 'x' is not a web address (left blank)"), (5, "=bad")]
    await ImportRowError.insert(*(ImportRowError(import_batch=batch.id, line=line, reason=reason, cells=["", ""])
                                  for line, reason in old))
    async with client() as c:
        await login(c, email)
        result = await c.get(f"/imports/{batch.id}")
        download = await c.get(f"/imports/{batch.id}/errors.csv")
    assert '<tr class="row-error"><td>2</td><td>Business ID &#39;0112038-8&#39;: wrong check digit</td>' in result.text
    assert '<tr class="row-duplicate"><td>3</td>' in result.text and '<tr class="row-warning"><td>4</td>' in result.text
    assert [row[:2] for row in csv_rows(download.content)[1:]] == [
        ["2", old[0][1]], ["3", old[1][1]], ["4", old[2][1]], ["5", "'=bad"]]


def test_a_stored_reason_is_read_back_whole_and_scrubbed_only_in_its_values():
    reason = reasons.duplicate(2, [("email", "aino@nokia.example"), ("follow_up_done", False)])
    stored = reasons.stored(reason)
    assert reasons.read(stored) == reason == ("Duplicate in the file: repeats line 2; not stored: "
                                              "E-mail 'aino@nokia.example', Follow-up done 'no'")
    assert reasons.kind(stored) == "duplicate" and reasons.kind("Duplicate in the file: x") == "duplicate"
    scrubbed = reasons.scrub(stored, lambda text: text.replace("aino@nokia.example", "(erased)").replace(
        "line", "(erased)"))
    assert reasons.read(scrubbed) == ("Duplicate in the file: repeats line 2; not stored: E-mail '(erased)', "
                                      "Follow-up done 'no'")
    assert reasons.read("{not json") == "{not json" and reasons.read('{"t": 1') == '{"t": 1'


async def test_a_duplicate_contact_in_the_preview_and_the_result_page_in_finnish(tmp_path):
    await companies(tmp_path)
    await create_user(email="paa@espoo.example", name="Pää", role="admin", department="BIZ", password=PASSWORD,
                      language="fi")
    expected = [(3, "Kaksoisrivi tiedostossa: toistaa rivin 2; jäi tallentamatta: Tehtävänimike 'Myyntijohtaja', "
                    "Rooli 'Myynti'"),
                (5, "Kaksoisrivi tiedostossa: toistaa rivin 4; jäi tallentamatta: Puhelin '+358401234567', "
                    "Tehtävänimike '=HYPERLINK(\"http://evil.example\",\"x\")', Rooli 'rivi yksi rivi kaksi'"),
                (7, "Kaksoisrivi tiedostossa: toistaa rivin 2")]
    async with client() as c:
        token = await login(c, "paa@espoo.example")
        uploaded = await c.post("/imports/upload", files={"file": ("h.csv", CONTACTS.encode(), "text/csv")},
                                data={"kind": "contacts", "department": "BIZ"}, headers={"X-CSRFToken": token},
                                follow_redirects=False)
        upload_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        mapping = {f"column-{index}": name for index, name in enumerate(
            ["first_name", "last_name", "email", "phone", "title", "business_id", "role"])}
        await c.post(f"/imports/uploads/{upload_id}/mapping", data={**mapping, "_csrf_token": token},
                     follow_redirects=False)
        upload = await _until(upload_id, ("checked", "failed"))
        assert upload["status"] == "checked", upload["message"]
        status = await c.get(f"/imports/uploads/{upload_id}/status", headers={"HX-Request": "true"})
        preview = await c.get(f"/imports/uploads/{upload_id}/preview")
        for line, reason in expected:
            row = f'<tr class="row-duplicate"><td>{line}</td><td>{_html(reason)}</td></tr>'
            assert row in status.text and _html(reason) in preview.text, reason
        await c.post(f"/imports/uploads/{upload_id}/run", data={"_csrf_token": token}, follow_redirects=False)
        upload = await _until(upload_id, ("done", "failed"))
        result = await c.get(f"/imports/{upload['batch']}")
        download = await c.get(f"/imports/{upload['batch']}/errors.csv")
    for line, reason in expected:
        assert f'<tr class="row-duplicate"><td>{line}</td><td>{_html(reason)}</td></tr>' in result.text
    assert [(int(row[0]), row[1]) for row in csv_rows(download.content)[1:]] == expected
