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
    """Candidate pairs, most likely first; `record_id`: only the pairs holding that record (for a
    company, only the companies that could share a blocking key with it are read)."""
    kind = kind_of(kind)
    async with db.engine().transaction():
        if kind == "company" and record_id is not None:
            records = await _companies_near(record_id)
        elif kind == "company":
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


COMPANY_COLUMNS = "id, name, business_id, company_form, postal_code, street, city, website"


async def _companies(where: str = "", params: list | None = None) -> list[Company]:
    rows = await db.fetch_all(f"SELECT {COMPANY_COLUMNS} FROM company" + (f" WHERE {where}" if where else ""),
                              params or [])
    phones: dict[int, set[str]] = defaultdict(set)
    emails: dict[int, set[str]] = defaultdict(set)
    contact_sql = ("SELECT company_contact.company AS company, contact.phone AS phone, contact.email AS email "
                   "FROM company_contact JOIN contact ON contact.id = company_contact.contact "
                   "WHERE contact.erased_at IS NULL")
    contacts = (await db.fetch_in(contact_sql + " AND company_contact.company IN (?)", [row["id"] for row in rows])
                if where else await db.fetch_all(contact_sql))
    for row in contacts:
        if row["phone"]:
            phones[row["company"]].add(row["phone"])
        if row["email"]:
            emails[row["company"]].add(row["email"])
    return [Company(id=row["id"], name=row["name"] or "", business_id=row["business_id"],
                    company_form=row["company_form"] or "", postal_code=row["postal_code"] or "",
                    street=row["street"] or "", city=row["city"] or "", website=row["website"] or "",
                    phones=tuple(sorted(phones.get(row["id"], ()))), emails=tuple(sorted(emails.get(row["id"], ()))))
            for row in rows]


async def _companies_near(record_id: int) -> list[Company]:
    """The company and those that could share a blocking key with it: the same name, a word's start
    in its names, its postal area, its website, a phone or e-mail domain of its contacts."""
    from crm.dedupe.blocking import prepare_company
    from crm.dedupe.merge import existing_id

    existing_id("company", record_id)
    found = await _companies("id = ?", [record_id])
    if not found:
        return []
    target = prepare_company(found[0])
    conditions, params = ["id = ?"], [record_id]
    words = sorted({word for word in target.stem.split() if len(word) >= 3}, key=lambda word: (-len(word), word))
    for word in words[:3]:
        conditions.append("search_text LIKE ?")
        params.append(f"%{word[:4]}%")
    if target.postal_code[:3]:
        conditions.append("postal_code LIKE ?")
        params.append(f"{target.postal_code[:3]}%")
    if target.domain:
        conditions.append("LOWER(website) LIKE ?")
        params.append(f"%{target.domain}%")
    shared = [("contact.phone = ?", phone) for phone in target.phones]
    shared += [("LOWER(contact.email) LIKE ?", f"%@{domain}") for domain in target.mail_domains]
    if shared:
        conditions.append("id IN (SELECT company_contact.company FROM company_contact JOIN contact ON "
                          "contact.id = company_contact.contact WHERE " + " OR ".join(sql for sql, _ in shared) + ")")
        params += [value for _, value in shared]
    return await _companies(" OR ".join(conditions), params)


async def _contacts(where: str = "", params: list | None = None) -> list[Contact]:
    rows = await db.fetch_all("SELECT id, first_name, last_name, email, phone FROM contact WHERE erased_at IS NULL"
                              + (f" AND ({where})" if where else ""), params or [])
    companies: dict[int, list[int]] = defaultdict(list)
    links = (await db.fetch_in("SELECT contact, company FROM company_contact WHERE contact IN (?)",
                               [row["id"] for row in rows]) if where
             else await db.fetch_all("SELECT contact, company FROM company_contact"))
    for row in links:
        companies[row["contact"]].append(row["company"])
    return [Contact(id=row["id"], first_name=row["first_name"] or "", last_name=row["last_name"] or "",
                    email=row["email"] or "", phone=row["phone"] or "",
                    companies=tuple(sorted(set(companies.get(row["id"], ())))))
            for row in rows]


async def pair(kind: str, first: int, second: int) -> Candidate | None:
    """Two given records scored as a pair (the page's comparison); None when they cannot be one."""
    from crm.dedupe import scoring
    from crm.dedupe.blocking import prepare_company, prepare_contact

    kind = kind_of(kind)
    async with db.engine().transaction():
        loader = _companies if kind == "company" else _contacts
        records = {record.id: record for record in await loader("id IN (?, ?)", [first, second])}
    if len(records) != 2:
        return None
    a, b = sorted(records.values(), key=lambda record: record.id)
    if kind == "company":
        scored = scoring.score_companies(prepare_company(a), prepare_company(b))
        if scored is None:
            return None
        return Candidate((a.id, b.id), (a.name, b.name), (a.business_id, b.business_id), *scored)
    score, reasons = scoring.score_contacts(prepare_contact(a), prepare_contact(b))
    names = tuple(" ".join(part for part in (c.first_name, c.last_name) if part) or c.email for c in (a, b))
    return Candidate((a.id, b.id), names, (None, None), score, reasons)


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
