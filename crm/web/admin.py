"""Administration: users (create, change role or department, deactivate, reset password) and
departments (create, rename). Admins only; every action is audited by the services."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Response, Template

from crm.domain.problems import rule_message
from crm.errors import Invalid
from crm.services import departments, users
from crm.web.auth import requires_role
from crm.web.render import form_data, int_or_none, page, see_other

USER_FIELDS = ("email", "name", "role", "department", "language")
DEPARTMENT_NAMES = ("name_fi", "name_sv", "name_en")
STATUSES = {"active": True, "inactive": False}
NOTICES = ("created", "updated", "deactivated", "reactivated", "password")


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field, "")
    return value if isinstance(value, str) else ""


class AdminController(Controller):
    path = "/admin"
    guards = [requires_role("admin")]

    # --- users ------------------------------------------------------------------------------------

    @get("/users")
    async def list_users(self, request: Request) -> Template:
        params = request.query_params
        filters = {"role": params.get("role", ""), "department": params.get("department", ""),
                   "status": params.get("status", "")}
        results = await users.list_users(role=filters["role"], department=filters["department"],
                                         active=STATUSES.get(filters["status"]),
                                         page=int_or_none(params.get("page")) or 1)
        return page("admin/users.html", results=results, filters=filters, roles=users.ROLES,
                    departments=await departments.list_departments())

    @get("/users/new")
    async def new_user(self) -> Template:
        return await self._user_form(None, values={"role": "advisor", "language": ""}, errors={})

    @post("/users")
    async def create_user(self, request: Request) -> Template | Response:
        data = await form_data(request)
        values = {field: _text(data, field) for field in USER_FIELDS}
        try:
            user_id = await users.create_user(**values, password=_text(data, "password"), actor_id=request.user.id,
                                              min_password_length=users.ADMIN_PASSWORD_MIN_LENGTH)
        except Invalid as error:
            return await self._user_form(None, values=values, errors=error.field_errors, status_code=422)
        return see_other(request, f"/admin/users/{user_id}?done=created")

    @get("/users/{user_id:int}")
    async def show_user(self, request: Request, user_id: FromPath[int]) -> Template:
        account = await users.get_user(user_id)
        done = request.query_params.get("done", "")
        return await self._user_form(account, values={**account, "department": account["department.code"]},
                                     errors={}, done=done if done in NOTICES else "")

    @post("/users/{user_id:int}")
    async def update_user(self, request: Request, user_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        values = {field: _text(data, field) for field in ("name", "role", "department", "language")}
        try:
            await users.update_user(user_id, **values, actor_id=request.user.id)
        except Invalid as error:
            return await self._user_form(await users.get_user(user_id), values=values, errors=error.field_errors,
                                         status_code=422)
        return see_other(request, f"/admin/users/{user_id}?done=updated")

    @get("/users/{user_id:int}/deactivate")
    async def confirm_deactivate_user(self, request: Request, user_id: FromPath[int]) -> Template:
        return await _deactivate_page(request, user_id, {})

    @post("/users/{user_id:int}/deactivate")
    async def deactivate_user(self, request: Request, user_id: FromPath[int]) -> Template | Response:
        if (await form_data(request)).get("confirmed") != "yes":  # asked first, on the server too
            return await _deactivate_page(request, user_id, {
                "confirmed": rule_message("Confirm that the user is to be deactivated")}, 422)
        try:
            await users.deactivate_user(user_id, actor_id=request.user.id)
        except Invalid as error:
            return await _deactivate_page(request, user_id, error.field_errors, 422)
        return see_other(request, f"/admin/users/{user_id}?done=deactivated")

    @post("/users/{user_id:int}/reactivate")
    async def reactivate_user(self, request: Request, user_id: FromPath[int]) -> Response:
        await users.reactivate_user(user_id, actor_id=request.user.id)
        return see_other(request, f"/admin/users/{user_id}?done=reactivated")

    @post("/users/{user_id:int}/password")
    async def reset_password(self, request: Request, user_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        try:
            await users.reset_password(user_id, _text(data, "password"), actor_id=request.user.id)
        except Invalid as error:
            return await self._user_form_again(user_id, error)
        return see_other(request, f"/admin/users/{user_id}?done=password")

    async def _user_form(self, account: dict | None, *, values: dict, errors: dict, status_code: int = 200,
                         done: str = "") -> Template:
        return page("admin/user_form.html", status_code=status_code, account=account, values=values, errors=errors,
                    done=done, roles=users.ROLES, departments=await departments.list_departments(),
                    password_min_length=users.ADMIN_PASSWORD_MIN_LENGTH)

    async def _user_form_again(self, user_id: int, error: Invalid) -> Template:
        """The user's page with an action's error beside it (the edit form keeps the stored values)."""
        account = await users.get_user(user_id)
        return await self._user_form(account, values={**account, "department": account["department.code"]},
                                     errors=error.field_errors, status_code=422)

    # --- departments ------------------------------------------------------------------------------

    @get("/departments")
    async def list_departments(self) -> Template:
        return page("admin/departments.html", departments=await departments.list_departments())

    @get("/departments/new")
    async def new_department(self) -> Template:
        return page("admin/department_form.html", department={}, errors={})

    @post("/departments")
    async def create_department(self, request: Request) -> Template | Response:
        data = await form_data(request)
        values = {field: _text(data, field) for field in ("code", *DEPARTMENT_NAMES)}
        try:
            await departments.create_department(**values, actor_id=request.user.id)
        except Invalid as error:
            return page("admin/department_form.html", status_code=422, department=values, errors=error.field_errors)
        return see_other(request, "/admin/departments")

    @get("/departments/{department_id:int}/edit")
    async def edit_department(self, department_id: FromPath[int]) -> Template:
        return page("admin/department_form.html", department=await departments.get_department(department_id),
                    errors={})

    @post("/departments/{department_id:int}")
    async def update_department(self, request: Request, department_id: FromPath[int]) -> Template | Response:
        data = await form_data(request)
        values = {field: _text(data, field) for field in DEPARTMENT_NAMES}
        try:
            await departments.update_department(department_id, **values, actor_id=request.user.id)
        except Invalid as error:
            stored = await departments.get_department(department_id)
            return page("admin/department_form.html", status_code=422, department={**stored, **values},
                        errors=error.field_errors)
        return see_other(request, "/admin/departments")


async def _deactivate_page(request: Request, user_id: int, errors: dict, status_code: int = 200) -> Template:
    account = await users.get_user(user_id)
    if user_id == request.user.id and not errors:
        errors = {"active": rule_message("You cannot deactivate your own account")}
        status_code = 422
    return page("confirm.html", status_code=status_code, what="deactivate", errors=errors, account=account,
                action=f"/admin/users/{user_id}/deactivate", cancel=f"/admin/users/{user_id}")
