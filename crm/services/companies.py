"""Companies: create and update with validation, duplicate checks and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from crm import db, search
from crm.domain.names import company_search_text, name_key
from crm.domain.postal import normalize_postal_code
from crm.domain.problems import rule_message
from crm.domain.records import clean_company, with_new_company_defaults
from crm.errors import Invalid
from crm.services import audit, holdings, tallies
from crm.services.lookups import advisor_id_by_email, department_of, existing, programme_ids_by_code
from crm.tables import Company, CompanyProgramme

ENTITY = "company"


def _audited(clean: Mapping[str, Any]) -> dict:
    """The fields a person wrote; derived matching keys stay out of the history."""
    return {field: value for field, value in clean.items() if field != "name_key"}


async def _check_unique(clean: Mapping[str, Any], company_id: int | None = None) -> None:
    if not clean.get("business_id"):
        return
    query = Company.select(Company.id, Company.name).where(Company.business_id == clean["business_id"])
    if company_id is not None:
        query = query.where(Company.id != company_id)
    other = await query.first()
    if other:
        raise Invalid(
            {"business_id": rule_message("Business ID %(value)s already belongs to %(company)s",
                                         value=clean["business_id"], company=other["name"])}
        )


async def _resolve(clean: dict[str, Any], raw: Mapping[str, Any]) -> list[int] | None:
    """Turn the advisor e-mail into a user id and programme codes into ids (or field errors)."""
    errors: dict[str, str] = {}
    if "responsible_advisor" in clean:
        email = clean.pop("responsible_advisor")
        try:
            clean["responsible_advisor"] = await advisor_id_by_email(email) if email else None
        except ValueError as error:
            errors["responsible_advisor"] = str(error)
    programme_ids = None
    if "programmes" in raw:
        try:
            programme_ids = await programme_ids_by_code(raw["programmes"])
        except ValueError as error:
            errors["programmes"] = str(error)
    if errors:
        raise Invalid(errors)
    return programme_ids


async def create_company(data: Mapping[str, Any], *, actor_id: int | None = None) -> int:
    """A company created by hand; the creator's department holds it (SPEC §9)."""
    clean, errors = clean_company(data, creating=True)
    if errors:
        raise Invalid(errors)
    clean = with_new_company_defaults(clean)
    programme_ids = await _resolve(clean, data)
    department_id = await department_of(actor_id)
    now = dt.datetime.now(dt.timezone.utc)
    async with db.write_transaction():
        await _check_unique(clean)
        row = Company(
            **clean,
            search_text=company_search_text(clean),
            created_at=now,
            updated_at=now,
            created_by=actor_id,
            updated_by=actor_id,
        )
        await db.save_new(row, Invalid({"business_id": rule_message(  # a concurrent writer may have taken it
            "Business ID %(value)s already exists", value=clean.get("business_id"))}))
        await search.index_new_companies(row.id, row.id)
        await _set_programmes(row.id, programme_ids or [])
        if department_id is not None:
            await holdings.add_created(row.id, department_id, now.date())
        await tallies.refresh_companies([row.id])
        await tallies.tag_companies((programme_id, row.id) for programme_id in sorted(set(programme_ids or [])))
        changes = audit.diff({}, {**_audited(clean), "programmes": sorted(programme_ids or [])})
        await audit.record(action="create", entity=ENTITY, entity_id=row.id, actor_id=actor_id, changes=changes)
    return row.id


async def update_company(company_id: int, data: Mapping[str, Any], *, actor_id: int | None = None) -> dict:
    """Apply the given fields; returns {field: [old, new]} of what changed (empty: nothing did)."""
    clean, errors = clean_company(data, creating=False)
    if errors:
        raise Invalid(errors)
    programme_ids = await _resolve(clean, data)
    async with db.write_transaction():
        old = await existing(Company.select().where(Company.id == company_id), "Company", company_id)
        await _check_unique(clean, company_id)
        changes = audit.diff(old, _audited(clean))
        if programme_ids is not None:
            old_programmes = await _programme_ids(company_id)
            if sorted(programme_ids) != old_programmes:
                changes["programmes"] = [old_programmes, sorted(programme_ids)]
                await _set_programmes(company_id, programme_ids)
                await tallies.tag_companies([(p, company_id) for p in set(old_programmes) - set(programme_ids)], -1)
                await tallies.tag_companies([(p, company_id) for p in set(programme_ids) - set(old_programmes)])
        if not changes:
            return {}
        values = {field: clean[field] for field in changes if field in clean}
        if "name" in values:
            values["name_key"] = clean["name_key"]
        merged = {**old, **values}
        await Company.update(
            {
                **values,
                Company.search_text: company_search_text(merged),
                Company.updated_at: dt.datetime.now(dt.timezone.utc),
                Company.updated_by: actor_id,
            }
        ).where(Company.id == company_id)
        await tallies.refresh_companies([company_id])
        await audit.record(action="update", entity=ENTITY, entity_id=company_id, actor_id=actor_id, changes=changes)
    return changes


async def get_company(company_id: int) -> dict:
    row = await existing(Company.select().where(Company.id == company_id), "Company", company_id)
    return row


async def _programme_ids(company_id: int) -> list[int]:
    rows = await CompanyProgramme.select(CompanyProgramme.programme).where(
        CompanyProgramme.company == company_id
    )
    return sorted(row["programme"] for row in rows)


async def _set_programmes(company_id: int, programme_ids: list[int]) -> None:
    await CompanyProgramme.delete().where(CompanyProgramme.company == company_id)
    if programme_ids:
        await CompanyProgramme.insert(
            *(CompanyProgramme(company=company_id, programme=pid) for pid in sorted(set(programme_ids)))
        )


async def similar_companies(data: Mapping[str, Any]) -> list[dict]:
    """Companies a new one might duplicate: the same normalised name (and postal code, when given)."""
    key = name_key(str(data.get("name") or ""))
    if not key:
        return []
    query = Company.select(Company.id, Company.name, Company.business_id, Company.postal_code, Company.city).where(
        Company.name_key == key)
    postal = str(data.get("postal_code") or "").strip()
    if postal:
        try:
            query = query.where(Company.postal_code == (normalize_postal_code(postal, "FI") or ""))
        except ValueError:
            pass
    return await query.limit(5)
