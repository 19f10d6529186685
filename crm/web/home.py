"""/ : my open follow-ups (overdue first) and recent activity in my department."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Request, get
from litestar.response import Template

from crm.reports.overview import headline
from crm.services import reads
from crm.web.render import page


class HomeController(Controller):
    @get("/")
    async def home(self, request: Request) -> Template:
        user = request.user
        return page(
            "home.html",
            headline=await headline() if user.role in ("manager", "admin") else None,
            follow_ups=await reads.my_follow_ups(user),
            recent=await reads.recent_in_department(user),
            today=dt.date.today(),
        )
