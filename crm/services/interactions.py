"""Interactions: a meeting, call, visit ... between a department and a company."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from crm import db
from crm.domain.problems import rule_message
from crm.domain.records import clean_interaction
from crm.errors import Invalid
from crm.services import audit, holdings, tallies
from crm.services.lookups import existing, programme_ids_by_code
from crm.tables import (
    Company,
    Contact,
    Department,
    Interaction,
    InteractionContact,
    InteractionProgramme,
    User,
)

ENTITY = "interaction"


async def _check_references(company_id: Any, department_id: Any, advisor_id: Any, contact_ids: Sequence[int]) -> dict:
    errors: dict[str, str] = {}
    if not await Company.exists().where(Company.id == company_id):
        errors["company"] = rule_message("Company #%(id)s does not exist", id=company_id)
    if not await Department.exists().where(Department.id == department_id):
        errors["department"] = rule_message("Department #%(id)s does not exist", id=department_id)
    if advisor_id is not None:
        advisor = await User.select(User.department, User.active).where(User.id == advisor_id).first()
        if advisor is None or not advisor["active"]:
            errors["advisor"] = rule_message("User #%(id)s is not an active user", id=advisor_id)
        elif advisor["department"] != department_id:
            errors["advisor"] = rule_message("The advisor must belong to the department that logs the interaction")
    if contact_ids:
        rows = await Contact.select(Contact.id).where(Contact.id.is_in(list(contact_ids)))
        missing = sorted(set(contact_ids) - {row["id"] for row in rows})
        if missing:
            errors["contacts"] = rule_message("Contact #%(id)s does not exist", id=missing[0])
    return errors


async def create_interaction(
    data: Mapping[str, Any],
    *,
    company_id: int,
    department_id: int,
    advisor_id: int | None,
    contact_ids: Sequence[int] = (),
    actor_id: int | None = None,
) -> int:
    clean, errors = clean_interaction(data, creating=True)
    programme_ids: list[int] = []
    if "programmes" in data:
        try:
            programme_ids = await programme_ids_by_code(data["programmes"])
        except ValueError as error:
            errors["programmes"] = str(error)
    if errors:
        raise Invalid(errors)
    now = dt.datetime.now(dt.timezone.utc)
    async with db.write_transaction():
        errors = await _check_references(company_id, department_id, advisor_id, contact_ids)
        if errors:
            raise Invalid(errors)
        row = Interaction(
            **clean,
            company=company_id,
            department=department_id,
            advisor=advisor_id,
            created_at=now,
            updated_at=now,
            created_by=actor_id,
            updated_by=actor_id,
        )
        await row.save()
        # rows are locked in one order everywhere: companies, then holdings, then programme reach
        await tallies.add_holders([(company_id, department_id)])
        await holdings.count_interactions([(company_id, department_id, clean["date"])])
        await tallies.count_interactions([(company_id, department_id, clean["date"], programme_ids)])
        if contact_ids:
            await InteractionContact.insert(*(InteractionContact(interaction=row.id, contact=contact_id)
                                              for contact_id in sorted(set(contact_ids))))
        if programme_ids:
            await InteractionProgramme.insert(*(InteractionProgramme(interaction=row.id, programme=programme_id)
                                                for programme_id in programme_ids))
        changes = audit.diff(
            {},
            {
                **clean,
                "company": company_id,
                "department": department_id,
                "advisor": advisor_id,
                "contacts": sorted(set(contact_ids)),
                "programmes": programme_ids,
            },
        )
        await audit.record(action="create", entity=ENTITY, entity_id=row.id, actor_id=actor_id, changes=changes)
    return row.id


async def update_interaction(interaction_id: int, data: Mapping[str, Any], *, actor_id: int | None = None) -> dict:
    clean, errors = clean_interaction(data, creating=False)
    if errors:
        raise Invalid(errors)
    async with db.write_transaction():
        old = await existing(Interaction.select().where(Interaction.id == interaction_id), "Interaction",
                             interaction_id)
        changes = audit.diff(old, clean)
        if not changes:
            return {}
        await Interaction.update(
            {
                **{field: clean[field] for field in changes},
                Interaction.updated_at: dt.datetime.now(dt.timezone.utc),
                Interaction.updated_by: actor_id,
            }
        ).where(Interaction.id == interaction_id)
        if "date" in changes:
            await holdings.recount_interactions([(old["company"], old["department"])])
            programmes = [row["programme"] for row in await InteractionProgramme.select(
                InteractionProgramme.programme).where(InteractionProgramme.interaction == interaction_id)]
            await tallies.count_interactions([(old["company"], old["department"], old["date"], programmes)], sign=-1)
            await tallies.count_interactions([(old["company"], old["department"], clean["date"], programmes)])
        await audit.record(
            action="update", entity=ENTITY, entity_id=interaction_id, actor_id=actor_id, changes=changes
        )
    return changes
