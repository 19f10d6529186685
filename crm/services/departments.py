"""Departments: the city units that serve companies. Created and renamed by admins, never deleted
(interactions and users reference them); the code is fixed once created, since imports, the CLI
and the pages know a department by it."""

from __future__ import annotations

import re
from typing import Any

from crm import db
from crm.domain.problems import Problem, rule_message
from crm.domain.records import text
from crm.errors import Invalid
from crm.services import audit
from crm.services.lookups import existing
from crm.services.tallies import MAX_DEPARTMENT_ID
from crm.tables import Department

ENTITY = "department"
CODE_PATTERN = re.compile(r"[A-Z0-9_]{2,20}")
NAME_FIELDS = ("name_fi", "name_sv", "name_en")
LANGUAGE_NAMES = {"name_fi": "Finnish", "name_sv": "Swedish", "name_en": "English"}


async def list_departments() -> list[dict]:
    return await Department.select().order_by(Department.code)


async def get_department(department_id: int) -> dict:
    row = await existing(Department.select().where(Department.id == department_id), "Department", department_id)
    return row


def _clean_names(names: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    clean = {}
    for field in NAME_FIELDS:
        try:
            value = text(names.get(field), 200)
        except ValueError as error:
            errors[field] = f"{LANGUAGE_NAMES[field]} name {error}"
            continue
        if not value:
            errors[field] = f"{LANGUAGE_NAMES[field]} name is required"
        clean[field] = value
    return clean


def _clean_code(raw: Any) -> str:
    code = text(raw).upper()
    if not CODE_PATTERN.fullmatch(code):
        raise Problem("Code must be 2–20 letters A–Z, digits or underscores")
    return code


async def create_department(
    code: str, name_fi: str, name_sv: str, name_en: str, *, actor_id: int | None = None
) -> int:
    errors: dict[str, str] = {}
    try:
        clean_code = _clean_code(code)
    except ValueError as error:
        errors["code"] = str(error)
    names = _clean_names({"name_fi": name_fi, "name_sv": name_sv, "name_en": name_en}, errors)
    if errors:
        raise Invalid(errors)
    duplicate = Invalid({"code": rule_message("A department with the code %(value)s already exists", value=clean_code)})
    async with db.write_transaction():
        if await Department.exists().where(Department.code == clean_code):
            raise duplicate
        row = Department(code=clean_code, **names)
        await db.save_new(row, duplicate)  # a concurrent writer may have taken the code first
        if row.id > MAX_DEPARTMENT_ID:  # the study counts each department as one bit of a 64-bit number
            raise Invalid({"code": rule_message("At most %(limit)s departments fit in the study",
                                                limit=MAX_DEPARTMENT_ID)})
        await audit.record(action="create", entity=ENTITY, entity_id=row.id, actor_id=actor_id,
                           changes=audit.diff({}, {"code": clean_code, **names}))
    return row.id


async def update_department(
    department_id: int, *, name_fi: str, name_sv: str, name_en: str, actor_id: int | None = None
) -> dict:
    """Rename in the three languages; returns {field: [old, new]} of what changed."""
    errors: dict[str, str] = {}
    names = _clean_names({"name_fi": name_fi, "name_sv": name_sv, "name_en": name_en}, errors)
    if errors:
        raise Invalid(errors)
    async with db.write_transaction():
        old = await existing(Department.select().where(Department.id == department_id), "Department", department_id)
        changes = audit.diff(old, names)
        if not changes:
            return {}
        await Department.update({field: names[field] for field in changes}).where(Department.id == department_id)
        await audit.record(action="update", entity=ENTITY, entity_id=department_id, actor_id=actor_id,
                           changes=changes)
    return changes
