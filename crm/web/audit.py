"""Record history (who, when, what changed) on company and contact pages; /admin/audit for admins."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from crm.domain import labels
from crm.services import audit, reads
from crm.web.auth import requires_role
from crm.web.render import date_or_none, int_or_none, page

ACTIONS = tuple(labels.ACTIONS)
# one choice per kind of record: the CLI's bulk exports are logged under the plural
ENTITIES = {"company": ("company", "companies"), "contact": ("contact", "contacts"),
            "interaction": ("interaction", "interactions"), "user": ("user",), "department": ("department",),
            "programme": ("programme",), "import_batch": ("import_batch",), "import_upload": ("import_upload",),
            "mapping_profile": ("mapping_profile",), "report": ("report",)}


class AuditController(Controller):
    @get("/companies/{company_id:int}/history")
    async def company_history(self, company_id: FromPath[int]) -> Template:
        company = await reads.company_card(company_id)
        return page("history.html", title=company["name"], back=f"/companies/{company_id}",
                    events=list(reversed(await audit.history("company", company_id))),
                    origins=await reads.company_origins(company_id), company=company)

    @get("/contacts/{contact_id:int}/history")
    async def contact_history(self, request: Request, contact_id: FromPath[int]) -> Template:
        contact = await reads.contact_page(contact_id, request.user)
        name = f"{contact['first_name']} {contact['last_name']}".strip() or f"#{contact_id}"
        await audit.record_now(action="view", entity="contact", entity_id=contact_id, actor_id=request.user.id)
        return page("history.html", title=name, back=f"/contacts/{contact_id}",
                    events=list(reversed(await audit.history("contact", contact_id))))

    @get("/admin/audit", guards=[requires_role("admin")])
    async def audit_log(self, request: Request) -> Template:
        params = request.query_params
        filters = {"actor": params.get("actor", ""), "entity": params.get("entity", ""),
                   "action": params.get("action", ""), "from": params.get("from", ""), "to": params.get("to", "")}
        number = int_or_none(params.get("page")) or 1
        results = await audit.search(
            actor=filters["actor"], entity=ENTITIES.get(filters["entity"], ""),
            action=filters["action"] if filters["action"] in ACTIONS else "",
            date_from=date_or_none(filters["from"]), date_to=date_or_none(filters["to"]), page=number)
        return page("admin/audit.html", events=results.rows, filters=filters, actions=ACTIONS, entities=ENTITIES,
                    results=results)
