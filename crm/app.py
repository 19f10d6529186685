"""create_app(): the only place the web app is assembled."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from crm import db
from crm.paths import STATIC_DIR, TEMPLATES_DIR
from crm.settings import Settings
from crm.web.health import HealthController
from crm.web.pages import PagesController


def template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    # Catalogs arrive with the web-app issue; every string is already wrapped for gettext.
    environment.install_null_translations(newstyle=True)
    return environment


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    async def on_startup() -> None:
        await db.startup(settings.db_pool_size)

    return Litestar(
        route_handlers=[
            HealthController,
            PagesController,
            create_static_files_router(path="/static", directories=[STATIC_DIR]),
        ],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(template_environment())),
        on_startup=[on_startup],
        on_shutdown=[db.shutdown],
        debug=settings.debug,
    )
