"""AuditEvent rows: who did what to which record, old -> new. Append-only."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from crm.tables import AuditEvent, User


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
) -> None:
    """Write one AuditEvent; call inside the transaction of the write it describes."""
    actor = "system"
    if actor_id is not None:
        row = await User.select(User.email).where(User.id == actor_id).first()
        actor = row["email"] if row else f"user #{actor_id}"
    await AuditEvent.insert(
        AuditEvent(
            at=dt.datetime.now(dt.timezone.utc),
            user=actor_id,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            changes=dict(changes or {}),
        )
    )


async def record_now(**event: Any) -> None:
    """Record an event that is not part of a write (a view, an export) in its own transaction."""
    from crm import db

    async with db.write_transaction():
        await record(**event)


async def history(entity: str, entity_id: int) -> list[dict]:
    return (
        await AuditEvent.select()
        .where((AuditEvent.entity == entity) & (AuditEvent.entity_id == entity_id))
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
