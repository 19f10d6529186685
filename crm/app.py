"""create_app(): the only place the web app is assembled."""

from __future__ import annotations

import asyncio

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.middleware.base import DefineMiddleware
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from crm import db, i18n
from crm.api.docs import api_docs
from crm.api.router import api_router, openapi_config
from crm.domain import reasons
from crm.domain.phones import format_phone
from crm.importing import batches, jobs
from crm.paths import STATIC_DIR, TEMPLATES_DIR
from crm.services import sessions
from crm.settings import Settings
from crm.web.admin import AdminController
from crm.web.audit import AuditController
from crm.web.auth import (
    CSRF_COOKIE,
    PUBLIC_PATHS,
    AuthController,
    SessionAuthMiddleware,
)
from crm.web.companies import CompanyController
from crm.web.contacts import ContactController
from crm.web.duplicates import DuplicateController
from crm.web.errors import EXCEPTION_HANDLERS
from crm.web.health import HealthController
from crm.web.home import HomeController
from crm.web.imports import ImportController
from crm.web.interactions import InteractionController
from crm.web.profile import ProfileController
from crm.web.reports import ReportController
from crm.web.security import add_security_headers


def template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_null_translations(newstyle=True)  # sets the newstyle flag; the callables follow
    environment.globals.update(
        gettext=i18n.template_gettext, _=i18n.template_gettext, ngettext=i18n.template_ngettext,
        language=i18n.template_language, industry=i18n.template_industry,
    )
    environment.filters["date"] = i18n.template_date
    environment.filters["number"] = i18n.template_number
    environment.filters["message"] = i18n.template_message
    environment.filters["import_reason"] = i18n.template_import_reason
    environment.filters["import_reason_kind"] = reasons.kind
    environment.filters["left_alone_records"] = batches.left_alone_records
    environment.filters["without_left_alone"] = batches.without_left_alone
    environment.filters["phone"] = format_phone
    environment.filters["field_label"] = i18n.template_field_label
    environment.filters["entity_label"] = i18n.template_entity_label
    environment.filters["action_label"] = i18n.template_action_label
    environment.filters["encoding_label"] = i18n.template_encoding_label
    environment.filters["local_name"] = i18n.template_local_name
    environment.filters["section_name"] = i18n.template_section_name
    return environment


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()

    async def on_startup(app: Litestar) -> None:
        app.state.settings = settings
        app.state.csrf_secret = settings.secret_key
        await db.startup(settings.db_pool_size)
        if not await db.pending_migrations():  # /readyz says so when they are pending
            await jobs.recover_interrupted()
            await sessions.purge_expired()
            app.state.stop_housekeeping = asyncio.Event()
            app.state.housekeeping = asyncio.create_task(jobs.housekeeping(
                settings.upload_dir, settings.upload_retention_hours, app.state.stop_housekeeping))

    async def on_shutdown(app: Litestar) -> None:
        if app.state.get("housekeeping") is not None:
            app.state.stop_housekeeping.set()
            await app.state.housekeeping
        await db.shutdown()

    return Litestar(
        route_handlers=[
            Router(path="/", include_in_schema=False, route_handlers=[  # pages, not the API
                HealthController,
                AuthController,
                HomeController,
                CompanyController,
                ContactController,
                InteractionController,
                ProfileController,
                ReportController,
                DuplicateController,
                AuditController,
                AdminController,
                ImportController,
            ]),
            api_router(settings.api_rate_limit),
            api_docs,
            create_static_files_router(path="/static", directories=[STATIC_DIR], cache_control=None,
                                       include_in_schema=False),
        ],
        middleware=[
            DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies),
            # the API authenticates with tokens only (crm/api/auth.py); its schema and docs are public
            DefineMiddleware(SessionAuthMiddleware, exclude=[*PUBLIC_PATHS, "^/api/"]),
        ],
        before_send=[add_security_headers],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name=CSRF_COOKIE,
            header_name="x-csrftoken",
            cookie_samesite="lax",
            cookie_httponly=True,
            exclude=["^/api/"],  # no cookie authenticates an API request, so no request can be forged
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(template_environment())),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        openapi_config=openapi_config(),
        debug=settings.debug,
    )
