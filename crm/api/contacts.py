"""/api/v1/contacts: a person with the companies they are at."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from crm.api import schemas
from crm.api.paging import PER_PAGE, next_cursor, page_number
from crm.services import contacts, reads


async def contact_out(contact_id: int, request: Request) -> schemas.Contact:
    row = await reads.contact_page(contact_id, request.user)
    return schemas.Contact(
        id=row["id"], first_name=row["first_name"], last_name=row["last_name"], email=row["email"],
        phone=row["phone"], title=row["title"], language=row["language"],
        roles=[schemas.Role(company_id=role["company.id"], company_name=role["company.name"], role=role["role"],
                            start_date=role["start_date"], end_date=role["end_date"]) for role in row["roles"]],
    )


class ContactApi(Controller):
    path = "/contacts"
    tags = ["contacts"]

    @get("/", responses=schemas.problems())
    async def search(
        self,
        q: Annotated[str, QueryParameter(max_length=200, description="Name words, an e-mail or a phone")] = "",
        cursor: schemas.Cursor = None,
    ) -> schemas.Page[schemas.ContactSummary]:
        """People found by name (word prefixes), e-mail or phone, with the companies they are at."""
        result = await reads.search_contacts(query=q, page=page_number(cursor), per_page=PER_PAGE)
        return schemas.Page(items=[schemas.ContactSummary(
            id=row["id"], first_name=row["first_name"], last_name=row["last_name"], email=row["email"],
            phone=row["phone"], title=row["title"], companies=[link["company.name"] for link in row["companies"]],
        ) for row in result.rows], next=next_cursor(result))

    @get("/{contact_id:int}", responses=schemas.problems(404))
    async def read(self, request: Request, contact_id: FromPath[int]) -> schemas.Contact:
        return await contact_out(contact_id, request)

    @post("/", responses=schemas.problems())
    async def create(self, request: Request, data: JSONBody[schemas.ContactInput]) -> schemas.Contact:
        values = {name: getattr(data, name) for name in data.__struct_fields__ if name != "roles"}
        roles = [{"company_id": role.company_id, "role": role.role, "start_date": role.start_date,
                  "end_date": role.end_date} for role in data.roles]
        contact_id = await contacts.create_contact(values, roles=roles, actor_id=request.user.id)
        return await contact_out(contact_id, request)

    @patch("/{contact_id:int}", responses=schemas.problems(404))
    async def update(self, request: Request, contact_id: FromPath[int], data: JSONBody[schemas.ContactPatch]) -> schemas.Contact:
        await contacts.update_contact(contact_id, schemas.given(data), actor_id=request.user.id)
        return await contact_out(contact_id, request)
