"""Session authentication, role guards, and the login/logout pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.params import FromQuery
from litestar.response import Redirect, Response, Template

from crm.i18n import request_language, translate
from crm.services import attempts, logins, sessions
from crm.web.render import form_data, local_path, page

SESSION_COOKIE = "crm_session"
CSRF_COOKIE = "crm_csrftoken"
PUBLIC_PATHS = ["^/login", "^/healthz", "^/readyz", "^/static/", "^/favicon.ico"]


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = connection.cookies.get(SESSION_COOKIE, "")
        user = await sessions.user_for_token(token)
        if user is None:
            raise NotAuthorizedException("Log in to continue")
        return AuthenticationResult(user=user, auth=token)


def requires_role(*roles: str):
    """A guard: only these roles may use the route (enforced here, not by hiding a button)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return
        user = connection.scope.get("user")
        if user is None or user.role not in roles:
            raise PermissionDeniedException("Your role does not allow this")

    return guard


def csrf_header_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """A guard for uploads (which skip the CSRF middleware, so it does not read the whole body first):
    the token must come as the X-CSRFToken header and match the CSRF cookie."""
    if connection.scope.get("method") == "OPTIONS":
        return
    from hmac import compare_digest

    from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash

    secret = connection.app.state.csrf_secret

    def secret_of(token: str) -> str | None:
        if len(token) <= CSRF_SECRET_LENGTH:
            return None
        value, digest = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return value if compare_digest(digest, generate_csrf_hash(token=value, secret=secret)) else None

    header = secret_of(connection.headers.get("x-csrftoken", ""))
    cookie = secret_of(connection.cookies.get(CSRF_COOKIE, ""))
    if header is None or cookie is None or not compare_digest(header, cookie):
        raise PermissionDeniedException("CSRF token missing or incorrect")


def _cookie_kwargs(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


class AuthController(Controller):
    @get("/login")
    async def login_page(self, request: Request, next: FromQuery[str] = "/") -> Template | Redirect:
        if await sessions.user_for_token(request.cookies.get(SESSION_COOKIE, "")):
            return Redirect(local_path(next))
        return page("login.html", next=local_path(next), email="", error="")

    @post("/login")
    async def login(self, request: Request) -> Template | Response:
        data = await form_data(request)
        email, password = str(data.get("email", "")).strip(), str(data.get("password", ""))
        target = local_path(str(data.get("next", "/")))
        address = request.client.host if request.client else ""
        try:
            user = await logins.log_in(email, password, address)
        except attempts.TooManyAttempts:
            error = translate(request_language(request), "Too many failed attempts. Try again in 15 minutes.")
            return page("login.html", status_code=429, next=target, email=email, error=error)
        if user is None:
            error = translate(request_language(request), "Wrong e-mail address or password.")
            return page("login.html", status_code=422, next=target, email=email, error=error)
        old_token = request.cookies.get(SESSION_COOKIE)
        if old_token:
            await sessions.end_session(old_token)  # a new session id on every login
        token = await sessions.start_session(user["id"])
        response = Redirect(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, token, **_cookie_kwargs(request))
        return response

    @get("/logout")
    async def logout_page(self) -> Template:
        return page("logout.html")

    @post("/logout")
    async def logout(self, request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await sessions.end_session(token)
        response = Redirect("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
