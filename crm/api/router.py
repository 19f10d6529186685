"""/api/v1 assembled: token authentication, rate limit, every resource."""

from __future__ import annotations

from litestar import Router
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag

from crm.api.auth import TokenAuthMiddleware, rate_limit
from crm.api.companies import CompanyApi
from crm.api.contacts import ContactApi
from crm.api.interactions import InteractionApi
from crm.api.reports import ReportApi

DESCRIPTION = """The City of Espoo's business CRM: one city-wide record of companies, contacts and interactions.

Every request carries a token from `crm token add EMAIL --name NAME` or the user's profile page:
`Authorization: Bearer crm_...`. A token acts as its user: the same role, department and confidentiality
(another department's confidential interactions show only that they exist). Errors are problem details
(RFC 9457) with `errors` naming each invalid field. Lists page with a cursor: pass `next` as `cursor`."""


def api_router(requests_per_minute: int) -> Router:
    return Router(
        path="/api/v1",
        route_handlers=[CompanyApi, ContactApi, InteractionApi, ReportApi],
        middleware=[DefineMiddleware(TokenAuthMiddleware), rate_limit(requests_per_minute).middleware],
        security=[{"bearer": []}],
    )


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Espoo business CRM API",
        version="1",
        description=DESCRIPTION,
        path="/api/schema",
        render_plugins=[JsonRenderPlugin()],
        components=Components(security_schemes={
            "bearer": SecurityScheme(type="http", scheme="bearer", description="A token from `crm token add`"),
        }),
        tags=[Tag(name=name) for name in ("companies", "contacts", "interactions", "reports")],
        use_handler_docstrings=True,
    )
