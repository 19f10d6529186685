"""Pages. Until the web-app issue lands, only a placeholder login page."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Redirect, Template


class PagesController(Controller):
    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        return Redirect("/login")

    @get("/login", sync_to_thread=False)
    def login_page(self) -> Template:
        return Template("login.html")
