"""API tokens: a token acts as its user (role, department, confidentiality). Only its SHA-256 is
stored; the token is shown once. Revoking it, or deactivating its user, stops it at the next request."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from crm import db
from crm.domain.problems import N_, rule_message
from crm.errors import Invalid, NotFound
from crm.services import audit
from crm.services.sessions import CurrentUser
from crm.tables import ApiToken, User

PREFIX = "crm_"  # tells a CRM token apart in a secret scanner or a config file
LAST_USED_EVERY = dt.timedelta(minutes=1)  # last use is written at most this often (no write per request)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def create_token(user_id: int, name: str, *, actor_id: int | None = None) -> tuple[int, str]:
    """(token id, the token): the token is never stored nor shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid({"name": rule_message("%(what)s is required (at most 100 characters)", what=N_("Name"))})
    token = PREFIX + secrets.token_urlsafe(32)
    async with db.write_transaction():
        if not await User.exists().where((User.id == user_id) & (User.active == True)):  # noqa: E712
            raise NotFound(f"User #{user_id} is not an active user")
        row = ApiToken(user=user_id, name=name, key=_key(token), prefix=token[:12], created_at=_now())
        await row.save()
        await audit.record(action="create", entity="api_token", entity_id=row.id, actor_id=actor_id,
                           changes={"name": [None, name], "user": [None, user_id]})
    return row.id, token


async def list_tokens(user_id: int | None = None) -> list[dict]:
    """Tokens newest first (one user's, or everyone's for the CLI), without their keys."""
    select = ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.created_at, ApiToken.last_used_at,
        ApiToken.revoked_at, ApiToken.user, ApiToken.user.email,
    ).order_by(ApiToken.id, ascending=False)
    if user_id is not None:
        select = select.where(ApiToken.user == user_id)
    return await select


async def revoke_token(token_id: int, *, user_id: int | None = None, actor_id: int | None = None) -> None:
    """Revoke a token (only the user's own when user_id is given); revoking twice is no error."""
    async with db.write_transaction():
        select = ApiToken.select(ApiToken.id, ApiToken.revoked_at).where(ApiToken.id == token_id)
        if user_id is not None:
            select = select.where(ApiToken.user == user_id)
        row = await select.first()
        if row is None:
            raise NotFound(f"Token #{token_id} does not exist")
        if row["revoked_at"] is None:
            now = _now()
            await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
            await audit.record(action="revoke", entity="api_token", entity_id=token_id, actor_id=actor_id,
                               changes={"revoked_at": [None, now.isoformat()]})


async def user_for_token(token: str) -> tuple[CurrentUser, dict] | None:
    """The active user a live token belongs to, and the token (id, name); None for anything else."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = await ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.last_used_at, ApiToken.user.id, ApiToken.user.email,
        ApiToken.user.name, ApiToken.user.role, ApiToken.user.department, ApiToken.user.department.code,
        ApiToken.user.language, ApiToken.user.active,
    ).where((ApiToken.key == _key(token)) & ApiToken.revoked_at.is_null()).first()
    if row is None or not row["user.active"]:
        return None
    now = _now()
    if row["last_used_at"] is None or now - row["last_used_at"] > LAST_USED_EVERY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    user = CurrentUser(
        id=row["user.id"], email=row["user.email"], name=row["user.name"], role=row["user.role"],
        department_id=row["user.department"], department_code=row["user.department.code"],
        language=row["user.language"],
    )
    return user, {"id": row["id"], "name": row["name"]}
