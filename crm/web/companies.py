"""Companies: search, the card with its cross-department timeline, create and edit, history export."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from crm.errors import Invalid
from crm.domain import labels
from crm.domain.kinds import KIND_LABELS
from crm.domain.sorting import COMPANY_SORTS, parse_sort
from crm.i18n import request_language, translate
from crm.importing.export import csv_bytes, xlsx_bytes
from crm.services import audit, companies, reads
from crm.web.auth import requires_role
from crm.web.render import (
    as_list,
    date_or_none,
    download,
    form_data,
    int_or_none,
    is_htmx,
    page,
    page_or_partial,
    see_other,
)

COMPANY_FORM_FIELDS = (
    "name", "business_id", "other_names", "company_form", "industry_code", "industry_classification",
    "size_class", "website", "street", "postal_code", "city", "country", "status", "responsible_advisor",
    "programmes", "notes",
)


TIMELINE_PARAMS = ("department", "kind", "programme", "from", "to", "page")
EXPORT_COLUMNS = ("business_id", "name", "postal_code", "city", "industry_code", "status", "responsible_advisor")
EXPORT_PAGE = 5_000


def _list_filters(params: Any) -> dict[str, Any]:
    """The company list's filters from the query string (the page, its htmx partial and the export)."""
    return {
        "q": params.get("q", ""),
        "department": int_or_none(params.get("department")),
        "programme": int_or_none(params.get("programme")),
        "section": params.get("section") or None,
        "postal_code": params.get("postal_code") or None,
        "advisor": int_or_none(params.get("advisor")),
        "active": "1" if params.get("active") == "1" else "",
        "sort": parse_sort(params.get("sort"), COMPANY_SORTS),
    }


async def _search(filters: dict[str, Any], *, page: int, per_page: int = reads.PER_PAGE, count: bool = False) -> Any:
    return await reads.search_companies(
        query=filters["q"], department_id=filters["department"], programme_id=filters["programme"],
        section=filters["section"], postal_code=filters["postal_code"], advisor_id=filters["advisor"],
        active_only=filters["active"] == "1", page=page, per_page=per_page, count=count, sort=filters["sort"],
    )


def _filters_said(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters set, as the audit log keeps them (the order only when it is not the default)."""
    said = {key: value for key, value in filters.items() if value and key != "sort"}
    if filters["sort"].value != COMPANY_SORTS[0]:
        said["sort"] = filters["sort"].value
    return said


def _timeline_filters(params: dict[str, Any]) -> reads.TimelineFilters:
    return reads.TimelineFilters(
        department_id=int_or_none(params.get("department")),
        kind=params.get("kind") or None,
        programme_id=int_or_none(params.get("programme")),
        date_from=date_or_none(params.get("from")),
        date_to=date_or_none(params.get("to")),
    )


class CompanyController(Controller):
    path = "/companies"

    @get("/")
    async def list_companies(self, request: Request) -> Template:
        params = request.query_params
        filters = _list_filters(params)
        results = await _search(filters, page=int_or_none(params.get("page")) or 1, count=True)
        through_people = []
        if filters["q"].strip() and results.page == 1:  # a secondary hit: the company of a person named so
            through_people = await reads.companies_by_contact(filters["q"],
                                                              leave_out={row["id"] for row in results.rows})
        return page_or_partial(request, "companies/index.html", "companies/_results.html",
                               results=results, filters=filters, choices=await reads.choices(),
                               through_people=through_people)

    @get(["/export.csv", "/export.xlsx"], guards=[requires_role("manager", "admin")])
    async def export_companies(self, request: Request) -> Response:
        """The list as filtered on the page, for Excel: CSV (UTF-8 with BOM, ';') or XLSX, no cell a
        spreadsheet would run as a formula. Logged as a disclosure (tiedonhallintalaki 906/2019 17 §)."""
        file_format = "xlsx" if request.url.path.endswith(".xlsx") else "csv"
        filters = _list_filters(request.query_params)
        language = request_language(request)
        header = [translate(language, labels.FIELDS[field]) for field in EXPORT_COLUMNS]
        rows, number = [], 1
        while True:
            result = await _search(filters, page=number, per_page=EXPORT_PAGE)
            rows += [[row["business_id"] or "", row["name"], row["postal_code"], row["city"], row["industry_code"],
                      translate(language, labels.COMPANY_STATUSES.get(row["status"], row["status"])),
                      row["responsible_advisor.name"] or ""] for row in result.rows]
            if not result.has_next:
                break
            number += 1
        await audit.record_now(
            action="export", entity="company", entity_id=None, actor_id=request.user.id,
            changes={"format": [None, file_format], "rows": [None, len(rows)],
                     "filters": [None, _filters_said(filters)]})
        if file_format == "xlsx":
            return download(xlsx_bytes(translate(language, "Companies"), header, rows), "companies.xlsx",
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return download(csv_bytes(header, rows), "companies.csv")

    @get("/typeahead")
    async def typeahead(self, q: FromQuery[str] = "") -> Template:
        return page("companies/_typeahead.html", companies=await reads.typeahead(q) if q.strip() else [], q=q)

    @get("/new")
    async def new_company(self) -> Template:
        return page("companies/form.html", company={}, errors={}, warning=None, choices=await reads.choices())

    @post("/")
    async def create_company(self, request: Request) -> Template | Response:
        data = await form_data(request)
        values = _company_values(data)
        if not data.get("confirm_duplicate"):
            similar = await companies.similar_companies(values)
            if similar:
                return page("companies/form.html", status_code=422, company=values, errors={}, warning=similar,
                            choices=await reads.choices())
        try:
            company_id = await companies.create_company(values, actor_id=request.user.id)
        except Invalid as error:
            return page("companies/form.html", status_code=422, company=values, errors=error.field_errors,
                        warning=None, choices=await reads.choices())
        return see_other(request, f"/companies/{company_id}")

    @get("/{company_id:int}")
    async def show_company(self, request: Request, company_id: FromPath[int]) -> Template:
        filters = _timeline_filters(dict(request.query_params))
        return page(
            "companies/show.html",
            company=await reads.company_card(company_id),
            contacts=await reads.company_contacts(company_id),
            served=await reads.departments_served(company_id),
            timeline=await reads.timeline(company_id, request.user, filters,
                                          page=int_or_none(request.query_params.get("page")) or 1),
            filters=filters,
            choices=await reads.choices(),
        )

    @get("/{company_id:int}/timeline")
    async def show_timeline(self, request: Request, company_id: FromPath[int]) -> Template:
        filters = _timeline_filters(dict(request.query_params))
        await reads.company_card(company_id)  # 404 for a company that does not exist
        response = page_or_partial(
            request, "companies/timeline.html", "companies/_timeline.html", company={"id": company_id},
            timeline=await reads.timeline(company_id, request.user, filters,
                                          page=int_or_none(request.query_params.get("page")) or 1),
            filters=filters, choices=await reads.choices(),
        )
        if is_htmx(request):  # the filters stay in the address bar: a reload or a shared link keeps them
            kept = urlencode([(key, value) for key, value in request.query_params.items()
                              if key in TIMELINE_PARAMS and value])
            response.headers["HX-Push-Url"] = f"/companies/{company_id}" + (f"?{kept}" if kept else "")
        return response

    @get("/{company_id:int}/edit")
    async def edit_company(self, company_id: FromPath[int]) -> Template:
        company = await reads.company_card(company_id)
        company["responsible_advisor"] = company["responsible_advisor.email"] or ""
        company["programmes"] = [programme["programme.code"] for programme in company["programmes"]]
        return page("companies/form.html", company=company, errors={}, warning=None, choices=await reads.choices())

    @post("/{company_id:int}")
    async def update_company(self, request: Request, company_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        values = _company_values(data)
        try:
            await companies.update_company(company_id, values, actor_id=request.user.id)
        except Invalid as error:
            return page("companies/form.html", status_code=422, company={**values, "id": company_id},
                        errors=error.field_errors, warning=None, choices=await reads.choices())
        return see_other(request, f"/companies/{company_id}")

    @get("/{company_id:int}/history.csv", guards=[requires_role("manager", "admin")])
    async def export_history(self, request: Request, company_id: FromPath[int]) -> Response:
        """The company's whole cross-department history as CSV for Finnish Excel."""
        company = await reads.company_card(company_id)
        language = request_language(request)
        rows, page_number = [], 1
        while True:
            result = await reads.timeline(company_id, request.user, reads.TimelineFilters(), page=page_number,
                                          per_page=500)
            rows += [[row["date"].strftime("%-d.%-m.%Y"), labels.name_in(row, language, "department."),
                      translate(language, KIND_LABELS.get(row["kind"], row["kind"])), row["subject"],
                      row["notes"], row["advisor.name"] or row["advisor_name"],
                      row["follow_up_date"].strftime("%-d.%-m.%Y") if row["follow_up_date"] else "",
                      "x" if row["confidential"] else ""] for row in result.rows]
            if not result.has_next:
                break
            page_number += 1
        await audit.record_now(action="export", entity="company", entity_id=company_id, actor_id=request.user.id,
                               changes={"history_rows": [None, len(rows)]})
        header = [translate(language, labels.field(name)) for name in (
            "date", "department", "kind", "subject", "notes", "advisor", "follow_up_date", "confidential")]
        return download(csv_bytes(header, rows), f"history-{company['business_id'] or company_id}.csv")


def _company_values(data: dict[str, Any]) -> dict[str, Any]:
    """The company form's fields; programmes come as a list of codes (checkboxes)."""
    return {**{field: data.get(field, "") for field in COMPANY_FORM_FIELDS},
            "programmes": as_list(data.get("programmes"))}

