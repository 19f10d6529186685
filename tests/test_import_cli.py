"""The import and export contract as a user meets it: `crm import ...` / `crm export ...` in a real
process, the error file an admin opens in Excel, and exports that never hand Excel a formula."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_import_support import (
    SUMMARY_KEYS,
    check,
    crm,
    one_json_object,
    snapshot,
    write,
)

from crm.importing.load import import_file
from crm.tables import Company, ImportBatch, ImportRowError

DATA = Path(__file__).resolve().parent / "data" / "import"

pytestmark = pytest.mark.usefixtures("db")

FORMULAS = ('Y-tunnus;Nimi;Katuosoite\n'
            '0112038-9;"=HYPERLINK(""http://evil.example"",""klikkaa"")";@SUM(A1:A9)\n'
            '1927400-1;-1;+358 40 1234567\n'
            '2336509-6;Supercell Oy;\x01=1+1\n')
NEUTRALISED = {
    "0112038-9": ["'=HYPERLINK(\"http://evil.example\",\"klikkaa\")", "'@SUM(A1:A9)"],
    "1927400-1": ["'-1", "'+358 40 1234567"],
}


def error_file_rows(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


# --- crm import ------------------------------------------------------------------------------


async def test_import_json_prints_one_summary_object(tmp_path):
    path = write(tmp_path, "yritykset.csv", "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n1120389;Nokia\n0112038-8;Väärä\n")
    result = crm("import", "companies", str(path), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = one_json_object(result.stdout)
    assert list(summary) == SUMMARY_KEYS
    seconds = summary.pop("seconds")
    assert isinstance(seconds, float) and seconds >= 0
    batch = await ImportBatch.select().first()
    assert summary == {"batch_id": batch["id"], "kind": "companies", "file": "yritykset.csv", "rows": 3,
                       "created": 1, "updated": 0, "unchanged": 0, "duplicates_in_file": 1, "errors": 1,
                       "warnings": 0, "error_file": str(tmp_path / "yritykset.errors.csv"),
                       "mapping": {"Y-tunnus": "business_id", "Nimi": "name"}, "dry_run": False}
    assert error_file_rows(tmp_path / "yritykset.errors.csv") == [  # errors and duplicates, by line
        ["line", "reason", "Y-tunnus", "Nimi"],
        ["3", "Duplicate in the file: repeats line 2; not stored: Company name 'Nokia'", "1120389", "Nokia"],
        ["4", "Business ID '0112038-8': wrong check digit", "0112038-8", "Väärä"],
    ]
    again = one_json_object(crm("import", "companies", str(path), "--json", cwd=tmp_path).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


async def test_import_dry_run_json_writes_nothing(tmp_path):
    path = write(tmp_path, "yritykset.csv", "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n1927400-1;KONE Oyj\n")
    before = await snapshot()
    result = crm("import", "companies", str(path), "--dry-run", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = one_json_object(result.stdout)
    assert (summary["batch_id"], summary["dry_run"], summary["rows"], summary["created"]) == (None, True, 2, 2)
    assert summary["error_file"] is None and not (tmp_path / "yritykset.errors.csv").exists()
    assert await snapshot() == before


@pytest.mark.parametrize("name, content, args, reason", [
    ("roska.csv", bytes(range(256)) * 64, (),
     "roska.csv refused: The file is not text that can be read (is it a spreadsheet or a binary file?)"),
    ("tyhja.csv", b"", (), "tyhja.csv refused: The file is empty"),
    ("sarakkeet.csv", 'Väri;"Monirivinen\notsikko"\npunainen;x\n'.encode(), (),
     "sarakkeet.csv refused: No column of this file is recognised as a companies field (headers found: 'Väri', "
     "'Monirivinen otsikko'). Name the columns with headers such as 'Y-tunnus', 'Yritys', 'Business ID', 'Name', "
     "or map them: on the import's mapping page, or with --mapping FILE.json holding {\"header as written\": "
     "\"field\"} (fields: business_id, name, other_names, company_form, industry_code, industry_classification, "
     "size_class, website, street, postal_code, city, municipality_code, country, status, responsible_advisor, "
     "programmes, notes)"),
    ("yritykset.csv", b"Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n", ("--department", "NOPE"),
     "yritykset.csv refused: Unknown department 'NOPE'"),
])
async def test_a_refused_file_exits_1_with_one_line_on_stderr(tmp_path, name, content, args, reason):
    check(await import_file("companies", write(tmp_path, "ennen.csv", "Y-tunnus;Nimi\n2336509-6;Supercell Oy\n")),
          rows=1, created=1)
    before = await snapshot()
    result = crm("import", "companies", str(write(tmp_path, name, content)), "--json", *args, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"error: {reason}\n"
    assert await snapshot() == before


async def test_import_prints_a_summary_line_and_where_the_error_rows_are(tmp_path):
    """A file as Finnish Excel saves it: Windows-1252, ';', CRLF, a quoted two-line address, a postal
    code that lost its zero, an empty row, a trailing empty cell."""
    result = crm("import", "companies", str(DATA / "yritykset_excel_fi.csv"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    batch = await ImportBatch.select().first()
    error_file = tmp_path / "yritykset_excel_fi.errors.csv"
    assert result.stdout.splitlines() == [
        f"batch {batch['id']}: yritykset_excel_fi.csv: 6 rows, 5 created, 0 updated, 0 unchanged, "
        "0 duplicates in file, 1 errors",
        f"rows not stored as given (errors, duplicates, warnings): {error_file}",
    ]
    stored = {row["business_id"]: row for row in await Company.select()}
    assert stored["0101263-6"]["street"] == "Espoonkatu 5\r\nPL 1"
    assert stored["0101263-6"]["postal_code"] == "02070" and stored["0101263-6"]["other_names"] == "Esbo stad"
    assert stored["1463611-4"]["postal_code"] == "02150"
    assert stored["2336509-6"]["name"] == "Åbo Öljy Ab"
    assert stored["1041090-0"]["size_class"] == "1000-"
    assert error_file_rows(error_file)[1][:3] == ["7", "Business ID '1463611-5': wrong check digit", "1463611-5"]


async def test_import_with_a_mapping_profile(tmp_path):
    result = crm("import", "companies", str(DATA / "asiakasrekisteri.csv"),
                 "--mapping", str(DATA / "profiili_asiakasrekisteri.json"), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = one_json_object(result.stdout)
    assert (summary["rows"], summary["created"], summary["errors"]) == (2, 2, 0)
    rows = await Company.select(Company.business_id, Company.name, Company.postal_code).order_by(Company.name)
    assert rows == [
        {"business_id": None, "name": "KONE Oyj", "postal_code": "02150"},
        {"business_id": "0112038-9", "name": "Nokia Oyj", "postal_code": "02610"},
    ]
    batch = await ImportBatch.select(ImportBatch.mapping).first().output(load_json=True)
    assert batch["mapping"] == {"Asiakkaan virallinen nimi": "name", "Y-tunnus (jos on)": "business_id",
                                "Postinumero": "postal_code"}
    broken = write(tmp_path, "rikki.json", "[1, 2]")
    result = crm("import", "companies", str(DATA / "asiakasrekisteri.csv"), "--mapping", str(broken), cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == "" and len(result.stderr.splitlines()) == 1


async def test_import_revert_json(tmp_path):
    first = await import_file("companies", write(tmp_path, "a.csv", "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n"))
    second = await import_file("companies", write(tmp_path, "b.csv", "Y-tunnus;Nimi;Postinumero\n"
                                                                       "0112038-9;Nokia Oyj;02610\n"
                                                                       "1927400-1;KONE Oyj;02150\n"))
    check(second, rows=2, created=1, updated=1)
    result = crm("import", "revert", str(second.batch_id), "--json")
    assert result.returncode == 0, result.stderr
    assert one_json_object(result.stdout) == {"batch_id": second.batch_id, "removed": 1, "restored": 1,
                                              "left_alone": []}
    assert [(row["name"], row["postal_code"]) for row in await Company.select()] == [("Nokia Oyj", "")]
    again = crm("import", "revert", str(second.batch_id), "--json")
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr == (f"error: Import batch #{second.batch_id} is reverted; "
                            "only a committed batch can be reverted\n")
    assert first.batch_id != second.batch_id


# --- the error file ------------------------------------------------------------------------------


async def test_the_error_file_holds_each_failed_row_with_its_line_and_reason(tmp_path):
    content = ('Y-tunnus;Nimi;=Sarake;Katuosoite\n'
               '0112038-9;Nokia Oyj;;Karakaari 7\n'
               '0112038-8;"=HYPERLINK(""http://evil.example"")";x;"Monta\nriviä"\n'
               ';;;-1\n'
               '1927400-1;KONE Oyj;;@SUM(A1)\n'
               '2336509-6;Supercell Oy;;Itämerenkatu 11;ylimääräinen\n')
    error_path = tmp_path / "virheet.csv"
    summary = await import_file("companies", write(tmp_path, "yritykset.csv", content), error_path=error_path)
    check(summary, rows=5, created=2, errors=3)
    assert summary.error_file == str(error_path)
    assert error_file_rows(error_path) == [
        ["line", "reason", "Y-tunnus", "Nimi", "'=Sarake", "Katuosoite"],
        ["3", "Business ID '0112038-8': wrong check digit", "0112038-8",
         "'=HYPERLINK(\"http://evil.example\")", "x", "Monta\nriviä"],
        ["5", "The row has neither a company name nor a Business ID", "", "", "", "'-1"],
        ["7", "The row has 5 cells but the header has 4 columns", "2336509-6", "Supercell Oy", "",
         "Itämerenkatu 11", "ylimääräinen"],
    ]
    stored = await ImportRowError.select().order_by(ImportRowError.line).output(load_json=True)
    assert [row["cells"] for row in stored] == [
        ["0112038-8", '=HYPERLINK("http://evil.example")', "x", "Monta\nriviä"],
        ["", "", "", "-1"],
        ["2336509-6", "Supercell Oy", "", "Itämerenkatu 11", "ylimääräinen"],
    ]


async def test_no_error_file_is_left_when_every_row_imports(tmp_path):
    error_path = tmp_path / "virheet.csv"
    error_path.write_text("an old run's errors")
    summary = await import_file("companies", write(tmp_path, "ok.csv", "Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n"),
                                error_path=error_path)
    assert summary.error_file is None and not error_path.exists()


# --- crm export --------------------------------------------------------------------------------


async def test_export_csv_is_utf8_with_bom_and_semicolons_and_neutralises_formulas(tmp_path):
    check(await import_file("companies", write(tmp_path, "kaavat.csv", FORMULAS)), rows=3, created=3)
    result = crm("export", "companies", "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 0, result.stderr
    raw = (tmp_path / "x.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:3] == ["Y-tunnus", "Yrityksen nimi", "Rinnakkaisnimi"] and len(rows) == 4
    street = rows[0].index("Katuosoite")
    by_id = {row[0]: row for row in rows[1:]}
    for business_id, (name, address) in NEUTRALISED.items():
        assert (by_id[business_id][1], by_id[business_id][street]) == (name, address)
    assert "3 companies written" in result.stderr


async def test_export_xlsx_neutralises_formulas_and_drops_characters_xlsx_cannot_hold(tmp_path):
    check(await import_file("companies", write(tmp_path, "kaavat.csv", FORMULAS)), rows=3, created=3)
    path = tmp_path / "x.xlsx"
    result = crm("export", "companies", "--format", "xlsx", "-o", str(path))
    assert result.returncode == 0, result.stderr
    workbook = load_workbook(path)
    sheet = workbook.active
    rows = [[cell for cell in row] for row in sheet.iter_rows(min_row=2)]
    street = [cell.value for cell in sheet[1]].index("Katuosoite")
    by_id = {row[0].value: row for row in rows}
    for business_id, expected in NEUTRALISED.items():
        cells = [by_id[business_id][1], by_id[business_id][street]]
        assert [cell.value for cell in cells] == expected
        assert [cell.data_type for cell in cells] == ["s", "s"]
    assert by_id["2336509-6"][street].value == "'=1+1"
    assert all(cell.data_type != "f" for row in rows for cell in row)
