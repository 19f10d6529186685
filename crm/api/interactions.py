"""/api/v1: a company's interactions (masked as on its page), and logging and correcting one."""

from __future__ import annotations


from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from crm.api import schemas
from crm.api.paging import PER_PAGE, next_cursor, page_number
from crm.services import interactions, reads


def interaction_out(row: dict) -> schemas.Interaction:
    return schemas.Interaction(
        id=row["id"], company_id=row["company"], department=row["department.code"], date=row["date"],
        kind=row["kind"], subject=row["subject"] or "", notes=row["notes"] or "",
        advisor=row["advisor.name"] or row["advisor_name"] or "", follow_up_date=row["follow_up_date"],
        follow_up_done=bool(row["follow_up_done"]) and not row["hidden"], confidential=row["confidential"],
        hidden=row["hidden"], contact_ids=[] if row["hidden"] else [c["contact.id"] for c in row["contacts"]],
        programmes=[] if row["hidden"] else row["programmes"],
    )


class InteractionApi(Controller):
    tags = ["interactions"]

    @get("/companies/{company_id:int}/interactions", responses=schemas.problems(404))
    async def list_for_company(
        self, request: Request, company_id: FromPath[int],
        cursor: schemas.Cursor = None,
    ) -> schemas.Page[schemas.Interaction]:
        """Every department's interactions with the company, newest first; another department's confidential
        ones show only that they exist."""
        await reads.company_card(company_id)  # 404 for a company that does not exist
        result = await reads.timeline(company_id, request.user, reads.TimelineFilters(),
                                      page=page_number(cursor), per_page=PER_PAGE)
        return schemas.Page(items=[interaction_out(row) for row in result.rows], next=next_cursor(result))

    @get("/interactions/{interaction_id:int}", responses=schemas.problems(404))
    async def read(self, request: Request, interaction_id: FromPath[int]) -> schemas.Interaction:
        return interaction_out(await reads.interaction_for_user(interaction_id, request.user))

    @post("/interactions", responses=schemas.problems())
    async def create(self, request: Request, data: JSONBody[schemas.InteractionInput]) -> schemas.Interaction:
        """Logged for the token user's own department, with the user as its advisor."""
        user = request.user
        values = {name: getattr(data, name) for name in
                  ("date", "kind", "subject", "notes", "confidential", "follow_up_date", "programmes")}
        interaction_id = await interactions.create_interaction(
            values, company_id=data.company_id, department_id=user.department_id, advisor_id=user.id,
            contact_ids=data.contact_ids, actor_id=user.id)
        return interaction_out(await reads.interaction_for_user(interaction_id, user))

    @patch("/interactions/{interaction_id:int}", responses=schemas.problems(403, 404))
    async def update(self, request: Request, interaction_id: FromPath[int],
                     data: JSONBody[schemas.InteractionPatch]) -> schemas.Interaction:
        """Its author, the advisors of its department, managers and admins may correct it."""
        await reads.changeable_interaction(interaction_id, request.user)
        await interactions.update_interaction(interaction_id, schemas.given(data), actor_id=request.user.id)
        return interaction_out(await reads.interaction_for_user(interaction_id, request.user))

    @delete("/interactions/{interaction_id:int}", responses=schemas.problems(403, 404))
    async def remove(self, request: Request, interaction_id: FromPath[int]) -> None:
        """Deleted: kept for the audit trail, shown and counted nowhere (as on the web)."""
        await reads.changeable_interaction(interaction_id, request.user)
        await interactions.delete_interaction(interaction_id, actor_id=request.user.id)
