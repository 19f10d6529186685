"""What files the importer reads: encodings, delimiters, quoting, line numbers, hostile content.

Each test writes the file as a department's tool would (or as an attacker would) and checks the
exact counts, what was stored, and that a refused file changes nothing.
"""

from __future__ import annotations

import codecs
import random
import zipfile

import pytest
from openpyxl import Workbook
from test_import_support import check, companies, row_errors, row_file, snapshot, write

from crm.i18n import reason_in
from crm.importing.load import ImportRefused, import_file
from crm.importing.read import estimate_rows, open_source
from crm.tables import Company, ImportBatch, Interaction

pytestmark = pytest.mark.usefixtures("db")

NAMES = ["Leppävaaran Kahvila Äijä Ky", "Åbo Café Öljy Ab", "Euro € Kiosk Oy"]


def company_file(delimiter: str = ";") -> str:
    rows = [["Y-tunnus", "Yrityksen nimi", "Postinumero", "Postitoimipaikka"],
            ["0112038-9", NAMES[0], "02600", "Espoo"],
            ["1927400-1", NAMES[1], "02150", "Espoo"],
            ["2336509-6", NAMES[2], "02100", "Espoo"]]
    return "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("cp1252", b""),
])
async def test_every_encoding_stores_the_values_exactly(tmp_path, encoding, bom):
    path = write(tmp_path, "yritykset.csv", bom + company_file().encode(encoding))
    summary = await import_file("companies", path)
    check(summary, rows=3, created=3)
    stored = await companies()
    assert sorted(stored) == sorted(NAMES)
    assert stored[NAMES[0]]["business_id"] == "0112038-9"
    assert stored[NAMES[2]]["postal_code"] == "02100"
    assert not any(name.startswith("\ufeff") for name in stored)


async def test_mojibake_is_stored_as_written(tmp_path):
    """UTF-8 that someone saved twice ('Ã¤' for 'ä') is valid text: kept as it is, not crashed on."""
    mojibake = "Leppävaaran Kahvila Äijä Ky".encode("utf-8").decode("cp1252")
    assert "Ã¤" in mojibake
    path = write(tmp_path, "tuplakoodattu.csv", f"Y-tunnus;Nimi\n0112038-9;{mojibake}\n")
    check(await import_file("companies", path), rows=1, created=1)
    assert list(await companies()) == [mojibake]


async def test_windows_1252_file_whose_first_256_kb_are_ascii(tmp_path):
    """Finnish letters that first appear deep in a Windows-1252 file are still read as ä, not as '�'."""
    padding = "x" * 1000
    lines = [b"Y-tunnus;Nimi;Extra"]
    lines += [f";Ascii Company {number} Oy;{padding}".encode("cp1252") for number in range(300)]
    lines.append(";Leppävaaran Kahvila Äijä Ky;€".encode("cp1252"))
    path = write(tmp_path, "pitka.csv", b"\r\n".join(lines) + b"\r\n")
    assert path.stat().st_size > 256 * 1024
    check(await import_file("companies", path), rows=301, created=301)
    assert await Company.exists().where(Company.name == "Leppävaaran Kahvila Äijä Ky")


# --- delimiters and quoting -------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
async def test_delimiter_is_detected(tmp_path, delimiter):
    path = write(tmp_path, "yritykset.txt", company_file(delimiter))
    check(await import_file("companies", path), rows=3, created=3)
    assert sorted(await companies()) == sorted(NAMES)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
async def test_line_endings_of_every_platform(tmp_path, newline):
    """Unix, Windows, and old Mac Excel's 'CSV (Macintosh)', which ends lines with a bare CR."""
    lines = ["Y-tunnus;Nimi;Katuosoite", '0112038-9;Nokia Oyj;"Karakaari 7', 'PL 226"', "1234567-2;Väärä Oy;",
             "1927400-1;KONE Oyj;Keilasatama 3"]
    path = write(tmp_path, "rivit.csv", newline.join(lines) + newline, encoding="cp1252")
    summary = await import_file("companies", path)
    check(summary, rows=3, created=2, errors=1)
    assert (await companies())["Nokia Oyj"]["street"] == f"Karakaari 7{newline}PL 226"
    assert [line for line, _ in await row_errors(summary.batch_id)] == [4]


@pytest.mark.parametrize("encoding, bom, newline", [
    ("utf-8", codecs.BOM_UTF8, "\r\n"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "\n"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "\r\n"),
    ("cp1252", b"", "\r"),
])
def test_the_progress_bar_total_counts_the_rows(tmp_path, encoding, bom, newline):
    path = write(tmp_path, "rivit.csv", bom + newline.join(["Y-tunnus;Nimi"] + [f";Yritys {n}" for n in range(7)]
                                                           ).encode(encoding))
    assert estimate_rows(open_source(path)) == 7


async def test_cells_holding_the_other_delimiters_stay_whole(tmp_path):
    content = ('Y-tunnus,Nimi,Katuosoite\n'
               '0112038-9,"Nokia, Oyj",Karakaari 7; B-talo\n'
               '1927400-1,KONE Oyj|Hissit,"Keilasatama 3\tA"\n')
    check(await import_file("companies", write(tmp_path, "c.csv", content)), rows=2, created=2)
    stored = await companies()
    assert stored["Nokia, Oyj"]["street"] == "Karakaari 7; B-talo"
    assert stored["KONE Oyj|Hissit"]["street"] == "Keilasatama 3\tA"


async def test_rows_written_with_another_delimiter_are_row_errors(tmp_path):
    """A ';' file where some rows were pasted with ',': those rows fail, the others import."""
    content = ("Y-tunnus;Nimi;Postinumero\n"
               "0112038-9;Nokia Oyj;02610\n"
               "1927400-1,KONE Oyj,02150\n"
               "2336509-6;Supercell Oy;00180\n"
               "1041090-0,UPM-Kymmene Oyj,00100\n")
    summary = await import_file("companies", write(tmp_path, "sekaisin.csv", content))
    check(summary, rows=4, created=2, errors=2)
    assert sorted(await companies()) == ["Nokia Oyj", "Supercell Oy"]
    errors = await row_errors(summary.batch_id)
    assert [line for line, _ in errors] == [3, 5]
    assert "1927400-1,KONE Oyj,02150" in errors[0][1]


async def test_ragged_rows(tmp_path):
    """Too many cells: a row error for that line. Too few: the missing cells are blank. Trailing empty
    cells (what Excel writes) are not 'too many'."""
    content = ("Y-tunnus;Nimi;Postinumero\n"
               "0112038-9;Nokia Oyj;02610;ylimääräinen;solu\n"
               "1927400-1;KONE Oyj\n"
               "2336509-6;Supercell Oy;00180;;\n")
    summary = await import_file("companies", write(tmp_path, "rosoinen.csv", content))
    check(summary, rows=3, created=2, errors=1)
    errors = await row_errors(summary.batch_id)
    assert errors == [(2, "The row has 5 cells but the header has 3 columns")]
    stored = await companies()
    assert stored["KONE Oyj"]["postal_code"] == ""
    assert stored["Supercell Oy"]["postal_code"] == "00180"


async def test_quoted_newlines_quotes_and_tabs_and_the_line_numbers_of_errors(tmp_path):
    """An error names the line where its row starts in the file (header = line 1), however many lines
    the quoted cells before it spanned; blank lines are not rows."""
    content = (
        'Y-tunnus;Nimi;Katuosoite\n'                         # 1
        '0112038-9;"Nokia ""Connecting People"" Oyj";"Karakaari 7\n'  # 2
        'PL 226\n'                                            # 3
        '02610 Espoo"\n'                                      # 4
        '\n'                                                  # 5 blank: not a row
        '1234567-2;"Väärä\nTarkiste Oy";\n'                   # 6-7: wrong check digit
        ';;\n'                                                # 8 empty cells: not a row
        '1927400-1;"KONE\tOyj";Keilasatama 3\n'               # 9
        '2336509-6;;"monta\n\nriviä"\n'                       # 10-12: no name, and the ID is not stored
        'x;Rikki Oy;\n'                                       # 13
    )
    summary = await import_file("companies", write(tmp_path, "lainatut.csv", content))
    check(summary, rows=5, created=2, errors=3)
    stored = await companies()
    nokia = stored['Nokia "Connecting People" Oyj']  # the combined address split, the street's lines kept
    assert (nokia["street"], nokia["postal_code"], nokia["city"]) == ("Karakaari 7\nPL 226", "02610", "Espoo")
    assert "KONE\tOyj" in stored
    errors = await row_errors(summary.batch_id)
    assert [line for line, _ in errors] == [6, 10, 13]
    assert "1234567-2" in errors[0][1] and "check digit" in errors[0][1]
    assert errors[1][1] == "Company name is required: no company with Business ID 2336509-6 is in the record"
    assert "'x' is not a Business ID" in errors[2][1]


async def test_an_unclosed_quote_swallows_the_rest_but_does_not_crash(tmp_path):
    content = 'Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n1927400-1;"KONE Oyj\n2336509-6;Supercell Oy\n'
    summary = await import_file("companies", write(tmp_path, "auki.csv", content))
    check(summary, rows=2, created=2)
    assert sorted(await companies()) == ["KONE Oyj\n2336509-6;Supercell Oy", "Nokia Oyj"]


# --- formula-looking cells --------------------------------------------------------------------


async def test_formula_looking_cells_are_kept_as_text_on_import(tmp_path):
    content = ('Y-tunnus;Nimi;Katuosoite;Puhelin\n'
               '0112038-9;"=HYPERLINK(""http://evil.example"",""klikkaa"")";@SUM(A1:A9);\n'
               '1927400-1;-1;+358 40 1234567;\n'
               '2336509-6;+Plus Oy;=1+1;\n')
    check(await import_file("companies", write(tmp_path, "kaavat.csv", content)), rows=3, created=3)
    stored = {row["business_id"]: row for row in await Company.select()}
    assert stored["0112038-9"]["name"] == '=HYPERLINK("http://evil.example","klikkaa")'
    assert stored["0112038-9"]["street"] == "@SUM(A1:A9)"
    assert stored["1927400-1"]["name"] == "-1"
    assert stored["1927400-1"]["street"] == "+358 40 1234567"
    assert stored["2336509-6"]["street"] == "=1+1"


# --- long cells, NUL bytes --------------------------------------------------------------------


async def test_long_cells(tmp_path):
    """Notes hold up to 20,000 characters; a company name over 300 is a row error naming the limit;
    a 10,000-character cell in a column nobody maps is simply carried."""
    companies_file = ("Y-tunnus;Nimi;Ei kenenkään sarake\n"
                      f"0112038-9;{'N' * 300};{'z' * 10_000}\n"
                      f"1927400-1;{'K' * 301};\n")
    summary = await import_file("companies", write(tmp_path, "pitkat.csv", companies_file))
    check(summary, rows=2, created=1, errors=1)
    [(line, reason)] = await row_errors(summary.batch_id)
    assert line == 3 and "301 characters" in reason and "300" in reason and "name" in reason.lower()

    interactions = ("Päivämäärä;Y-tunnus;Tyyppi;Aihe;Muistiinpanot\n"
                    f"1.3.2025;0112038-9;Tapaaminen;Kymppitonni;{'a' * 10_000}\n"
                    f"2.3.2025;0112038-9;Tapaaminen;Parikymppiä;{'b' * 20_000}\n"
                    f"3.3.2025;0112038-9;Tapaaminen;Liikaa;{'c' * 20_001}\n")
    summary = await import_file("interactions", write(tmp_path, "muistiot.csv", interactions), department="BIZ")
    check(summary, rows=3, created=3, warnings=1)  # notes too long: dropped with a warning, the row kept
    notes = sorted(len(row["notes"]) for row in await Interaction.select(Interaction.notes))
    assert notes == [0, 10_000, 20_000]
    [(line, reason)] = await row_file(summary.batch_id)
    assert line == 4 and reason.startswith("Warning: ") and "20001" in reason and "20000" in reason


async def test_nul_bytes_are_removed_on_both_engines(tmp_path):
    content = ("Y-tunnus;Nimi;Katu\x00osoite\n"
               "0112038-9\x00;Nokia\x00 Oyj;Kara\x00karaari 7\n"
               "1927400-1;KONE Oyj;\x00\n"
               "12345\x0067-2;Väärä Oy;\n").encode("utf-8")
    summary = await import_file("companies", write(tmp_path, "nul.csv", content))
    check(summary, rows=3, created=2, errors=1)
    stored = await companies()
    assert stored["Nokia Oyj"]["business_id"] == "0112038-9"
    assert stored["Nokia Oyj"]["street"] == "Karakaraari 7"
    assert stored["KONE Oyj"]["street"] == ""
    [(line, reason)] = await row_errors(summary.batch_id)
    assert line == 4 and "\x00" not in reason and "1234567-2" in reason
    batch = await ImportBatch.select(ImportBatch.mapping).first().output(load_json=True)
    assert batch["mapping"]["Katuosoite"] == "street"


# --- files refused whole ----------------------------------------------------------------------


def _garbage() -> bytes:
    return random.Random(20250301).randbytes(64 * 1024)


def _zip(path, parts: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


@pytest.mark.parametrize("name, content, reason", [
    ("roska.csv", _garbage(), "binary"),
    ("kuva.csv", b"\x89PNG\r\n\x1a\n" + _garbage(), "binary"),
    ("vanha.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _garbage(), "old Excel"),
    ("tyhja.csv", b"", "empty"),
    ("valilyonteja.csv", b"  \r\n\r\n\t\n", "empty"),
    ("vain-bom.csv", codecs.BOM_UTF8 + b"\r\n", "empty"),
    ("tuntematon.csv", "Väri;Koko;Maku\npunainen;iso;makea\n".encode(), "No column"),
    ("eitaulukko.xlsx", b"Y-tunnus;Nimi\n0112038-9;Nokia Oyj\n", "not an Excel workbook"),
    ("zip.xlsx", {"hello.txt": "not a workbook"}, "cannot be opened"),
    ("zip.csv", {"hello.txt": "not a workbook"}, "cannot be opened"),
    ("rikki.xlsx", {"[Content_Types].xml": "<<<", "xl/workbook.xml": "<<<"}, "cannot be opened"),
])
async def test_files_refused_whole_change_nothing(tmp_path, name, content, reason):
    check(await import_file("companies", write(tmp_path, "ennen.csv", company_file())), rows=3, created=3)
    before = await snapshot()
    path = tmp_path / name
    if isinstance(content, dict):
        _zip(path, content)
    else:
        path.write_bytes(content)
    with pytest.raises(ImportRefused) as refused:
        await import_file("companies", path)
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)
    assert await snapshot() == before


async def test_a_cell_too_large_to_read_refuses_the_file_and_changes_nothing(tmp_path):
    """Past the reader's field limit the file cannot be parsed further: the batch fails and is rolled
    back, and the caller gets ImportRefused with the line (not a crash)."""
    check(await import_file("companies", write(tmp_path, "ennen.csv", company_file())), rows=3, created=3)
    before = await snapshot(batches=False)
    content = "Y-tunnus;Nimi\n1041090-0;UPM-Kymmene Oyj\n0101263-6;" + "x" * 1_100_000 + "\n"
    with pytest.raises(ImportRefused, match="Line 3"):
        await import_file("companies", write(tmp_path, "jattisolu.csv", content))
    assert await snapshot(batches=False) == before
    batch = await ImportBatch.select().order_by(ImportBatch.id, ascending=False).first()
    assert batch["status"] == "failed" and "Line 3" in reason_in("en", batch["message"])  # as stored: in no one language


async def test_an_excel_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    workbook = Workbook()
    workbook.active.append(["Y-tunnus", "Nimi"])
    workbook.active.append(["0112038-9", "Nokia Oyj"])
    path = tmp_path / "oikeasti-excel.csv"
    workbook.save(path)
    check(await import_file("companies", path), rows=1, created=1)
    assert list(await companies()) == ["Nokia Oyj"]


# --- header-only, duplicate headers -----------------------------------------------------------


async def test_header_only_file_is_a_committed_batch_of_zero_rows(tmp_path):
    summary = await import_file("companies", write(tmp_path, "otsikko.csv", "Y-tunnus;Nimi;Postinumero\r\n\r\n"))
    check(summary, rows=0)
    batch = await ImportBatch.select().where(ImportBatch.id == summary.batch_id).first()
    assert batch["status"] == "committed" and batch["rows"] == 0
    assert await Company.count() == 0


async def test_duplicate_headers_the_first_column_wins(tmp_path):
    content = ("Nimi;Y-tunnus;Nimi;Postinumero;POSTINUMERO\n"
               "Nokia Oyj;0112038-9;Väärä nimi;02610;99999\n")
    summary = await import_file("companies", write(tmp_path, "tuplat.csv", content))
    check(summary, rows=1, created=1)
    stored = await companies()
    assert list(stored) == ["Nokia Oyj"] and stored["Nokia Oyj"]["postal_code"] == "02610"


async def test_an_xlsx_sheet_is_chosen_by_name_else_the_first(tmp_path):
    workbook = Workbook()
    workbook.active.title = "Ohje"
    workbook.active.append(["Täytä välilehti Yritykset"])
    sheet = workbook.create_sheet("Yritykset")
    sheet.append([])
    sheet.append(["Y-tunnus", "Nimi"])  # the header may sit lower than row 1
    sheet.append(["0112038-9", "Nokia Oyj"])
    sheet.append(["0112038-8", "Väärä Oy"])
    path = tmp_path / "tyokirja.xlsx"
    workbook.save(path)
    before = await snapshot()
    with pytest.raises(ImportRefused, match="No column of this file is recognised"):
        await import_file("companies", path)
    with pytest.raises(ImportRefused, match=r"The workbook has no sheet 'Asiakkaat' \(it has: Ohje, Yritykset\)"):
        await import_file("companies", path, sheet="Asiakkaat")
    assert await snapshot() == before
    summary = await import_file("companies", path, sheet="Yritykset")
    check(summary, rows=2, created=1, errors=1)
    assert await row_errors(summary.batch_id) == [(4, "Business ID '0112038-8': wrong check digit")]
