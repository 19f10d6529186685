"""Export what the database holds as CSV (UTF-8 with BOM, ';', for Finnish Excel) or XLSX.

No cell is ever one a spreadsheet would run as a formula: text starting with = + - @, a tab or a
carriage return gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any, Iterable, Iterator

from crm.domain.phones import format_phone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PAGE = 5_000


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: list, rows: Iterable[list]) -> bytes:
    """A small CSV for Finnish Excel in memory: UTF-8 with BOM, ';', no cell that would run as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheet_name: str, header: list, rows: Iterable[list]) -> bytes:
    """A small XLSX in memory, with the same rule: no cell a spreadsheet would run as a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name[:31] or "Sheet")
    sheet.append([_xlsx_cell(cell) for cell in header])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Any) -> Any:
    """Control characters cannot be written to XLSX; once they are gone the text may start like a
    formula ('\x01=1+1'), so it is checked after."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value)) if isinstance(value, str) else value


def _display(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d.%-m.%Y")
    return safe_cell(value)


def _queries():
    from crm.tables import Company, Contact, Interaction

    return {
        "companies": (
            ["Y-tunnus", "Yrityksen nimi", "Rinnakkaisnimi", "Yritysmuoto", "Toimialakoodi", "Toimialaluokitus",
             "Henkilöstöluokka", "Verkkosivu", "Katuosoite", "Postinumero", "Postitoimipaikka", "Kuntakoodi",
             "Maa", "Tila", "Vastuuhenkilö"],
            Company,
            lambda after: Company.select(
                Company.id, Company.business_id, Company.name, Company.other_names, Company.company_form,
                Company.industry_code, Company.industry_classification, Company.size_class, Company.website,
                Company.street, Company.postal_code, Company.city, Company.municipality_code, Company.country,
                Company.status, Company.responsible_advisor.email,
            ).where(Company.id > after),
        ),
        "contacts": (
            ["Etunimi", "Sukunimi", "Sähköposti", "Puhelin", "Titteli", "Kieli"],
            Contact,
            lambda after: Contact.select(
                Contact.id, Contact.first_name, Contact.last_name, Contact.email, Contact.phone, Contact.title,
                Contact.language,
            ).where((Contact.id > after) & Contact.erased_at.is_null()),
        ),
        "interactions": (
            ["Päivämäärä", "Y-tunnus", "Yritys", "Yksikkö", "Tyyppi", "Aihe", "Muistiinpanot", "Neuvoja",
             "Seurantapäivä", "Seuranta tehty", "Luottamuksellinen"],
            Interaction,
            lambda after: Interaction.select(
                Interaction.id, Interaction.date, Interaction.company.business_id, Interaction.company.name,
                Interaction.department.code, Interaction.kind, Interaction.subject, Interaction.notes,
                Interaction.advisor.email, Interaction.follow_up_date, Interaction.follow_up_done,
                Interaction.confidential,
            ).where((Interaction.id > after) & Interaction.deleted_at.is_null()),
        ),
    }


async def export_rows(kind: str, *, include_confidential: bool = False) -> tuple[list[str], Iterator]:
    """Header and an async iterator of rows, paged by id so memory stays flat."""
    headers, table, query = _queries()[kind]

    async def rows():
        after = 0
        while True:
            page_query = query(after)
            if kind == "interactions" and not include_confidential:
                page_query = page_query.where(table.confidential == False)  # noqa: E712
            page = await page_query.order_by(table.id).limit(PAGE)
            if not page:
                return
            for row in page:
                after = row.pop("id")
                if kind == "contacts":
                    row["phone"] = format_phone(row["phone"]) if row["phone"] else ""
                yield [_display(value) for value in row.values()]

    return headers, rows()


async def export_file(kind: str, path: Path, *, file_format: str = "csv", include_confidential: bool = False) -> int:
    headers, rows = await export_rows(kind, include_confidential=include_confidential)
    count = 0
    if file_format == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(headers)
            async for row in rows:
                writer.writerow(row)
                count += 1
        return count
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(kind)
    sheet.append(headers)
    async for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
        count += 1
    workbook.save(path)
    return count
