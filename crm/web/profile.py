"""The user's own page: their UI language (it wins over the browser's), password, and API tokens
(made here or with `crm token add`; a new token is shown once, on the answer to the form that made it)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Response, Template

from crm.domain.problems import rule_message
from crm.errors import Invalid, NotFound
from crm.services import tokens, users
from crm.services.attempts import TooManyAttempts
from crm.web.auth import SESSION_COOKIE
from crm.web.render import form_data, page, see_other

NOTICES = ("language", "password", "token")


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
                                            session_token=request.cookies.get(SESSION_COOKIE, ""),
                                            address=request.client.host if request.client else "")
        except Invalid as error:
            return await _profile(request, errors=error.field_errors, status_code=422)
        except TooManyAttempts:
            message = rule_message("Too many wrong passwords. Try again in 15 minutes.")
            return await _profile(request, errors={"current_password": message}, status_code=429)
        return see_other(request, "/profile?done=password")


    @post("/tokens")
    async def create_token(self, request: Request) -> Template:
        name = _text(await form_data(request), "name")
        try:
            _, token = await tokens.create_token(request.user.id, name, actor_id=request.user.id)
        except Invalid as error:
            return await _profile(request, errors=error.field_errors, status_code=422, token_name=name)
        return await _profile(request, errors={}, new_token=token)  # not redirected: never in a URL or history

    @get("/tokens/{token_id:int}/revoke")
    async def confirm_revoke(self, request: Request, token_id: FromPath[int]) -> Template:
        return await _revoke_page(request, token_id, {})

    @post("/tokens/{token_id:int}/revoke")
    async def revoke_token(self, request: Request, token_id: FromPath[int]) -> Template | Response:
        if _text(await form_data(request), "confirmed") != "yes":  # asked first, on the server too
            return await _revoke_page(request, token_id, {"confirmed": rule_message("Confirm the revocation")}, 422)
        await tokens.revoke_token(token_id, user_id=request.user.id, actor_id=request.user.id)
        return see_other(request, "/profile?done=token")


async def _profile(request: Request, *, errors: dict, done: str = "", status_code: int = 200, new_token: str = "",
                   token_name: str = "") -> Template:
    return page("profile.html", status_code=status_code, account=await users.get_user(request.user.id),
                errors=errors, done=done, password_min_length=users.ADMIN_PASSWORD_MIN_LENGTH,
                tokens=await tokens.list_tokens(request.user.id), new_token=new_token, token_name=token_name)


async def _revoke_page(request: Request, token_id: int, errors: dict, status_code: int = 200) -> Template:
    token = next((row for row in await tokens.list_tokens(request.user.id)
                  if row["id"] == token_id and row["revoked_at"] is None), None)
    if token is None:  # another user's, or revoked already
        raise NotFound(f"Token #{token_id} is not one of your active tokens")
    return page("confirm.html", status_code=status_code, what="revoke_token", errors=errors, token=token,
                action=f"/profile/tokens/{token_id}/revoke", cancel="/profile#api-tokens")
