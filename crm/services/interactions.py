"""Interactions: a meeting, call, visit ... between a department and a company."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from crm import db
from crm.domain.problems import rule_message
from crm.domain.records import clean_interaction, interaction_sense
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
    today: dt.date | None = None,
) -> int:
    clean, errors = clean_interaction(data, creating=True)
    errors = {**interaction_sense(clean, today=today or dt.date.today()), **errors}
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


_UNSET: Any = object()
PLACE = ("company", "department", "date")  # what the holdings and the month tallies are keyed by


async def _programmes_of(interaction_id: int) -> list[int]:
    return sorted(row["programme"] for row in await InteractionProgramme.select(
        InteractionProgramme.programme).where(InteractionProgramme.interaction == interaction_id))


async def _contacts_of(interaction_id: int) -> list[int]:
    return sorted(row["contact"] for row in await InteractionContact.select(
        InteractionContact.contact).where(InteractionContact.interaction == interaction_id))


async def _recount(old: dict, new: dict, old_programmes: list[int], new_programmes: list[int]) -> None:
    """An interaction moved (its company, department or date) or retagged, or deleted (new None):
    the holdings of both pairs counted again, the companies' study state from them, and the month
    and programme tallies moved by the difference. Rows are locked in one order everywhere:
    companies, then holdings, then programme reach."""
    companies = sorted({old["company"], *([new["company"]] if new else [])})
    await tallies.locked_states(companies)
    await holdings.recount_interactions([(old["company"], old["department"]),
                                         *([(new["company"], new["department"])] if new else [])])
    await tallies.refresh_companies(companies)
    await tallies.count_interactions([(old["company"], old["department"], old["date"], old_programmes)], sign=-1)
    if new:
        await tallies.count_interactions([(new["company"], new["department"], new["date"], new_programmes)])


async def _live(interaction_id: int) -> dict:
    """The interaction as stored; a deleted one is no longer there (404)."""
    return await existing(Interaction.select().where(
        (Interaction.id == interaction_id) & Interaction.deleted_at.is_null()), "Interaction", interaction_id)


async def update_interaction(
    interaction_id: int,
    data: Mapping[str, Any],
    *,
    actor_id: int | None = None,
    company_id: int | None = None,
    department_id: int | None = None,
    advisor_id: Any = _UNSET,
    contact_ids: Sequence[int] | None = None,
    today: dt.date | None = None,
) -> dict:
    """Correct an interaction: the fields given in `data` (and `programmes` as codes), and where it
    belongs (company, department, advisor, people) when given. Audited old -> new; the study's
    holdings and tallies follow a move of date, company or department and a change of programmes."""
    clean, errors = clean_interaction(data, creating=False)
    programme_ids: list[int] | None = None
    if "programmes" in data:
        try:
            programme_ids = sorted(await programme_ids_by_code(data["programmes"]))
        except ValueError as error:
            errors["programmes"] = str(error)
    if errors:
        raise Invalid(errors)
    async with db.write_transaction():
        old = await _live(interaction_id)
        new = {**old, **clean}
        if company_id is not None:
            new["company"] = company_id
        if department_id is not None:
            new["department"] = department_id
        if advisor_id is not _UNSET:
            new["advisor"] = advisor_id
        if {"date", "follow_up_date", "subject", "notes"} & set(clean):  # a correction by hand
            errors = interaction_sense(new, today=today or dt.date.today())
            if errors:
                raise Invalid(errors)
        if any(new[field] != old[field] for field in ("company", "department", "advisor")) or contact_ids:
            errors = await _check_references(new["company"], new["department"], new["advisor"], contact_ids or ())
            if errors:
                raise Invalid(errors)
        old_programmes = await _programmes_of(interaction_id)
        old_contacts = await _contacts_of(interaction_id)
        columns = {field: new[field] for field in (*clean, "company", "department", "advisor")}
        changes = audit.diff(old, columns)
        links = {}
        if programme_ids is not None:
            links["programmes"] = programme_ids
        if contact_ids is not None:
            links["contacts"] = sorted(set(contact_ids))
        changes.update(audit.diff({"programmes": old_programmes, "contacts": old_contacts}, links))
        if not changes:
            return {}
        await Interaction.update(
            {
                **{field: columns[field] for field in changes if field in columns},
                Interaction.updated_at: dt.datetime.now(dt.timezone.utc),
                Interaction.updated_by: actor_id,
            }
        ).where(Interaction.id == interaction_id)
        if "programmes" in changes:
            await InteractionProgramme.delete().where(InteractionProgramme.interaction == interaction_id)
            if programme_ids:
                await InteractionProgramme.insert(*(InteractionProgramme(interaction=interaction_id, programme=p)
                                                    for p in programme_ids))
        if "contacts" in changes:
            await InteractionContact.delete().where(InteractionContact.interaction == interaction_id)
            if links["contacts"]:
                await InteractionContact.insert(*(InteractionContact(interaction=interaction_id, contact=c)
                                                  for c in links["contacts"]))
        if any(field in changes for field in (*PLACE, "programmes")):
            await _recount(old, new, old_programmes, programme_ids if programme_ids is not None else old_programmes)
        await audit.record(
            action="update", entity=ENTITY, entity_id=interaction_id, actor_id=actor_id, changes=changes
        )
    return changes


async def delete_interaction(interaction_id: int, *, actor_id: int | None = None) -> None:
    """Delete an interaction: kept, with what it said, for the audit trail; shown and counted nowhere
    (timelines, search, reports, the study's tallies). If it was its department's only hold on the
    company, the holding goes."""
    async with db.write_transaction():
        old = await _live(interaction_id)
        programmes = await _programmes_of(interaction_id)
        now = dt.datetime.now(dt.timezone.utc)
        await Interaction.update({Interaction.deleted_at: now, Interaction.deleted_by: actor_id,
                                  Interaction.updated_at: now, Interaction.updated_by: actor_id}).where(
            Interaction.id == interaction_id)
        await _recount(old, None, programmes, [])
        snapshot = {field: old[field] for field in ("company", "department", "advisor", "date", "kind", "subject",
                                                    "notes", "follow_up_date", "follow_up_done", "confidential")}
        snapshot["programmes"] = programmes
        snapshot["contacts"] = await _contacts_of(interaction_id)
        await audit.record(action="delete", entity=ENTITY, entity_id=interaction_id, actor_id=actor_id,
                           changes={field: [audit.jsonable(value), None] for field, value in snapshot.items()
                                    if value not in (None, "", [], False)})
