"""Candidates from the database: every company (or contact) read once, the finder run in a worker
thread, and pairs a person marked "not the same" left out."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict

from crm import db
from crm.dedupe.blocking import Company, Contact
from crm.dedupe.candidates import Candidate, company_candidates, contact_candidates
from crm.domain.problems import rule_message
from crm.errors import Invalid, NotFound
from crm.tables import NotDuplicate

KINDS = {"companies": "company", "contacts": "contact", "company": "company", "contact": "contact"}


def kind_of(kind: str) -> str:
    """'companies' or 'contacts' (or the singular) -> 'company' / 'contact'."""
    try:
        return KINDS[kind]
    except KeyError:
        raise Invalid({"kind": rule_message("kind must be companies or contacts")}) from None


async def find(kind: str = "companies", *, record_id: int | None = None) -> list[Candidate]:
    """Candidate pairs, most likely first; `record_id`: only the pairs holding that record."""
    kind = kind_of(kind)
    async with db.engine().transaction():
        if kind == "company":
            records = await _companies()
        else:
            records = await _contacts()
        dismissed = {(row["first"], row["second"]) for row in await db.fetch_all(
            "SELECT first, second FROM not_duplicate WHERE kind = ?", [kind])}
    if record_id is not None and not any(record.id == record_id for record in records):
        raise NotFound(f"{kind.capitalize()} #{record_id} does not exist")
    finder = company_candidates if kind == "company" else contact_candidates
    candidates = await asyncio.to_thread(finder, records)
    return [candidate for candidate in candidates if candidate.ids not in dismissed
            and (record_id is None or record_id in candidate.ids)]


async def _companies() -> list[Company]:
    phones: dict[int, set[str]] = defaultdict(set)
    emails: dict[int, set[str]] = defaultdict(set)
    for row in await db.fetch_all(
            "SELECT company_contact.company AS company, contact.phone AS phone, contact.email AS email "
            "FROM company_contact JOIN contact ON contact.id = company_contact.contact "
            "WHERE contact.erased_at IS NULL"):
        if row["phone"]:
            phones[row["company"]].add(row["phone"])
        if row["email"]:
            emails[row["company"]].add(row["email"])
    return [Company(id=row["id"], name=row["name"] or "", business_id=row["business_id"],
                    company_form=row["company_form"] or "", postal_code=row["postal_code"] or "",
                    street=row["street"] or "", city=row["city"] or "", website=row["website"] or "",
                    phones=tuple(sorted(phones.get(row["id"], ()))), emails=tuple(sorted(emails.get(row["id"], ()))))
            for row in await db.fetch_all(
                "SELECT id, name, business_id, company_form, postal_code, street, city, website FROM company")]


async def _contacts() -> list[Contact]:
    companies: dict[int, list[int]] = defaultdict(list)
    for row in await db.fetch_all("SELECT contact, company FROM company_contact"):
        companies[row["contact"]].append(row["company"])
    return [Contact(id=row["id"], first_name=row["first_name"] or "", last_name=row["last_name"] or "",
                    email=row["email"] or "", phone=row["phone"] or "",
                    companies=tuple(sorted(set(companies.get(row["id"], ())))))
            for row in await db.fetch_all(
                "SELECT id, first_name, last_name, email, phone FROM contact WHERE erased_at IS NULL")]


async def mark_not_same(kind: str, first: int, second: int, *, actor_id: int | None = None) -> bool:
    """Remember that two records are not one; False when the pair was marked already."""
    from crm.services import audit

    kind = kind_of(kind)
    from crm.dedupe.merge import existing_id

    first, second = sorted((existing_id(kind, int(first)), existing_id(kind, int(second))))
    if first == second:
        raise Invalid({"ids": rule_message("a record is always the same as itself")})
    async with db.write_transaction():
        exists = await NotDuplicate.exists().where((NotDuplicate.kind == kind) & (NotDuplicate.first == first)
                                                   & (NotDuplicate.second == second))
        if exists:
            return False
        await NotDuplicate.insert(NotDuplicate(kind=kind, first=first, second=second, user=actor_id,
                                               at=dt.datetime.now(dt.timezone.utc)))
        await audit.record(action="not_duplicate", entity=kind, entity_id=first, actor_id=actor_id,
                           changes={"not_the_same_as": [None, second]})
    return True


async def side_by_side(kind: str, first: int, second: int) -> dict:
    """Two records as the duplicates page shows them: their fields, the departments holding each
    (companies) or the companies each works at (contacts), and how many interactions each has."""
    from crm.dedupe.merge import existing_id, fields_of, version
    from crm.services.lookups import existing
    from crm.tables import Company as CompanyTable, Contact as ContactTable

    kind = kind_of(kind)
    records = []
    for record_id in (first, second):
        existing_id(kind, record_id)
        if kind == "company":
            row = await existing(CompanyTable.select(*CompanyTable.all_columns(),
                                                     CompanyTable.responsible_advisor.email.as_alias("advisor_email"))
                                 .where(CompanyTable.id == record_id), "Company", record_id)
            async with db.engine().transaction():
                held = [item["code"] for item in await db.fetch_all(
                    "SELECT DISTINCT department.code AS code FROM company_source "
                    "JOIN department ON department.id = company_source.department "
                    "WHERE company_source.company = ? ORDER BY department.code", [record_id])]
                interactions = await db.fetch_value("SELECT COUNT(*) FROM interaction WHERE company = ?", [record_id])
            row["responsible_advisor"] = row.pop("advisor_email") or ""
        else:
            row = await existing(ContactTable.select().where(ContactTable.id == record_id), "Contact", record_id)
            async with db.engine().transaction():
                held = [item["name"] for item in await db.fetch_all(
                    "SELECT DISTINCT company.name AS name FROM company_contact JOIN company "
                    "ON company.id = company_contact.company WHERE company_contact.contact = ? ORDER BY company.name",
                    [record_id])]
                interactions = await db.fetch_value(
                    "SELECT COUNT(*) FROM interaction_contact WHERE contact = ?", [record_id])
        records.append({"id": record_id, "row": row, "held": held, "interactions": int(interactions or 0),
                        "version": version(row)})
    return {"kind": kind, "records": records, "fields": fields_of(kind)}
