"""Users: staff who log in. Passwords are hashed with Argon2id in a worker thread."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm import db
from crm.domain.emails import normalize_email
from crm.domain.problems import N_, rule_message
from crm.domain.records import text
from crm.errors import Invalid, NotFound
from crm.services import attempts, audit, sessions
from crm.services.lookups import department_id_by_code, existing
from crm.services.paging import Page, fetch_page
from crm.tables import User

ENTITY = "user"
ROLES = tuple(role.value for role in User.Role)
LANGUAGES = ("", "fi", "sv", "en")  # "": not chosen, the browser's Accept-Language decides
MIN_PASSWORD_LENGTH = 4  # the demo password is "demo"; admins choose longer ones
ADMIN_PASSWORD_MIN_LENGTH = 12  # what the admin pages accept (create and reset); the CLI keeps the above
MAX_PASSWORD_CHECK_FAILURES = 5  # wrong current passwords on /profile per account in 15 minutes

_hasher = PasswordHasher()  # argon2-cffi's default type is Argon2id


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def _department_id(code: str, errors: dict[str, str]) -> int | None:
    if not code.strip():
        errors["department"] = rule_message("%(what)s is required", what=N_("Department"))
        return None
    try:
        return await department_id_by_code(code)
    except ValueError as error:
        errors["department"] = str(error)
        return None


async def create_user(
    *,
    email: str,
    name: str = "",
    role: str,
    department: str,
    password: str | None = None,
    language: str = "",
    actor_id: int | None = None,
    min_password_length: int = MIN_PASSWORD_LENGTH,
) -> int:
    """Create a user. Without a password the account exists but cannot log in until one is set.
    The admin pages pass min_password_length=ADMIN_PASSWORD_MIN_LENGTH."""
    errors: dict[str, str] = {}
    try:
        clean_email = normalize_email(email)
        if not clean_email:
            errors["email"] = rule_message("%(what)s is required", what=N_("E-mail"))
    except ValueError as error:
        errors["email"] = str(error)
    if role not in ROLES:
        errors["role"] = f"Role must be one of {', '.join(ROLES)}"
    if language not in LANGUAGES:
        errors["language"] = f"Language must be one of {', '.join(LANGUAGES)}"
    department_id = await _department_id(department, errors)
    if password is not None and len(password) < min_password_length:
        errors["password"] = rule_message("Password must be at least %(limit)s characters", limit=min_password_length)
    try:
        clean_name = text(name, 200)
    except ValueError as error:
        errors["name"] = f"Name {error}"
    if errors:
        raise Invalid(errors)
    password_hash = await hash_password(password) if password else ""
    async with db.write_transaction():
        duplicate = Invalid({"email": rule_message("A user with the e-mail address %(value)s already exists",
                                                   value=clean_email)})
        if await User.exists().where(User.email == clean_email):
            raise duplicate
        row = User(
            email=clean_email,
            name=clean_name,
            role=role,
            department=department_id,
            password_hash=password_hash,
            language=language,
            created_at=dt.datetime.now(dt.timezone.utc),
        )
        await db.save_new(row, duplicate)  # another admin may have created the same address meanwhile
        await audit.record(
            action="create",
            entity=ENTITY,
            entity_id=row.id,
            actor_id=actor_id,
            changes=audit.diff({}, {"email": clean_email, "name": clean_name, "role": role,
                                    "department": department.strip().upper()}),
        )
    return row.id


async def authenticate(email: str, password: str) -> dict | None:
    """The active user with this e-mail and password, else None."""
    row = await User.select().where((User.email == email.strip().lower()) & (User.active == True)).first()  # noqa: E712
    if row is None:
        await hash_password(password)  # spend the same time as a real check
        return None
    return row if await verify_password(row["password_hash"], password) else None


# --- administration (/admin/users) -----------------------------------------------------------------

PER_PAGE = 50


async def list_users(*, role: str = "", department: str = "", active: bool | None = None, page: int = 1,
                     per_page: int = PER_PAGE) -> Page:
    """Users ordered by e-mail, one page at a time; filters that do not apply are ignored."""
    query = User.select(User.id, User.email, User.name, User.role, User.active, User.language,
                        User.department.code)
    if role in ROLES:
        query = query.where(User.role == role)
    if department:
        query = query.where(User.department.code == department.strip().upper())
    if active is not None:
        query = query.where(User.active == active)
    return await fetch_page(query.order_by(User.email), page, per_page)


async def get_user(user_id: int) -> dict:
    """One user with their department's code and names; never the password hash."""
    return await existing(User.select(User.id, User.email, User.name, User.role, User.active, User.language,
                                      User.department, User.department.code, User.department.name_fi,
                                      User.department.name_sv, User.department.name_en, User.created_at).where(
        User.id == user_id), "User", user_id)


async def update_user(
    user_id: int,
    *,
    role: str | None = None,
    department: str | None = None,
    name: str | None = None,
    language: str | None = None,
    actor_id: int | None,
) -> dict:
    """Change the given fields (None: leave as is); returns {field: [old, new]} of what changed.
    An admin cannot take the admin role from themselves (there would be nobody to give it back)."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    if role is not None:
        if role not in ROLES:
            errors["role"] = f"Role must be one of {', '.join(ROLES)}"
        elif user_id == actor_id and role != User.Role.admin.value:
            errors["role"] = rule_message("You cannot remove your own admin role")
        else:
            values["role"] = role
    department_id = None
    if department is not None:
        department_id = await _department_id(department, errors)
        if department_id is not None:
            values["department"] = department.strip().upper()
    if name is not None:
        try:
            values["name"] = text(name, 200)
        except ValueError as error:
            errors["name"] = f"Name {error}"
    if language is not None:
        if language not in LANGUAGES:
            errors["language"] = f"Language must be one of {', '.join(LANGUAGES)}"
        else:
            values["language"] = language
    if errors:
        raise Invalid(errors)
    async with db.write_transaction():
        old = await existing(User.select(User.role, User.name, User.language, User.department.code).where(
            User.id == user_id), "User", user_id)
        changes = audit.diff({**old, "department": old["department.code"]}, values)
        if not changes:
            return {}
        columns = {field: values[field] for field in changes if field != "department"}
        if "department" in changes:
            columns["department"] = department_id
        await User.update(columns).where(User.id == user_id)
        await audit.record(action="update", entity=ENTITY, entity_id=user_id, actor_id=actor_id, changes=changes)
    return changes


async def _set_active(user_id: int, active: bool, actor_id: int | None) -> None:
    """Set the flag, audited as an update of `active`, old -> new. Deactivating also ends every
    session the user has, in the same transaction."""
    async with db.write_transaction():
        old = await existing(User.select(User.active).where(User.id == user_id), "User", user_id)
        if not active:
            await sessions.end_user_sessions(user_id)
        if old["active"] == active:
            return
        await User.update({User.active: active}).where(User.id == user_id)
        await audit.record(action="update", entity=ENTITY, entity_id=user_id, actor_id=actor_id,
                           changes={"active": [old["active"], active]})


async def deactivate_user(user_id: int, *, actor_id: int | None) -> None:
    """The user can no longer log in, and is logged out everywhere now."""
    if user_id == actor_id:
        raise Invalid({"active": rule_message("You cannot deactivate your own account")})
    await _set_active(user_id, False, actor_id)


async def reactivate_user(user_id: int, *, actor_id: int | None) -> None:
    await _set_active(user_id, True, actor_id)


async def reset_password(user_id: int, new_password: str, *, actor_id: int | None) -> None:
    """Set a new password chosen by an admin and log the user out everywhere. The audit event says
    that it happened, never what the password or its hash is."""
    if len(new_password) < ADMIN_PASSWORD_MIN_LENGTH:
        raise Invalid({"password": rule_message("Password must be at least %(limit)s characters",
                                                limit=ADMIN_PASSWORD_MIN_LENGTH)})
    password_hash = await hash_password(new_password)
    async with db.write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound(f"User #{user_id} does not exist")
        await User.update({User.password_hash: password_hash}).where(User.id == user_id)
        await sessions.end_user_sessions(user_id)
        await audit.record(action="reset_password", entity=ENTITY, entity_id=user_id, actor_id=actor_id)


# --- the user's own profile (/profile) --------------------------------------------------------------

async def change_own_password(user_id: int, current_password: str, new_password: str, *, session_token: str,
                              address: str = "") -> None:
    """A user changes their own password: the current one is required, the new one is hashed with
    Argon2id, and every other session of theirs ends (this one stays). Audited without either.

    The current-password check has a limit of its own, like the login's (crm/services/attempts.py):
    after MAX_PASSWORD_CHECK_FAILURES wrong ones in 15 minutes, from any address, the next is refused
    unchecked (attempts.TooManyAttempts), so a session left open is no way to guess the password."""
    errors: dict[str, Any] = {}
    row = await existing(User.select(User.email, User.password_hash).where(User.id == user_id), "User", user_id)
    attempt_id = await attempts.admit("password", row["email"], address[:45],
                                      per_account=MAX_PASSWORD_CHECK_FAILURES)
    right = await verify_password(row["password_hash"], current_password)
    async with db.write_transaction():
        if right:
            await attempts.forgive("password", row["email"])
        else:
            await attempts.failed(attempt_id)
    if not right:
        errors["current_password"] = rule_message("The current password is not right")
    if len(new_password) < ADMIN_PASSWORD_MIN_LENGTH:
        errors["new_password"] = rule_message("Password must be at least %(limit)s characters",
                                              limit=ADMIN_PASSWORD_MIN_LENGTH)
    elif new_password == current_password:
        errors["new_password"] = rule_message("The new password is the same as the current one")
    if errors:
        raise Invalid(errors)
    password_hash = await hash_password(new_password)
    async with db.write_transaction():
        await User.update({User.password_hash: password_hash}).where(User.id == user_id)
        await sessions.end_other_sessions(user_id, session_token)
        await audit.record(action="change_password", entity=ENTITY, entity_id=user_id, actor_id=user_id)
