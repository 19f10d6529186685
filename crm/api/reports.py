"""/api/v1/reports/study: SPEC §9's object, for managers and admins."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter

from crm.api import schemas
from crm.errors import Invalid
from crm.reports.scope import from_filters
from crm.reports.study import study
from crm.web.auth import requires_role


class ReportApi(Controller):
    path = "/reports"
    tags = ["reports"]
    guards = [requires_role("manager", "admin")]

    @get("/study", responses=schemas.problems(403))
    async def study(
        self, request: Request,
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=40,
                                          description="Count what happened on or after this date (yyyy-mm-dd)")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=40,
                                        description="Count what happened on or before this date")] = None,
        department: Annotated[str | None, QueryParameter(max_length=40,
                                           description="Only the companies this department holds (its code)")] = None,
    ) -> dict[str, Any]:
        """companies, held_by, served_by, overlap, sources, programmes — as `crm report study --json`."""
        scope, _, errors = await from_filters({"from": date_from, "to": date_to, "department": department})
        if errors:
            raise Invalid(errors)
        return await study(scope)
