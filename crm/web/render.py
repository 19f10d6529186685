"""Rendering helpers: pages and htmx partials, form data, redirects that work for htmx too."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, AsyncIterable

from litestar import Request
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Response, Stream, Template

from crm.domain.dates import parse_date


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page(template: str, *, status_code: int = 200, background: BackgroundTask | None = None,
         **context: Any) -> Template:
    return Template(template, context=context, status_code=status_code, headers={"Vary": "HX-Request"},
                    background=background)


def page_or_partial(request: Request, template: str, partial: str, **context: Any) -> Template:
    """The whole page, or only its partial for an htmx request."""
    return page(partial if is_htmx(request) else template, **context)


def see_other(request: Request, url: str) -> Response:
    """After a successful POST: 303 for a plain form, HX-Redirect for htmx."""
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": url})
    return Redirect(url, status_code=303)


def _attachment(filename: str) -> dict[str, str]:
    """The name is reduced to safe characters (it may come from an uploaded file)."""
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "download"
    return {"Content-Disposition": f'attachment; filename="{safe_name}"'}


def download(content: bytes, filename: str, media_type: str = "text/csv; charset=utf-8") -> Response:
    """A file to save."""
    return Response(content, media_type=media_type, headers=_attachment(filename))


def download_stream(chunks: AsyncIterable[bytes], filename: str, media_type: str = "text/csv; charset=utf-8",
                    background: BackgroundTask | None = None) -> Stream:
    """A file to save, sent as it is made (a big one is never whole in memory)."""
    return Stream(chunks, media_type=media_type, headers=_attachment(filename), background=background)


def local_path(url: str | None, default: str = "/") -> str:
    """Only a path on this site (no scheme, no host, no '//' or backslash tricks)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url or any(ord(c) < 32 for c in url):
        return default
    return url


async def form_data(request: Request) -> dict[str, Any]:
    """Form fields as a dict; a field given several times (checkboxes) becomes a list."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key == "_csrf_token":
            continue
        if key in data:
            data[key] = [*data[key], value] if isinstance(data[key], list) else [data[key], value]
        else:
            data[key] = value
    return data


def date_or_none(value: Any) -> dt.date | None:
    """A date from a filter field; an unreadable one filters nothing."""
    try:
        return parse_date(value)
    except ValueError:
        return None


def as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


MAX_ID = 2**31 - 1  # ids and page numbers past this are no record's


def int_or_none(value: Any) -> int | None:
    """A positive whole number from a form or query value, else None."""
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number <= MAX_ID else None
