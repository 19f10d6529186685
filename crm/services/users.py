"""Users: staff who log in. Passwords are hashed with Argon2id in a worker thread."""

from __future__ import annotations

import asyncio
import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm import db
from crm.domain.emails import normalize_email
from crm.domain.records import text
from crm.errors import Invalid
from crm.services import audit
from crm.services.lookups import department_id_by_code
from crm.tables import User

ENTITY = "user"
ROLES = tuple(role.value for role in User.Role)
LANGUAGES = ("", "fi", "sv", "en")  # "": not chosen, the browser's Accept-Language decides
MIN_PASSWORD_LENGTH = 4  # the demo password is "demo"; admins choose longer ones

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


async def create_user(
    *,
    email: str,
    name: str = "",
    role: str,
    department: str,
    password: str | None = None,
    language: str = "",
    actor_id: int | None = None,
) -> int:
    """Create a user. Without a password the account exists but cannot log in until one is set."""
    errors: dict[str, str] = {}
    try:
        clean_email = normalize_email(email)
        if not clean_email:
            errors["email"] = "E-mail is required"
    except ValueError as error:
        errors["email"] = str(error)
    if role not in ROLES:
        errors["role"] = f"Role must be one of {', '.join(ROLES)}"
    if language not in LANGUAGES:
        errors["language"] = f"Language must be one of {', '.join(LANGUAGES)}"
    try:
        department_id = await department_id_by_code(department)
    except ValueError as error:
        errors["department"] = str(error)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    try:
        clean_name = text(name, 200)
    except ValueError as error:
        errors["name"] = f"Name {error}"
    if errors:
        raise Invalid(errors)
    password_hash = await hash_password(password) if password else ""
    async with db.write_transaction():
        if await User.exists().where(User.email == clean_email):
            raise Invalid({"email": f"A user with the e-mail address {clean_email} already exists"})
        row = User(
            email=clean_email,
            name=clean_name,
            role=role,
            department=department_id,
            password_hash=password_hash,
            language=language,
            created_at=dt.datetime.now(dt.timezone.utc),
        )
        await row.save()
        await audit.record(
            action="create",
            entity=ENTITY,
            entity_id=row.id,
            actor_id=actor_id,
            changes=audit.diff({}, {"email": clean_email, "name": clean_name, "role": role, "department": department.upper()}),
        )
    return row.id


async def authenticate(email: str, password: str) -> dict | None:
    """The active user with this e-mail and password, else None."""
    row = await User.select().where((User.email == email.strip().lower()) & (User.active == True)).first()  # noqa: E712
    if row is None:
        await hash_password(password)  # spend the same time as a real check
        return None
    return row if await verify_password(row["password_hash"], password) else None
