"""Everything the record holds about one person, for a data subject's access request."""

from __future__ import annotations

from crm.services import audit
from crm.services.lookups import existing
from crm.tables import (
    AuditEvent,
    CompanyContact,
    Contact,
    Interaction,
    InteractionContact,
)


async def contact_data(contact_id: int) -> dict:
    contact = await existing(Contact.select().where(Contact.id == contact_id), "Contact", contact_id)
    roles = await CompanyContact.select(
        CompanyContact.company.name, CompanyContact.company.business_id, CompanyContact.role,
        CompanyContact.start_date, CompanyContact.end_date,
    ).where(CompanyContact.contact == contact_id)
    interaction_ids = [row["interaction"] for row in await InteractionContact.select(
        InteractionContact.interaction).where(InteractionContact.contact == contact_id)]
    interactions = await Interaction.select(
        Interaction.date, Interaction.company.name, Interaction.department.code, Interaction.kind,
        Interaction.subject, Interaction.notes, Interaction.confidential,
    ).where(Interaction.id.is_in(interaction_ids or [0])).order_by(Interaction.date)
    history = await AuditEvent.select(AuditEvent.at, AuditEvent.actor, AuditEvent.action).where(
        (AuditEvent.entity == "contact") & (AuditEvent.entity_id == contact_id)).order_by(AuditEvent.at)
    return {
        "contact": {key: audit.jsonable(value) for key, value in contact.items()},
        "roles": [{key: audit.jsonable(value) for key, value in row.items()} for row in roles],
        "interactions": [{key: audit.jsonable(value) for key, value in row.items()} for row in interactions],
        "processing_log": [{key: audit.jsonable(value) for key, value in row.items()} for row in history],
    }
