"""Contacts (people) and their dated roles at companies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping, Sequence

from piccolo.columns.combination import WhereRaw

from crm import db
from crm.domain import erasure, reasons
from crm.domain.dates import parse_date
from crm.domain.names import name_key, person_key
from crm.domain.problems import Problem, rule_message
from crm.domain.records import clean_contact, text
from crm.domain.ytunnus import business_id_in
from crm.errors import Invalid, NotFound
from crm.services import audit
from crm.services.lookups import existing
from crm.domain.erasure import ERASED, PERSONAL_FIELDS
from crm.tables import (
    AuditEvent,
    Company,
    CompanyContact,
    Contact,
    ImportBatch,
    ImportChange,
    ImportRowError,
    ImportUpload,
    InteractionContact,
    Merge,
)

ENTITY = "contact"


def _clean_roles(roles: Sequence[Mapping[str, Any]]) -> tuple[list[dict], dict[str, str]]:
    """Each role: company_id, role, start_date, end_date. Errors name the role's position."""
    clean, errors = [], {}
    for number, role in enumerate(roles, start=1):
        try:
            start, end = parse_date(role.get("start_date")), parse_date(role.get("end_date"))
            if start and end and end < start:
                raise Problem("the role ends before it starts")
            clean.append(
                {
                    "company": int(role["company_id"]),
                    "role": text(role.get("role"), 200),
                    "start_date": start,
                    "end_date": end,
                }
            )
        except (ValueError, KeyError, TypeError) as error:
            errors[f"roles.{number}"] = rule_message("Role %(number)s: %(problem)s", number=number, problem=str(error))
    return clean, errors


async def _check_unique_email(email: str | None, contact_id: int | None = None) -> None:
    if not email:
        return
    query = Contact.select(Contact.id).where(Contact.email == email)
    if contact_id is not None:
        query = query.where(Contact.id != contact_id)
    if await query.first():
        raise Invalid({"email": rule_message("Another contact already has the e-mail address %(value)s", value=email)})


async def create_contact(
    data: Mapping[str, Any],
    *,
    roles: Sequence[Mapping[str, Any]] = (),
    actor_id: int | None = None,
) -> int:
    clean, errors = clean_contact(data, creating=True)
    clean_roles, role_errors = _clean_roles(roles)
    if errors or role_errors:
        raise Invalid({**errors, **role_errors})
    now = dt.datetime.now(dt.timezone.utc)
    async with db.write_transaction():
        await _check_unique_email(clean.get("email"))
        await _check_companies([role["company"] for role in clean_roles])
        row = Contact(
            **clean,
            person_key=person_key(clean.get("first_name"), clean.get("last_name")) or "",
            created_at=now,
            updated_at=now,
            created_by=actor_id,
            updated_by=actor_id,
        )
        await row.save()
        if clean_roles:
            await CompanyContact.insert(*(CompanyContact(contact=row.id, **role) for role in clean_roles))
        changes = audit.diff({}, {**clean, "roles": [_describe(role) for role in clean_roles]})
        await audit.record(action="create", entity=ENTITY, entity_id=row.id, actor_id=actor_id, changes=changes)
    return row.id


async def update_contact(contact_id: int, data: Mapping[str, Any], *, actor_id: int | None = None) -> dict:
    clean, errors = clean_contact(data, creating=False)
    if errors:
        raise Invalid(errors)
    async with db.write_transaction():
        old = await existing(Contact.select().where(Contact.id == contact_id), "Contact", contact_id)
        await _check_unique_email(clean.get("email"), contact_id)
        changes = audit.diff(old, clean)
        if not changes:
            return {}
        values = {field: clean[field] for field in changes}
        merged = {**old, **values}
        await Contact.update(
            {
                **values,
                Contact.person_key: person_key(merged["first_name"], merged["last_name"]) or "",
                Contact.updated_at: dt.datetime.now(dt.timezone.utc),
                Contact.updated_by: actor_id,
            }
        ).where(Contact.id == contact_id)
        await audit.record(action="update", entity=ENTITY, entity_id=contact_id, actor_id=actor_id, changes=changes)
    return changes


async def add_role(contact_id: int, role: Mapping[str, Any], *, actor_id: int | None = None) -> int:
    clean_roles, errors = _clean_roles([role])
    if errors:
        raise Invalid(errors)
    clean = clean_roles[0]
    async with db.write_transaction():
        if not await Contact.exists().where(Contact.id == contact_id):
            raise NotFound(f"Contact #{contact_id} does not exist")
        await _check_companies([clean["company"]])
        row = CompanyContact(contact=contact_id, **clean)
        await row.save()
        await audit.record(
            action="add_role",
            entity=ENTITY,
            entity_id=contact_id,
            actor_id=actor_id,
            changes={"roles": [None, _describe(clean)]},
        )
    return row.id


async def _check_companies(company_ids: Sequence[int]) -> None:
    if not company_ids:
        return
    rows = await Company.select(Company.id).where(Company.id.is_in(list(company_ids)))
    missing = sorted(set(company_ids) - {row["id"] for row in rows})
    if missing:
        raise Invalid({"roles": rule_message("Company #%(id)s does not exist", id=missing[0])})


def _describe(role: Mapping[str, Any]) -> dict:
    return {key: audit.jsonable(value) for key, value in role.items()}


async def erase_contact(contact_id: int, *, upload_dir: Path, actor_id: int | None = None) -> None:
    """GDPR erasure: blank the personal fields, keep the interactions and their history, and reach
    every copy of the person the record keeps elsewhere: the record's history (audit events, an
    import's prior values), the rows of imported files that were not stored (row errors, and with
    them the error files), and the stored upload files that name them (deleted, and with them the
    previews that would re-read them). The erasure is audited by field name only, so the event
    itself holds no personal data."""
    async with db.write_transaction():
        old = await existing(Contact.select().where(Contact.id == contact_id), "Contact", contact_id)
        if old["erased_at"] is not None:
            return
        merged = await _merged_into(contact_id)  # records of the same person merged into this one
        versions = [version for person_id in (contact_id, *merged) for version in await _earlier_versions(person_id)]
        merges = await _merges_of([contact_id, *merged])
        versions += [row["merged_values"] or {} for row in merges] + [row["kept_before"] or {} for row in merges]
        who = erasure.person([old, *versions])
        now = dt.datetime.now(dt.timezone.utc)
        await Contact.update({
            Contact.first_name: "", Contact.last_name: "", Contact.email: None, Contact.phone: "",
            Contact.title: "", Contact.person_key: "", Contact.erased_at: now, Contact.updated_at: now,
            Contact.updated_by: actor_id,
        }).where(Contact.id == contact_id)
        for person_id in (contact_id, *merged):
            await _scrub_history(person_id)
        await _scrub_merges(merges)
        await _scrub_import_rows(who)
        await audit.record(action="erase", entity=ENTITY, entity_id=contact_id, actor_id=actor_id,
                           changes={field: [ERASED, None] for field in PERSONAL_FIELDS if old[field]})
    from crm.importing.uploads import remove_files_naming  # importing builds on services, not the reverse

    await remove_files_naming(who, upload_dir)


async def _earlier_versions(contact_id: int) -> list[dict]:
    """The person's values as the record's history remembers them (their old e-mail too)."""
    versions = []
    events = await AuditEvent.select(AuditEvent.changes).where(
        (AuditEvent.entity == ENTITY) & (AuditEvent.entity_id == contact_id)).output(load_json=True)
    for event in events:
        changes = event["changes"] or {}
        for position in (0, 1):
            versions.append({field: value[position] for field, value in changes.items()
                             if field in PERSONAL_FIELDS and isinstance(value, list) and len(value) == 2})
    changes = await ImportChange.select(ImportChange.old_values).where(
        (ImportChange.entity == ENTITY) & (ImportChange.entity_id == contact_id)).output(load_json=True)
    versions += [change["old_values"] or {} for change in changes]
    return versions


async def _merged_into(contact_id: int) -> list[int]:
    """Contacts merged into this one (and into those, and so on) and not unmerged."""
    found: list[int] = []
    todo = [contact_id]
    while todo:
        rows = await Merge.select(Merge.merged).where(
            (Merge.kind == "contact") & Merge.kept.is_in(todo) & Merge.undone_at.is_null())
        todo = [row["merged"] for row in rows if row["merged"] not in found and row["merged"] != contact_id]
        found += todo
    return found


async def _merges_of(contact_ids: list[int]) -> list[dict]:
    return await Merge.select(Merge.id, Merge.merged_values, Merge.kept_before, Merge.moved).where(
        (Merge.kind == "contact") & (Merge.kept.is_in(contact_ids) | Merge.merged.is_in(contact_ids))
    ).output(load_json=True)


async def _scrub_merges(merges: list[dict]) -> None:
    """Merges of the person keep which records were merged, not the person's values; they can no
    longer be undone (unmerge refuses an erased contact)."""
    for row in merges:
        moved = dict(row["moved"] or {})
        moved["_kept_after"] = _erased(moved.get("_kept_after") or {})
        await Merge.update({Merge.merged_values: _erased(row["merged_values"] or {}),
                            Merge.kept_before: _erased(row["kept_before"] or {}), Merge.moved: moved}).where(
            Merge.id == row["id"])


def _erased(values: dict) -> dict:
    # columns the database computes from the personal ones (a merge keeps the whole row): name_order, the
    # names as the database sorts them; phone_forms (SQLite) and search_vector (PostgreSQL), what search finds
    personal = (*PERSONAL_FIELDS, "person_key", "name_order", "phone_forms", "search_vector")
    return {field: ERASED if field in personal and value not in (None, "") else value
            for field, value in values.items()}


async def _scrub_history(contact_id: int) -> None:
    """The record's history keeps who did what and when, not the person's data: earlier audit events
    and import prior values lose their personal fields' values."""

    def scrub(values: dict) -> dict:
        return {field: ([ERASED if item not in (None, "") else item for item in value]
                        if isinstance(value, list) else ERASED if value not in (None, "") else value)
                if field in PERSONAL_FIELDS else value for field, value in values.items()}

    events = await AuditEvent.select(AuditEvent.id, AuditEvent.changes).where(
        (AuditEvent.entity == ENTITY) & (AuditEvent.entity_id == contact_id)).output(load_json=True)
    for event in events:
        await AuditEvent.update({AuditEvent.changes: scrub(event["changes"] or {})}).where(
            AuditEvent.id == event["id"])
    changes = await ImportChange.select(ImportChange.id, ImportChange.old_values).where(
        (ImportChange.entity == ENTITY) & (ImportChange.entity_id == contact_id)).output(load_json=True)
    for change in changes:
        await ImportChange.update({ImportChange.old_values: scrub(change["old_values"] or {})}).where(
            ImportChange.id == change["id"])


SCRUB_PAGE = 1_000


async def _scrub_import_rows(who: erasure.Person) -> None:
    """Rows of imported files that hold the person (row errors: the error files are made from them),
    and batch and upload messages that quote them. The database preselects rows holding one of the
    person's search terms; the rules in crm.domain.erasure decide."""
    terms = sorted({variant for term in who.search_terms()
                    for variant in (term, term.lower(), term.upper(), term.title())})
    if not terms:
        return
    holds = " OR ".join(["CAST(cells AS TEXT) LIKE {}", "reason LIKE {}"] * len(terms))
    patterns = [f"%{term}%" for term in terms for _ in (0, 1)]
    after = 0
    while True:
        rows = await ImportRowError.select(ImportRowError.id, ImportRowError.reason, ImportRowError.cells).where(
            (ImportRowError.id > after) & WhereRaw(f"({holds})", *patterns)
        ).order_by(ImportRowError.id).limit(SCRUB_PAGE).output(load_json=True)
        if not rows:
            break
        after = rows[-1]["id"]
        for row in rows:
            cells = row["cells"] or []
            if erasure.holds_person(cells, who) or erasure.mentions_person(reasons.read(row["reason"]), who):
                await ImportRowError.update({
                    ImportRowError.cells: erasure.scrub_cells(cells, who),
                    ImportRowError.reason: reasons.scrub(row["reason"], lambda text: erasure.scrub_text(text, who)),
                }).where(ImportRowError.id == row["id"])
    for table in (ImportBatch, ImportUpload):
        for row in await table.select(table.id, table.message).where(table.message != ""):
            if erasure.mentions_person(row["message"], who):
                await table.update({table.message: erasure.scrub_text(row["message"], who)}).where(
                    table.id == row["id"])


async def retention_candidates(years: int, *, today: dt.date | None = None) -> list[dict]:
    """Contacts not erased, created before the cut-off, with no interaction since it."""
    cutoff = (today or dt.date.today()) - dt.timedelta(days=round(365.25 * years))
    recent = InteractionContact.select(InteractionContact.contact).where(
        (InteractionContact.interaction.date >= cutoff) & InteractionContact.interaction.deleted_at.is_null())
    active = {row["contact"] for row in await recent}
    rows = await Contact.select(Contact.id, Contact.first_name, Contact.last_name, Contact.created_at).where(
        Contact.erased_at.is_null()
        & (Contact.created_at < dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.timezone.utc))
    ).order_by(Contact.id)
    return [row for row in rows if row["id"] not in active]


async def end_role(contact_id: int, role_id: int, *, end_date: dt.date | None = None,
                   actor_id: int | None = None) -> None:
    """The person no longer holds this role (from today, unless told)."""
    end_date = end_date or dt.date.today()
    async with db.write_transaction():
        role = await existing(CompanyContact.select().where(
            (CompanyContact.id == role_id) & (CompanyContact.contact == contact_id)), "Role", role_id)
        if role["end_date"] is not None:
            return  # it has ended already; its date stays
        if role["start_date"] and end_date < role["start_date"]:
            raise Invalid({"end_date": rule_message("The role ends before it starts")})
        await CompanyContact.update({CompanyContact.end_date: end_date}).where(CompanyContact.id == role_id)
        await audit.record(action="end_role", entity=ENTITY, entity_id=contact_id, actor_id=actor_id,
                           changes={"roles": [_describe(role), _describe({**role, "end_date": end_date})]})


async def company_by_reference(reference: str) -> int:
    """A company by its Business ID in any written form, or by a name only one company has."""
    reference = text(reference, 300)
    business_id = business_id_in(reference)
    if business_id:
        row = await Company.select(Company.id).where(Company.business_id == business_id).first()
        if row:
            return row["id"]
    key = name_key(reference)
    rows = await Company.select(Company.id).where(Company.name_key == key).limit(2) if key else []
    if len(rows) == 1:
        return rows[0]["id"]
    if len(rows) > 1:
        raise Invalid({"company": rule_message("Several companies are called '%(value)s': give the Business ID",
                                               value=reference)})
    raise Invalid({"company": rule_message("No company '%(value)s' is in the record", value=reference)})
