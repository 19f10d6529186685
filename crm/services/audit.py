"""AuditEvent rows: who did what to which record, old -> new. Append-only."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from typing import Any, Mapping

from crm.services.paging import Page, fetch_page
from crm.tables import AuditEvent, User


# How the writes of this request arrive, when not through the web pages: "API token 'Power BI' #3".
# Set once per request (crm/api/auth.py); every event the request records names it beside the user.
channel: ContextVar[str] = ContextVar("audit_channel", default="")


def jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields of `new` whose value differs from `old`."""
    return {
        field: [jsonable(old.get(field)), jsonable(value)]
        for field, value in new.items()
        if old.get(field) != value
    }


async def record(
    *,
    action: str,
    entity: str,
    entity_id: int | None,
    actor_id: int | None,
    changes: Mapping[str, Any] | None = None,
    actor: str = "system",
    address: str = "",
) -> None:
    """Write one AuditEvent; call inside the transaction of the write it describes."""
    if actor_id is not None:
        row = await User.select(User.email).where(User.id == actor_id).first()
        actor = row["email"] if row else f"user #{actor_id}"
    if channel.get():
        actor = f"{actor} ({channel.get()})"[:254]
    await AuditEvent.insert(
        AuditEvent(
            at=dt.datetime.now(dt.timezone.utc),
            user=actor_id,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=dict(changes or {}),
            address=address,
        )
    )


async def record_now(**event: Any) -> None:
    """Record an event that is not part of a write (a view, an export) in its own transaction."""
    from crm import db

    async with db.write_transaction():
        await record(**event)


LOCKED_RETRIES = 20


async def record_eventually(**event: Any) -> None:
    """record_now for a view the reader need not wait for (run after the response is sent): while
    an import holds SQLite's write lock it is tried again, up to about ten minutes, rather than
    failing the page that was viewed."""
    import asyncio

    from crm import db

    for attempt in range(LOCKED_RETRIES):
        try:
            await record_now(**event)
            return
        except Exception as error:
            if not db.is_locked(error) or attempt == LOCKED_RETRIES - 1:
                raise
        await asyncio.sleep(min(2**attempt, 10))


async def search(
    *,
    actor: str = "",
    entity: str | tuple[str, ...] = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Audit events, newest first."""
    query = AuditEvent.select().output(load_json=True)
    if actor:
        query = query.where(AuditEvent.actor == actor.strip().lower())
    if entity:
        query = query.where(AuditEvent.entity.is_in(list(entity)) if isinstance(entity, tuple)
                            else AuditEvent.entity == entity)
    if action:
        query = query.where(AuditEvent.action == action)
    if date_from:
        query = query.where(AuditEvent.at >= dt.datetime.combine(date_from, dt.time(), tzinfo=dt.timezone.utc))
    if date_to and date_to < dt.date.max:
        query = query.where(AuditEvent.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(),
                                                                tzinfo=dt.timezone.utc))
    return await fetch_page(query.order_by(AuditEvent.id, ascending=False), page, per_page)


async def history(entity: str, entity_id: int) -> list[dict]:
    return (
        await AuditEvent.select()
        .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == entity_id))
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
