"""Everything the record holds about one person, for a data subject's access request."""

from __future__ import annotations

from crm.services import audit
from crm.services.lookups import existing
from crm.services.reads import only_readable
from crm.services.sessions import CurrentUser
from crm.tables import (
    AuditEvent,
    CompanyContact,
    Contact,
    Interaction,
    InteractionContact,
)


async def contact_data(contact_id: int, viewer: CurrentUser) -> dict:
    """The interactions are those the viewer may read (managers and admins, who export: all)."""
    contact = await existing(Contact.select().where(Contact.id == contact_id), "Contact", contact_id)
    roles = await CompanyContact.select(
        CompanyContact.company.name, CompanyContact.company.business_id, CompanyContact.role,
        CompanyContact.start_date, CompanyContact.end_date,
    ).where(CompanyContact.contact == contact_id)
    interaction_ids = [row["interaction"] for row in await InteractionContact.select(
        InteractionContact.interaction).where(InteractionContact.contact == contact_id)]
    interactions = await only_readable(Interaction.select(
        Interaction.date, Interaction.company.name, Interaction.department.code, Interaction.kind,
        Interaction.subject, Interaction.notes, Interaction.confidential,
    ).where(Interaction.id.is_in(interaction_ids or [0])), viewer).order_by(Interaction.date)
    history = await AuditEvent.select(AuditEvent.at, AuditEvent.actor, AuditEvent.action).where(
        (AuditEvent.entity == "contact") & (AuditEvent.entity_id == contact_id)).order_by(AuditEvent.at)
    return {
        "contact": {key: audit.jsonable(value) for key, value in contact.items()},
        "roles": [{key: audit.jsonable(value) for key, value in row.items()} for row in roles],
        "interactions": [{key: audit.jsonable(value) for key, value in row.items()} for row in interactions],
        "processing_log": [{key: audit.jsonable(value) for key, value in row.items()} for row in history],
    }
