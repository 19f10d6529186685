"""/api/v1/companies: the web's search, the card's fields, create and update."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from crm.api import schemas
from crm.api.paging import PER_PAGE, next_cursor, page_number
from crm.services import companies, reads


def company_out(row: dict) -> schemas.Company:
    return schemas.Company(
        id=row["id"], business_id=row["business_id"], name=row["name"],
        other_names=row["other_name_list"], company_form=row["company_form"], industry_code=row["industry_code"],
        industry_classification=row["industry_classification"], size_class=row["size_class"],
        website=row["website"], street=row["street"], postal_code=row["postal_code"], city=row["city"],
        municipality_code=row["municipality_code"], country=row["country"], status=row["status"],
        responsible_advisor_id=row["responsible_advisor"],
        programmes=[programme["programme.code"] for programme in row["programmes"]],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


class CompanyApi(Controller):
    path = "/companies"
    tags = ["companies"]

    @get("/", responses=schemas.problems())
    async def search(
        self,
        q: Annotated[str, QueryParameter(max_length=200, description="Words (prefixes of names) or a Business ID")] = "",
        cursor: schemas.Cursor = None,
    ) -> schemas.Page[schemas.CompanySummary]:
        """Companies matching every word as a prefix of a name, or the Business ID in any written form."""
        result = await reads.search_companies(query=q, page=page_number(cursor), per_page=PER_PAGE)
        return schemas.Page(items=[schemas.CompanySummary(
            id=row["id"], business_id=row["business_id"], name=row["name"], postal_code=row["postal_code"],
            city=row["city"], status=row["status"], industry_code=row["industry_code"],
        ) for row in result.rows], next=next_cursor(result))

    @get("/{company_id:int}", responses=schemas.problems(404))
    async def read(self, company_id: FromPath[int]) -> schemas.Company:
        return company_out(await reads.company_card(company_id))

    @post("/", responses=schemas.problems())
    async def create(self, request: Request, data: JSONBody[schemas.CompanyInput]) -> schemas.Company:
        """A company created through the API; the token user's department holds it (as one made by hand)."""
        values = {name: getattr(data, name) for name in data.__struct_fields__}
        company_id = await companies.create_company(values, actor_id=request.user.id)
        return company_out(await reads.company_card(company_id))

    @patch("/{company_id:int}", responses=schemas.problems(404))
    async def update(self, request: Request, company_id: FromPath[int], data: JSONBody[schemas.CompanyPatch]) -> schemas.Company:
        await companies.update_company(company_id, schemas.given(data), actor_id=request.user.id)
        return company_out(await reads.company_card(company_id))
