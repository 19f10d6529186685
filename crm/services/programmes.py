"""Programmes: themes and the projects under them."""

from __future__ import annotations

from typing import Any, Mapping

from crm import db
from crm.domain.records import text
from crm.errors import Invalid
from crm.services import audit
from crm.tables import Programme

ENTITY = "programme"


async def upsert_programme(data: Mapping[str, Any], *, actor_id: int | None = None) -> tuple[int, bool]:
    """Create or update a programme by its code; returns (id, changed)."""
    code = text(data.get("code"), 50).upper()
    values = {
        "name_fi": text(data.get("name_fi"), 300),
        "name_sv": text(data.get("name_sv"), 300),
        "name_en": text(data.get("name_en"), 300),
    }
    errors = {}
    if not code:
        errors["code"] = "Programme code is required"
    if not values["name_fi"]:
        errors["name_fi"] = "Finnish name is required"
    if errors:
        raise Invalid(errors)
    async with db.write_transaction():
        theme_code = text(data.get("theme")).upper()
        if theme_code:
            theme = await Programme.select(Programme.id).where(Programme.code == theme_code).first()
            if theme is None:
                raise Invalid({"theme": f"Unknown programme theme {theme_code}"})
            values["theme"] = theme["id"]
        else:
            values["theme"] = None
        old = await Programme.select().where(Programme.code == code).first()
        if old is None:
            row = Programme(code=code, **values)
            await row.save()
            await audit.record(action="create", entity=ENTITY, entity_id=row.id, actor_id=actor_id, changes=audit.diff({}, {"code": code, **values}))
            return row.id, True
        changes = audit.diff(old, values)
        if changes:
            await Programme.update({field: values[field] for field in changes}).where(Programme.id == old["id"])
            await audit.record(action="update", entity=ENTITY, entity_id=old["id"], actor_id=actor_id, changes=changes)
        return old["id"], bool(changes)
