"""What the pages read: search, the company card and its cross-department timeline, a contact,
my follow-ups. Confidential interactions are masked here, on every path, by the rule in
crm.domain.access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count, Max

from crm import search
from crm.domain.access import SEES_ALL_CONFIDENTIAL, can_read_confidential
from crm.domain import register
from crm.domain.industry import tol2008_divisions
from crm.domain.ytunnus import business_id_in
from crm.services.lookups import existing
from crm.services.paging import Page, fetch_page
from crm.services.sessions import CurrentUser
from crm.tables import (
    Company,
    CompanyContact,
    CompanyProgramme,
    Contact,
    Department,
    Interaction,
    InteractionContact,
    InteractionProgramme,
    Programme,
    User,
)

PER_PAGE = 25
TOL2008_DIVISIONS = {letter: tol2008_divisions(letter) for letter in "ABCDEFGHIJKLMNOPQRSTU"}


async def search_companies(
    *,
    query: str = "",
    department_id: int | None = None,
    programme_id: int | None = None,
    section: str | None = None,
    postal_code: str | None = None,
    advisor_id: int | None = None,
    active_only: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """Companies matching every word as a prefix of a name (or the Business ID in any written form)."""
    select = Company.select(
        Company.id, Company.business_id, Company.name, Company.postal_code, Company.city, Company.status,
        Company.industry_code, Company.responsible_advisor.name,
    )
    query = (query or "").strip()[:200]
    business_id = business_id_in(query)
    if business_id:
        select = select.where(Company.business_id == business_id)
    elif clause := search.match_clause(query):
        select = select.where(WhereRaw(clause[0], *clause[1]))
    if department_id:
        select = select.where(WhereRaw("company.id IN (SELECT company FROM interaction WHERE department = {})",
                                       department_id))
    if programme_id:
        select = select.where(WhereRaw(
            "company.id IN (SELECT company FROM company_programme WHERE programme = {})", programme_id))
    if section and section in TOL2008_DIVISIONS:
        divisions = TOL2008_DIVISIONS[section]
        marks = ", ".join("{}" for _ in divisions)
        select = select.where(WhereRaw(f"substr(company.industry_code, 1, 2) IN ({marks})", *divisions))
    if postal_code:
        select = select.where(Company.postal_code == postal_code)
    if advisor_id:
        select = select.where(Company.responsible_advisor == advisor_id)
    if active_only:  # ceased companies (the register's bankrupt, liquidated and ended ones) left out
        select = select.where(Company.status == Company.Status.active)
    return await fetch_page(select.order_by(Company.name_key).order_by(Company.id), page, per_page)


async def company_card(company_id: int) -> dict:
    company = await existing(Company.select(
        *Company.all_columns(), Company.responsible_advisor.name, Company.responsible_advisor.email,
        Company.created_by.name, Company.updated_by.name,
    ).where(Company.id == company_id), "Company", company_id)
    company["programmes"] = await CompanyProgramme.select(
        CompanyProgramme.programme.id, CompanyProgramme.programme.code, CompanyProgramme.programme.name_fi,
        CompanyProgramme.programme.name_sv, CompanyProgramme.programme.name_en,
    ).where(CompanyProgramme.company == company_id).order_by(CompanyProgramme.programme.code)
    company["other_name_list"] = [name for name in (company["other_names"] or "").split("\n") if name]
    company["register"] = register.as_shown(company["register_data"])  # what the company register says
    return company


async def company_contacts(company_id: int) -> list[dict]:
    return await CompanyContact.select(
        CompanyContact.id, CompanyContact.role, CompanyContact.start_date, CompanyContact.end_date,
        CompanyContact.contact.id, CompanyContact.contact.first_name, CompanyContact.contact.last_name,
        CompanyContact.contact.email, CompanyContact.contact.phone, CompanyContact.contact.title,
        CompanyContact.contact.erased_at,
    ).where(CompanyContact.company == company_id).order_by(CompanyContact.end_date).order_by(
        CompanyContact.contact.last_name)


async def departments_served(company_id: int) -> list[dict]:
    """Which departments have served this company, how often and when last."""
    rows = await Interaction.select(
        Interaction.department.code, Interaction.department.name_fi, Interaction.department.name_sv,
        Interaction.department.name_en, Count(Interaction.id, alias="count"), Max(Interaction.date, alias="last"),
    ).where(Interaction.company == company_id).group_by(
        Interaction.department.code, Interaction.department.name_fi, Interaction.department.name_sv,
        Interaction.department.name_en,
    ).order_by(Interaction.department.code)
    for row in rows:  # SQLite hands MAX() of a date back as text
        if isinstance(row["last"], str):
            row["last"] = dt.date.fromisoformat(row["last"][:10])
    return rows


def _interaction_columns():
    return (
        Interaction.id, Interaction.date, Interaction.kind, Interaction.subject, Interaction.notes,
        Interaction.follow_up_date, Interaction.follow_up_done, Interaction.confidential,
        Interaction.department, Interaction.department.code, Interaction.advisor.name, Interaction.advisor_name,
        Interaction.company, Interaction.company.name,
    )


def _newest_first(select):
    return select.order_by(Interaction.date, ascending=False).order_by(Interaction.id, ascending=False)


def only_readable(select, user: CurrentUser):
    """Only the interactions the user may read in full (crm.domain.access): confidential ones of
    other departments are left out, not masked."""
    if user.role in SEES_ALL_CONFIDENTIAL:
        return select
    return select.where((Interaction.confidential == False)  # noqa: E712
                        | (Interaction.department == user.department_id))


def mask(rows: list[dict], user: CurrentUser) -> list[dict]:
    """Others see that a confidential interaction exists (date, department), not what it says."""
    for row in rows:
        row["hidden"] = row["confidential"] and not can_read_confidential(
            user.role, user.department_id, row["department"])
        if row["hidden"]:
            row.update(subject="", notes="", follow_up_date=None, advisor_name="", kind="")
            row["advisor.name"] = ""
    return rows


@dataclass
class TimelineFilters:
    department_id: int | None = None
    kind: str | None = None
    programme_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def apply(self, select):
        if self.department_id:
            select = select.where(Interaction.department == self.department_id)
        if self.kind:
            select = select.where(Interaction.kind == self.kind)
        if self.programme_id:
            select = select.where(WhereRaw(
                "interaction.id IN (SELECT interaction FROM interaction_programme WHERE programme = {})",
                self.programme_id))
        if self.date_from:
            select = select.where(Interaction.date >= self.date_from)
        if self.date_to:
            select = select.where(Interaction.date <= self.date_to)
        return select


async def timeline(company_id: int, user: CurrentUser, filters: TimelineFilters, page: int = 1,
                   per_page: int = PER_PAGE) -> Page:
    """Every department's interactions with the company, newest first."""
    select = filters.apply(Interaction.select(*_interaction_columns()).where(Interaction.company == company_id))
    if filters.kind or filters.programme_id:
        # filtering by what masking hides would tell it: hidden rows never match those filters
        select = only_readable(select, user)
    result = await fetch_page(_newest_first(select), page, per_page)
    await _attach_contacts_and_programmes(result.rows)
    mask(result.rows, user)
    return result


async def _attach_contacts_and_programmes(rows: list[dict]) -> None:
    ids = [row["id"] for row in rows]
    contacts: dict[int, list[dict]] = {i: [] for i in ids}
    programmes: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for link in await InteractionContact.select(
            InteractionContact.interaction, InteractionContact.contact.id, InteractionContact.contact.first_name,
            InteractionContact.contact.last_name,
        ).where(InteractionContact.interaction.is_in(ids)):
            contacts[link["interaction"]].append(link)
        for link in await InteractionProgramme.select(
            InteractionProgramme.interaction, InteractionProgramme.programme.code,
        ).where(InteractionProgramme.interaction.is_in(ids)):
            programmes[link["interaction"]].append(link["programme.code"])
    for row in rows:
        row["contacts"], row["programmes"] = contacts[row["id"]], programmes[row["id"]]


async def interaction_for_user(interaction_id: int, user: CurrentUser) -> dict:
    row = await existing(Interaction.select(*_interaction_columns(), Interaction.advisor).where(
        Interaction.id == interaction_id), "Interaction", interaction_id)
    await _attach_contacts_and_programmes([row])
    return mask([row], user)[0]


async def my_follow_ups(user: CurrentUser, limit: int = 50) -> list[dict]:
    """My open follow-ups, overdue first (earliest date first)."""
    rows = await Interaction.select(*_interaction_columns()).where(
        (Interaction.advisor == user.id) & (Interaction.follow_up_done == False)  # noqa: E712
        & Interaction.follow_up_date.is_not_null()
    ).order_by(Interaction.follow_up_date).limit(limit)
    return [row for row in mask(rows, user) if not row["hidden"]]


async def recent_in_department(user: CurrentUser, limit: int = 20) -> list[dict]:
    rows = await Interaction.select(*_interaction_columns()).where(
        Interaction.department == user.department_id
    ).order_by(Interaction.date, ascending=False).order_by(Interaction.id, ascending=False).limit(limit)
    return mask(rows, user)


async def contact_page(contact_id: int, user: CurrentUser, page: int = 1) -> dict:
    contact = await existing(Contact.select().where(Contact.id == contact_id), "Contact", contact_id)
    contact["roles"] = await CompanyContact.select(
        CompanyContact.id, CompanyContact.role, CompanyContact.start_date, CompanyContact.end_date,
        CompanyContact.company.id, CompanyContact.company.name, CompanyContact.company.business_id,
    ).where(CompanyContact.contact == contact_id).order_by(CompanyContact.start_date, ascending=False)
    # Not even masked: that the person took part in another department's confidential interaction
    # is itself what the confidentiality protects (the company timeline shows that one exists).
    select = only_readable(Interaction.select(*_interaction_columns()).where(
        WhereRaw("interaction.id IN (SELECT interaction FROM interaction_contact WHERE contact = {})", contact_id)),
        user)
    contact["interactions"] = await fetch_page(_newest_first(select), page, PER_PAGE)
    mask(contact["interactions"].rows, user)
    return contact


async def typeahead(query: str, limit: int = 8) -> list[dict]:
    return (await search_companies(query=query, per_page=limit)).rows


async def choices() -> dict[str, Any]:
    """What the filter and form selects offer."""
    advisors = await User.select(User.id, User.name, User.email, User.department.code).where(
        User.active == True).order_by(User.name)  # noqa: E712
    return {
        "departments": await Department.select().order_by(Department.code),
        "programmes": await Programme.select().order_by(Programme.code),
        "advisors": advisors,
        "advisor_options": [(row["email"], f"{row['name'] or row['email']} ({row['department.code']})")
                            for row in advisors],
        "kinds": [kind.value for kind in Interaction.Kind],
        "sections": list(TOL2008_DIVISIONS),
    }
