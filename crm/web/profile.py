"""The user's own page: their UI language (it wins over the browser's) and password. API tokens
will have their section here too (the API issue)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Response, Template

from crm.errors import Invalid
from crm.services import users
from crm.web.auth import SESSION_COOKIE
from crm.web.render import form_data, page, see_other

NOTICES = ("language", "password")


def _text(data: dict, field: str) -> str:
    value = data.get(field, "")
    return value if isinstance(value, str) else ""


class ProfileController(Controller):
    path = "/profile"

    @get("/")
    async def show_profile(self, request: Request) -> Template:
        done = request.query_params.get("done", "")
        return await _profile(request, errors={}, done=done if done in NOTICES else "")

    @post("/language")
    async def set_language(self, request: Request) -> Template | Response:
        language = _text(await form_data(request), "language")
        try:
            await users.update_user(request.user.id, language=language, actor_id=request.user.id)
        except Invalid as error:
            return await _profile(request, errors=error.field_errors, status_code=422)
        return see_other(request, "/profile?done=language")

    @post("/password")
    async def change_password(self, request: Request) -> Template | Response:
        data = await form_data(request)
        try:
            await users.change_own_password(request.user.id, _text(data, "current_password"),
                                            _text(data, "new_password"),
                                            session_token=request.cookies.get(SESSION_COOKIE, ""))
        except Invalid as error:
            return await _profile(request, errors=error.field_errors, status_code=422)
        return see_other(request, "/profile?done=password")


async def _profile(request: Request, *, errors: dict, done: str = "", status_code: int = 200) -> Template:
    return page("profile.html", status_code=status_code, account=await users.get_user(request.user.id),
                errors=errors, done=done, password_min_length=users.ADMIN_PASSWORD_MIN_LENGTH)
