"""Domain and HTTP errors to responses, in one place: HTML pages for people, JSON for others,
HX-Redirect for htmx. No stack trace or SQL ever reaches a user."""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from crm import db
from crm.errors import Conflict, Forbidden, Invalid, NotFound
from crm.i18n import N_, message_in, request_language, translate
from crm.web.render import is_htmx

log = logging.getLogger("crm")

MESSAGES = {
    400: N_("The request could not be understood."),
    403: N_("You do not have access to this page."),
    404: N_("The page or record you are looking for does not exist."),
    405: N_("That action is not available here."),
    409: N_("The record changed meanwhile; reload and try again."),
    413: N_("The file or form is too large."),
    422: N_("Some of the information is not valid."),
    429: N_("Too many attempts. Wait a moment and try again."),
    500: N_("Something went wrong on our side. The error has been logged."),
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(request: Request, status_code: int, detail: str = "", errors: dict | None = None,
            headers: dict | None = None) -> Response:
    """RFC 9457 problem details, in the user's language; `errors` maps each invalid field to its message."""
    language = request_language(request)
    body: dict = {"type": "about:blank", "title": HTTPStatus(status_code).phrase, "status": status_code,
                  "detail": detail or translate(language, MESSAGES.get(status_code, ""))}
    if errors:
        body["errors"] = {field: str(message_in(language, message)) for field, message in errors.items()}
    return Response(body, status_code=status_code, media_type="application/problem+json", headers=headers)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or is_htmx(request)


def _error_page(request: Request, status_code: int, detail: str = "") -> Response:
    if _is_api(request):
        return problem(request, status_code, detail)
    if not _wants_html(request):
        return Response({"status_code": status_code, "detail": detail or MESSAGES.get(status_code, "")},
                        status_code=status_code)
    return Template("error.html", status_code=status_code,
                    context={"status_code": status_code, "message": MESSAGES.get(status_code, ""),
                             "detail": detail})


def not_authorized(request: Request, error: NotAuthorizedException) -> Response:
    if _is_api(request):
        return problem(request, 401, str(error.detail), headers={"WWW-Authenticate": "Bearer"})
    target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if is_htmx(request):
        return Response(content=b"", status_code=401, headers={"HX-Redirect": target})
    if _wants_html(request):
        return Redirect(target, status_code=303)
    return Response({"status_code": 401, "detail": "Log in to continue"}, status_code=401)


def permission_denied(request: Request, _: PermissionDeniedException | Forbidden) -> Response:
    return _error_page(request, 403)


def not_found(request: Request, error: NotFound) -> Response:
    return _error_page(request, 404, str(error))


def conflict(request: Request, error: Conflict) -> Response:
    return _error_page(request, 409, str(error))


def invalid(request: Request, error: Invalid) -> Response:
    if _is_api(request):
        return problem(request, 422, errors=error.field_errors)
    return _error_page(request, 422, str(error))


def http_error(request: Request, error: HTTPException) -> Response:
    status_code = error.status_code
    if _is_api(request):
        extra = error.extra if isinstance(error.extra, list) else []  # what Litestar found wrong in the request
        errors = {str(item.get("key") or item.get("source") or "body"): str(item.get("message", ""))
                  for item in extra if isinstance(item, dict)}
        status_code = 422 if errors and status_code == 400 else status_code
        return problem(request, status_code, "" if status_code >= 500 else str(error.detail), errors=errors,
                       headers=error.headers)
    detail = "" if status_code >= 500 else (error.detail if status_code == 403 and "CSRF" in str(error.detail) else "")
    return _error_page(request, status_code, detail)


def server_error(request: Request, error: Exception) -> Response:
    if db.is_out_of_range(error):  # an id too large for the database names no record
        return _error_page(request, 404)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return _error_page(request, HTTP_500_INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_authorized,
    PermissionDeniedException: permission_denied,
    Forbidden: permission_denied,
    NotFound: not_found,
    Conflict: conflict,
    Invalid: invalid,
    HTTPException: http_error,
    Exception: server_error,
}
