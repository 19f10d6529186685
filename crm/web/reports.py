"""/reports: the study's answers for managers and admins, with charts, tables and downloads."""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.response import Response, Template

from crm.domain import labels
from crm.i18n import format_date, request_language, section_name, translate
from crm.importing.export import csv_bytes, xlsx_bytes
from crm.reports.overview import TABLES, overview, tables
from crm.reports.scope import from_filters, periods
from crm.services import audit
from crm.web.auth import requires_role
from crm.web.render import download, page


def _section_name(language: str):
    return functools.partial(section_name, language)


class ReportController(Controller):
    path = "/reports"
    guards = [requires_role("manager", "admin")]

    @get("/")
    async def show_reports(self, request: Request) -> Template:
        scope, filters, errors = await from_filters(request.query_params)
        language = request_language(request)
        report = await overview(scope)
        report_tables = tables(report, language, _section_name(language), lambda text: translate(language, text))
        names = {row["code"]: labels.name_in(row, language) for row in report.departments}
        served_labels = {"0": translate(language, "None"), "3+": "3+"}
        by_department = report.activity_by_department()
        programme_rows = _programme_rows(report.programmes, language)
        query = urlencode({name: value for name, value in filters.items() if value and name not in errors})
        kept = {"department": filters["department"]} if filters["department"] and "department" not in errors else {}
        period_links = [
            (translate(language, label), "/reports?" + urlencode({"from": first, "to": last, **kept}),
             (scope.date_from, scope.date_to) == (first, last))
            for label, first, last in periods(dt.date.today())]
        return page(
            "reports/index.html",
            status_code=422 if errors else 200,
            report=report, tables=report_tables, filters=filters, errors=errors, names=names,
            query=("&" + query) if query else "",
            kinds={kind: translate(language, labels.entity(kind)) for kind in ("companies", "contacts", "interactions", "register")},
            served_items=[(served_labels.get(key, key), report.headline.served_by[key]) for key in ("0", "1", "2", "3+")],
            activity_series=[(names[row["code"]], by_department[row["id"]]) for row in report.departments],
            programme_rows=programme_rows,
            programme_items=[(row["name"], row["companies"]) for row in programme_rows],
            place_items=[tuple(row) for row in report_tables["municipalities"].rows],
            industry_items=[(row[1], row[2]) for row in report_tables["industries"].rows],
            coverage=_dated(report.coverage),
            period_links=period_links,
        )

    @get("/export")
    async def export_report(self, request: Request) -> Response:
        name = request.query_params.get("table", "")
        file_format = request.query_params.get("format", "csv")
        if name not in TABLES or file_format not in ("csv", "xlsx"):
            from litestar.exceptions import NotFoundException

            raise NotFoundException("No such report table")
        scope, filters, _ = await from_filters(request.query_params)
        language = request_language(request)
        report = await overview(scope)
        table = tables(report, language, _section_name(language), lambda text: translate(language, text)).get(name)
        if table is None:  # coverage before any register load added a municipality
            from litestar.exceptions import NotFoundException

            raise NotFoundException("No such report table")
        await audit.record_now(  # a disclosure log entry (tiedonhallintalaki 906/2019 17 §)
            action="export", entity="report", entity_id=None, actor_id=request.user.id,
            changes={"table": [None, name], "format": [None, file_format],
                     "filters": [None, {key: value for key, value in filters.items() if value}]})
        stem = f"report-{name}"
        if file_format == "xlsx":
            return download(xlsx_bytes(table.title, table.columns, table.rows), f"{stem}.xlsx",
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        rows = [[format_date(cell, language) if isinstance(cell, dt.date) else cell for cell in row]
                for row in table.rows]
        return download(csv_bytes(table.columns, rows), f"{stem}.csv")


def _dated(cover: dict | None) -> dict | None:
    """The coverage figures with the register file's date as a date (the page formats it)."""
    if cover and cover.get("as_of"):
        return {**cover, "as_of": dt.date.fromisoformat(cover["as_of"])}
    return cover


def _programme_rows(rows: list[dict], language: str) -> list[dict]:
    """Themes, each followed by its projects."""
    themes = [row for row in rows if row["is_theme"]]
    ordered = []
    for theme in themes:
        ordered.append(theme)
        ordered += [row for row in rows if row["theme"] == theme["id"]]
    ordered += [row for row in rows if row not in ordered]
    return [{**row, "name": labels.name_in(row, language)} for row in ordered]
