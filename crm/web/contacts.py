"""Contacts: the person, their companies with roles, their interactions; create and edit."""

from __future__ import annotations

import datetime as dt
import json

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from crm.domain.dates import parse_date
from crm.domain.problems import rule_message
from crm.domain.sorting import CONTACT_SORTS, parse_sort
from crm.errors import Invalid, NotFound
from crm.importing.export import csv_bytes
from crm.services import audit, contacts, gdpr, reads
from crm.web.auth import requires_role
from crm.web.render import download, form_data, int_or_none, page, page_or_partial, see_other

FIELDS = ("first_name", "last_name", "email", "phone", "title", "language")
ROLE_FIELDS = ("company_id", "role", "start_date", "end_date")


class ContactController(Controller):
    path = "/contacts"

    @get("/")
    async def list_contacts(self, request: Request) -> Template:
        """People, found as you type by name, e-mail or phone, with the companies they are at."""
        query = request.query_params.get("q", "")
        sort = parse_sort(request.query_params.get("sort"), CONTACT_SORTS)
        results = await reads.search_contacts(query=query, page=int_or_none(request.query_params.get("page")) or 1,
                                              sort=sort)
        return page_or_partial(request, "contacts/index.html", "contacts/_results.html", results=results, q=query,
                               sort=sort)

    @get("/new")
    async def new_contact(self, company_id: FromQuery[int | None] = None) -> Template:
        company = await reads.company_card(company_id) if company_id else None
        return page("contacts/form.html", contact={"language": "fi"}, role={"company_id": company_id}, errors={},
                    company=company)

    @post("/")
    async def create_contact(self, request: Request) -> Template | Response:
        data = await form_data(request)
        values = {field: data.get(field, "") for field in FIELDS}
        role = {field: data.get(field, "") for field in ROLE_FIELDS}
        company_id = int_or_none(role["company_id"])
        try:
            contact_id = await contacts.create_contact(
                values, roles=[{**role, "company_id": company_id}] if company_id else [], actor_id=request.user.id)
        except Invalid as error:
            company = await reads.company_card(company_id) if company_id else None
            return page("contacts/form.html", status_code=422, contact=values, role=role,
                        errors=error.field_errors, company=company)
        return see_other(request, f"/companies/{company_id}" if company_id else f"/contacts/{contact_id}")

    @get("/{contact_id:int}")
    async def show_contact(self, request: Request, contact_id: FromPath[int]) -> Template:
        contact = await reads.contact_page(contact_id, request.user,
                                           page=int_or_none(request.query_params.get("page")) or 1)
        await audit.record_now(action="view", entity="contact", entity_id=contact_id, actor_id=request.user.id)
        return page("contacts/show.html", contact=contact)

    @get("/{contact_id:int}/edit")
    async def edit_contact(self, request: Request, contact_id: FromPath[int]) -> Template:
        contact = await reads.contact_page(contact_id, request.user)
        await audit.record_now(action="view", entity="contact", entity_id=contact_id, actor_id=request.user.id)
        return page("contacts/form.html", contact=contact, role={}, errors={}, company=None)

    @post("/{contact_id:int}")
    async def update_contact(self, request: Request, contact_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        values = {field: data.get(field, "") for field in FIELDS}
        try:
            await contacts.update_contact(contact_id, values, actor_id=request.user.id)
        except Invalid as error:
            return page("contacts/form.html", status_code=422, contact={**values, "id": contact_id}, role={},
                        errors=error.field_errors, company=None)
        return see_other(request, f"/contacts/{contact_id}")

    @get("/{contact_id:int}/export.json", guards=[requires_role("manager", "admin")])
    async def export_json(self, request: Request, contact_id: FromPath[int]) -> Response:
        """Everything about one person (GDPR access request), as JSON."""
        data = await gdpr.contact_data(contact_id, request.user)
        await audit.record_now(action="export", entity="contact", entity_id=contact_id, actor_id=request.user.id,
                               changes={"format": [None, "json"]})
        return download(json.dumps(data, ensure_ascii=False, indent=2).encode(), f"contact-{contact_id}.json",
                        media_type="application/json")

    @get("/{contact_id:int}/export.csv", guards=[requires_role("manager", "admin")])
    async def export_csv(self, request: Request, contact_id: FromPath[int]) -> Response:
        """The same as CSV for Finnish Excel: one section per kind of data."""
        data = await gdpr.contact_data(contact_id, request.user)
        rows = [["contact", field, value] for field, value in data["contact"].items()]
        for section in ("roles", "interactions", "processing_log"):
            rows += [[f"{section} {number}", field, value]
                     for number, row in enumerate(data[section], start=1) for field, value in row.items()]
        await audit.record_now(action="export", entity="contact", entity_id=contact_id, actor_id=request.user.id,
                               changes={"format": [None, "csv"]})
        return download(csv_bytes(["section", "field", "value"], rows), f"contact-{contact_id}.csv")

    @post("/{contact_id:int}/erase", guards=[requires_role("admin")])
    async def erase(self, request: Request, contact_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        if data.get("confirm") != "erase":
            contact = await reads.contact_page(contact_id, request.user)
            return page("contacts/show.html", status_code=422, contact=contact, erase_error=True)
        await contacts.erase_contact(contact_id, upload_dir=request.app.state.settings.upload_dir,
                                     actor_id=request.user.id)
        return see_other(request, f"/contacts/{contact_id}")

    @post("/{contact_id:int}/roles")
    async def add_role(self, request: Request, contact_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        try:
            company_id = await contacts.company_by_reference(str(data.get("company", "")))
            await contacts.add_role(contact_id, {"company_id": company_id, "role": data.get("role", ""),
                                                 "start_date": data.get("start_date", "")}, actor_id=request.user.id)
        except Invalid as error:
            contact = await reads.contact_page(contact_id, request.user)
            return page("contacts/show.html", status_code=422, contact=contact, role_errors=error.field_errors,
                        role_values=data)
        return see_other(request, f"/contacts/{contact_id}")

    @get("/{contact_id:int}/roles/{role_id:int}/end")
    async def confirm_end_role(self, request: Request, contact_id: FromPath[int], role_id: FromPath[int]) -> Template:
        return await _end_role_page(request, contact_id, role_id, dt.date.today().isoformat(), {})

    @post("/{contact_id:int}/roles/{role_id:int}/end")
    async def end_role(self, request: Request, contact_id: FromPath[int], role_id: FromPath[int]
                       ) -> Template | Response:
        data = await form_data(request)
        day = str(data.get("end_date") or "")
        if data.get("confirmed") != "yes":  # asked first, on the server too: an ended role has no undo button
            return await _end_role_page(request, contact_id, role_id, day or dt.date.today().isoformat(),
                                        {"confirmed": rule_message("Confirm that the role has ended")}, 422)
        try:
            end_date = parse_date(day) if day else None
            await contacts.end_role(contact_id, role_id, end_date=end_date, actor_id=request.user.id)
        except ValueError as error:
            return await _end_role_page(request, contact_id, role_id, day, {"end_date": getattr(error, "message", str(error))}, 422)
        except Invalid as error:
            return await _end_role_page(request, contact_id, role_id, day, error.field_errors, 422)
        return see_other(request, f"/contacts/{contact_id}")


async def _end_role_page(request: Request, contact_id: int, role_id: int, day: str, errors: dict,
                         status_code: int = 200) -> Template:
    contact = await reads.contact_page(contact_id, request.user)
    role = next((r for r in contact["roles"] if r["id"] == role_id), None)
    if role is None or role["end_date"] is not None:
        raise NotFound(f"Role #{role_id} is not an open role of contact #{contact_id}")
    return page("confirm.html", status_code=status_code, what="end_role", errors=errors, role=role, day=day,
                person=f"{contact['first_name']} {contact['last_name']}".strip(),
                action=f"/contacts/{contact_id}/roles/{role_id}/end", cancel=f"/contacts/{contact_id}")
