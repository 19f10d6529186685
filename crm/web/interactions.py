"""Log an interaction (from the company page, or /interactions/new with a company typeahead);
correct or delete one; mark follow-ups done."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Response, Template

from crm.domain.access import can_close_follow_up
from crm.errors import Forbidden, Invalid
from crm.services import interactions, reads
from crm.web.render import as_list, form_data, int_or_none, is_htmx, page, see_other

FIELDS = ("date", "kind", "subject", "notes", "follow_up_date", "confidential")


async def _form(company_id: int, values: dict, errors: dict, status_code: int = 200,
                interaction: dict | None = None) -> Template:
    choices = await reads.choices()
    return page(
        "interactions/form.html", status_code=status_code,
        company=await reads.company_card(company_id), contacts=await reads.company_contacts(company_id),
        values=values, errors=errors, choices=choices, interaction=interaction,
        advisor_groups=_advisor_groups(choices, values.get("department")),
    )


def _advisor_groups(choices: dict, department_id: int | None) -> list[tuple[dict, list[dict]]]:
    """The advisors by department (its row, for its name), the one logging the interaction first (an
    advisor must belong to it); each group is labelled by its department, so a name needs no code after it."""
    departments = {row["code"]: row for row in choices["departments"]}
    own = next((row["code"] for row in choices["departments"] if row["id"] == department_id), "")
    groups: dict[str, list[dict]] = {}
    for advisor in choices["advisors"]:
        groups.setdefault(advisor["department.code"], []).append(advisor)
    return [(departments.get(code) or {"code": code}, advisors)
            for code, advisors in sorted(groups.items(), key=lambda group: (group[0] != own, group[0]))]


def _posted(data: dict, user) -> dict:
    values = {field: data.get(field, "") for field in FIELDS}
    values["confidential"] = bool(data.get("confidential"))
    values["programmes"] = as_list(data.get("programmes"))
    values["contacts"] = [number for c in as_list(data.get("contacts")) if (number := int_or_none(c))]
    values["department"] = int_or_none(data.get("department")) or user.department_id
    values["advisor"] = int_or_none(data.get("advisor"))
    return values


class InteractionController(Controller):
    @get("/interactions/new")
    async def choose_company(self) -> Template:
        return page("interactions/choose_company.html")

    @get("/companies/{company_id:int}/interactions/new")
    async def new_interaction(self, request: Request, company_id: FromPath[int]) -> Template:
        user = request.user
        values = {"date": dt.date.today().isoformat(), "kind": "meeting", "department": user.department_id,
                  "advisor": user.id, "contacts": [], "programmes": []}
        return await _form(company_id, values, {})

    @post("/companies/{company_id:int}/interactions")
    async def create_interaction(self, request: Request, company_id: FromPath[int]) -> Template | Response:
        user = request.user
        values = _posted(await form_data(request), user)
        if user.role == "advisor":  # advisors log for their own department only
            values["department"] = user.department_id
        try:
            interaction_id = await interactions.create_interaction(
                {field: values[field] for field in (*FIELDS, "programmes")},
                company_id=company_id, department_id=values["department"], advisor_id=values["advisor"],
                contact_ids=values["contacts"], actor_id=user.id,
            )
        except Invalid as error:
            return await _form(company_id, values, error.field_errors, status_code=422)
        return see_other(request, f"/companies/{company_id}?saved={interaction_id}#interaction-{interaction_id}")

    @post("/interactions/{interaction_id:int}/follow-up-done")
    async def mark_follow_up_done(self, request: Request, interaction_id: FromPath[int]) -> Template | Response:
        user = request.user
        row = await reads.interaction_for_user(interaction_id, user)
        if row["hidden"]:
            raise Invalid({"interaction": "This interaction is confidential"})
        if not can_close_follow_up(user.role, user.id, user.department_id, row["advisor"], row["department"]):
            raise Forbidden("Only the advisor, their department, managers and admins close this follow-up")
        await interactions.update_interaction(interaction_id, {"follow_up_done": True}, actor_id=request.user.id)
        if is_htmx(request):
            return page("_follow_up_done.html", row=row)
        return see_other(request, "/")

    @get("/interactions/{interaction_id:int}/edit")
    async def edit_interaction(self, request: Request, interaction_id: FromPath[int]) -> Template:
        row = await reads.changeable_interaction(interaction_id, request.user)
        values = {field: row[field] for field in ("kind", "subject", "notes", "confidential", "follow_up_done")}
        values.update(date=row["date"].isoformat(),
                      follow_up_date=row["follow_up_date"].isoformat() if row["follow_up_date"] else "",
                      department=row["department"], advisor=row["advisor"], programmes=row["programmes"],
                      contacts=[contact["contact.id"] for contact in row["contacts"]])
        return await _form(row["company"], values, {}, interaction=row)

    @post("/interactions/{interaction_id:int}/edit")
    async def update_interaction(self, request: Request, interaction_id: FromPath[int]) -> Template | Response:
        user = request.user
        row = await reads.changeable_interaction(interaction_id, request.user)
        data = await form_data(request)
        values = _posted(data, user)
        values["follow_up_done"] = bool(data.get("follow_up_done"))
        if user.role == "advisor":  # an advisor cannot move an entry to another department
            values["department"] = row["department"]
        try:
            await interactions.update_interaction(
                interaction_id, {field: values[field] for field in (*FIELDS, "follow_up_done", "programmes")},
                department_id=values["department"], advisor_id=values["advisor"], contact_ids=values["contacts"],
                actor_id=user.id,
            )
        except Invalid as error:
            return await _form(row["company"], values, error.field_errors, status_code=422, interaction=row)
        return see_other(request, f"/companies/{row['company']}?saved={interaction_id}#interaction-{interaction_id}")

    @get("/interactions/{interaction_id:int}/delete")
    async def confirm_delete_interaction(self, request: Request, interaction_id: FromPath[int]) -> Template:
        return page("interactions/delete.html", row=await reads.changeable_interaction(interaction_id, request.user))

    @post("/interactions/{interaction_id:int}/delete")
    async def delete_interaction(self, request: Request, interaction_id: FromPath[int]) -> Template | Response:
        row = await reads.changeable_interaction(interaction_id, request.user)
        if (await form_data(request)).get("confirmed") != "yes":  # asked first, on the server too
            return page("interactions/delete.html", row=row, status_code=422)
        await interactions.delete_interaction(interaction_id, actor_id=request.user.id)
        return see_other(request, f"/companies/{row['company']}?deleted=1")
