"""/api/docs: Swagger UI from crm/static/vendor (no CDN), started by a script file (the CSP allows no
inline script)."""

from __future__ import annotations

from litestar import get
from litestar.response import Template


@get("/api/docs", include_in_schema=False)
async def api_docs() -> Template:
    return Template("api_docs.html")
