"""A whole file refused, in the reader's language (issue #13): the refusal is kept in no one language
(a Message, crm/domain/problems.py), so the upload, the mapping page, the run's status and a failed
batch's result page say it in Finnish, Swedish or English, while the CLI says it in English as before;
the values it quotes from the file (headers, line numbers) stay as they were. A date a row reason
quotes is written as the reader writes dates (1.3.2026), in ISO in the CLI and its row file."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io

import pytest
from test_import_support import check, crm, row_file, write

from crm.domain import reasons
from crm.i18n import reason_in
from crm.importing.load import import_file
from crm.services.users import create_user
from crm.tables import ImportBatch, ImportUpload
from tests.webutil import PASSWORD, client, login

pytestmark = pytest.mark.usefixtures("db")

EMPTY = {"fi": "Tiedosto on tyhjä", "sv": "Filen är tom", "en": "The file is empty"}
XLS = {"fi": "Tämä on vanha Excel-tiedosto (.xls): tallenna se .xlsx- tai CSV-muodossa ja yritä uudelleen",
       "sv": "Det här är en gammal Excel-fil (.xls): spara den som .xlsx eller CSV och försök igen",
       "en": "This is an old Excel (.xls) file: save it as .xlsx or CSV and try again"}
NO_COLUMN_FILE = 'Väri;"Monirivinen\notsikko"\npunainen;x\n'.encode()
FOUND = "'Väri', 'Monirivinen otsikko'"  # the headers as written, on one line
NO_COLUMN = {
    "fi": f"Tiedoston yhtään saraketta ei tunnistettu yritysten kentäksi (löydetyt otsikot: {FOUND}). Nimeä "
          "sarakkeet otsikoilla kuten 'Y-tunnus', 'Yritys', 'Business ID', 'Name' tai valitse vastaavuudet: "
          "tuonnin sarakesivulla tai komentorivillä valinnalla --mapping TIEDOSTO.json",
    "sv": f"Ingen kolumn i filen känns igen som ett fält för företag (rubriker i filen: {FOUND}). Ge kolumnerna "
          "rubriker som 'Y-tunnus', 'Yritys', 'Business ID', 'Name' eller mappa dem: på importens kolumnsida "
          "eller med --mapping FIL.json",
    "en": f"No column of this file is recognised as a companies field (headers found: {FOUND}). Name the "
          "columns with headers such as 'Y-tunnus', 'Yritys', 'Business ID', 'Name', or map them: on the "
          "import's mapping page, or with --mapping FILE.json",
}
NOTHING_MAPPED = {"fi": "Tiedostossa ei ole saraketta business_id tai name, joita yritykset tarvitsevat",
                  "sv": "Filen har ingen kolumn business_id eller name, som företag behöver",
                  "en": "The file has no business_id or name column, which companies need"}
# a row past the ones the upload reads for its preview, too wide to read: the run finds it
WIDE_LINE = 30
WIDE_FILE = ("Y-tunnus;Nimi\n" + "".join(f";Yritys {number}\n" for number in range(WIDE_LINE - 2))
             + ";" * 1001 + "\n").encode()
WIDE = {"fi": f"Rivillä {WIDE_LINE} on 1002 saraketta; enintään 1000 voidaan lukea",
        "sv": f"Rad {WIDE_LINE} har 1002 kolumner; högst 1000 kan läsas",
        "en": f"Line {WIDE_LINE} has 1002 columns; at most 1000 can be read"}


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


async def _admin(language: str) -> str:
    email = f"hylatty-{language}@espoo.example"
    await create_user(email=email, name="Pääkäyttäjä", role="admin", department="BIZ", password=PASSWORD,
                      language=language)
    return email


async def _upload(c, token: str, name: str, content: bytes):
    return await c.post("/imports/upload", files={"file": (name, content, "text/csv")},
                        data={"kind": "companies", "department": "BIZ"}, headers={"X-CSRFToken": token},
                        follow_redirects=False)


async def _until(upload_id: int, statuses: tuple[str, ...]) -> dict:
    for _ in range(400):
        upload = await ImportUpload.select().where(ImportUpload.id == upload_id).first()
        if upload["status"] in statuses:
            return upload
        await asyncio.sleep(0.05)
    raise AssertionError(upload["status"])


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_an_unreadable_upload_is_refused_in_the_admins_language(language):
    """The browser asks for English: the admin's own choice of language wins."""
    async with client() as c:
        token = await login(c, await _admin(language))
        empty = await _upload(c, token, "tyhja.csv", b"")
        old_excel = await _upload(c, token, "vanha.csv", b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    assert empty.status_code == 422 and f'<p class="error" id="e-file">{_html(EMPTY[language])}</p>' in empty.text
    assert old_excel.status_code == 422 and _html(XLS[language]) in old_excel.text
    if language != "en":
        assert "The file is empty" not in empty.text
    assert await ImportUpload.count() == 0


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_a_file_with_no_recognisable_column_names_its_headers_in_the_admins_language(language):
    """The upload is kept for mapping by hand: its mapping page says why nothing was mapped, naming
    the headers as written; a mapping that maps nothing is refused in the admin's language too."""
    async with client() as c:
        token = await login(c, await _admin(language))
        uploaded = await _upload(c, token, "sarakkeet.csv", NO_COLUMN_FILE)
        assert uploaded.status_code in (302, 303), uploaded.text
        upload_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        mapping = await c.get(f"/imports/uploads/{upload_id}")
        nothing = await c.post(f"/imports/uploads/{upload_id}/mapping", data={"_csrf_token": token},
                               follow_redirects=False)
        again = await c.get(f"/imports/uploads/{upload_id}")
    assert mapping.status_code == 200
    assert _html(NO_COLUMN[language]) in mapping.text
    assert _html('{"header as written": "field"}') in mapping.text
    assert nothing.status_code == 422 and _html(NOTHING_MAPPED[language]) in nothing.text
    assert _html(NO_COLUMN[language]) in again.text  # said until a mapping is saved
    stored = (await ImportUpload.select(ImportUpload.message).where(ImportUpload.id == upload_id).first())["message"]
    assert reason_in("en", stored).startswith(NO_COLUMN["en"])  # kept in no one language


@pytest.mark.parametrize("language", ["fi", "sv"])
async def test_a_file_refused_by_its_run_says_so_in_the_admins_language(language):
    """A line the upload did not read refuses the file when the dry run and the run reach it: the
    run's status and the failed batch's result page say why in the admin's language."""
    async with client() as c:
        token = await login(c, await _admin(language))
        uploaded = await _upload(c, token, "leveä.csv", WIDE_FILE)
        upload_id = int(uploaded.headers["location"].rsplit("/", 1)[1])
        await c.post(f"/imports/uploads/{upload_id}/mapping", data={
            "column-0": "business_id", "column-1": "name", "_csrf_token": token}, follow_redirects=False)
        checked = await _until(upload_id, ("checked", "failed"))
        status = await c.get(f"/imports/uploads/{upload_id}/status", headers={"HX-Request": "true"})
        await c.post(f"/imports/uploads/{upload_id}/run", data={"_csrf_token": token}, follow_redirects=False)
        ran = await _until(upload_id, ("done", "failed"))
        page = await c.get(f"/imports/uploads/{upload_id}/status")
        batch = await ImportBatch.select().order_by(ImportBatch.id, ascending=False).first()
        result = await c.get(f"/imports/{batch['id']}")
    assert checked["status"] == "failed" and ran["status"] == "failed"
    assert f'<p class="alert" role="alert">{_html(WIDE[language])}</p>' in status.text
    assert f'<p class="alert" role="alert">{_html(WIDE[language])}</p>' in page.text
    assert batch["status"] == "failed" and batch["file_name"] == "leveä.csv"
    assert _html(WIDE[language]) in result.text and WIDE["en"] not in result.text
    assert reason_in("en", batch["message"]).startswith(WIDE["en"])


async def test_the_cli_says_the_same_refusals_in_english(tmp_path):
    """The wording the CLI printed before (the other refusals: tests/test_import_cli.py)."""
    result = crm("import", "companies", str(write(tmp_path, "leveä.csv", WIDE_FILE)), cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.endswith(f"error: leveä.csv refused: {WIDE['en']}\n")
    result = crm("import", "companies", str(write(tmp_path, "sarakkeet.csv", NO_COLUMN_FILE)), cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.startswith(f"error: sarakkeet.csv refused: {NO_COLUMN['en']}")
    assert result.stderr.count("\n") == 1


# --- a date a row reason quotes ---------------------------------------------------------------

COMPANIES = "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n"
INTERACTIONS = ("Päivämäärä;Y-tunnus;Tyyppi;Aihe;Seurantapäivä\n"
                "1.3.2026;0112038-9;tapaaminen;Kasvusuunnitelma;\n"
                "1.3.2026;0112038-9;tapaaminen;Kasvusuunnitelma;15.3.2026\n")
DATED = {"fi": "Kaksoisrivi tiedostossa: toistaa rivin 2; jäi tallentamatta: Jatkotoimenpiteen päivämäärä '15.3.2026'",
         "en": "Duplicate in the file: repeats line 2; not stored: Follow-up date '2026-03-15'"}


def _csv_rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


@pytest.mark.parametrize("language", ["fi", "sv"])
async def test_a_date_in_a_reason_is_written_as_the_reader_writes_dates(tmp_path, language):
    check(await import_file("companies", write(tmp_path, "yritykset.csv", COMPANIES)), rows=1, created=1)
    summary = await import_file("interactions", write(tmp_path, "tapahtumat.csv", INTERACTIONS), department="BIZ")
    check(summary, rows=2, created=1, duplicates_in_file=1)
    async with client() as c:
        await login(c, await _admin(language))
        result = await c.get(f"/imports/{summary.batch_id}")
        download = await c.get(f"/imports/{summary.batch_id}/errors.csv")
    if language == "fi":
        assert f"<td>3</td><td>{_html(DATED['fi'])}</td>" in result.text
    assert "&#39;15.3.2026&#39;" in result.text and "2026-03-15" not in result.text
    reason = _csv_rows(download.content)[1][1]
    assert "'15.3.2026'" in reason and "2026-03-15" not in reason
    assert await row_file(summary.batch_id) == [(3, DATED["en"])]  # English: ISO, as the CLI says it


async def test_the_cli_row_file_keeps_a_quoted_date_in_iso(tmp_path):
    check(await import_file("companies", write(tmp_path, "yritykset.csv", COMPANIES)), rows=1, created=1)
    result = crm("import", "interactions", str(write(tmp_path, "tapahtumat.csv", INTERACTIONS)), "--department",
                 "BIZ", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = _csv_rows((tmp_path / "tapahtumat.errors.csv").read_bytes())
    assert [row[:2] for row in rows[1:]] == [["3", DATED["en"]]]


def test_a_quoted_date_is_stored_as_a_date_and_old_iso_text_is_read_as_it_was():
    import datetime as dt

    reason = reasons.duplicate(2, [("follow_up_date", dt.date(2026, 3, 15))])
    stored = reasons.stored(reason)
    assert '{"d":"2026-03-15"}' in stored
    assert reasons.read(stored) == reason == DATED["en"]
    assert reason_in("fi", stored) == DATED["fi"] and reason_in("en", stored) == DATED["en"]
    # a reason stored before dates were marked: the ISO text as it is, in any language
    old = stored.replace('{"d":"2026-03-15"}', '"2026-03-15"')
    assert reason_in("fi", old) == DATED["fi"].replace("15.3.2026", "2026-03-15")
    assert reasons.scrub(stored, lambda text: text.replace("2026", "(erased)")) == stored
