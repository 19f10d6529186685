"""What the pages read: search, the company card and its cross-department timeline, a contact,
my follow-ups. Confidential interactions are masked here, on every path, by the rule in
crm.domain.access."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from dataclasses import dataclass
from typing import Any, Callable

from piccolo.columns.combination import WhereRaw
from piccolo.query import OrderByRaw
from piccolo.querystring import QueryString

from crm import search
from crm.db import is_sqlite
from crm.domain.access import SEES_ALL_CONFIDENTIAL, can_change_interaction, can_read_confidential
from crm.domain import register
from crm.domain.industry import tol2008_divisions
from crm.domain.sorting import COMPANY_SORTS, CONTACT_SORTS, Sort, parse_sort
from crm.domain.ytunnus import business_id_in
from crm.errors import Forbidden
from crm.services.lookups import existing
from crm.services.paging import Page, fetch_page
from crm.services.sessions import CurrentUser
from crm.tables import (
    Company,
    CompanyContact,
    CompanyProgramme,
    CompanySource,
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
# The orders the lists offer, each served by an index (so a page of a million companies stays fast):
# company.name_order and contact.name_order are Finnish and Swedish order (Å Ä Ö after Z), computed
# by the database (migrations 2026-12-02T02:00 and T09:20); the id breaks ties.
COMPANY_ORDERS = {
    "name": ("company.name_order", "company.id"),  # index company_name_order
    "postal_code": ("company.postal_code", "company.name_order", "company.id"),  # company_postal_code_order
}
CONTACT_ORDERS = {"name": ("contact.name_order", "contact.id")}  # index contact_name_order
assert set(COMPANY_ORDERS) == set(COMPANY_SORTS) and set(CONTACT_ORDERS) == set(CONTACT_SORTS)
# a person's current roles before the ended ones (NULL sorts first on SQLite but last on PostgreSQL)
CURRENT_FIRST = OrderByRaw("company_contact.end_date IS NOT NULL")


def _ordered(select: Any, orders: dict[str, tuple[str, ...]], sort: Sort) -> Any:
    for expression in orders[sort.column]:  # every column one way: the index is read forwards or backwards
        select = select.order_by(OrderByRaw(expression), ascending=not sort.descending)
    return select


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
    count: bool = False,
    sort: Sort | str = "name",
) -> Page:
    """Companies matching every word as a prefix of a name (or the Business ID in any written form),
    in the order asked for (COMPANY_ORDERS; an unknown one is name order)."""
    query = (query or "").strip()[:200]
    business_id = business_id_in(query)
    wheres: list[Any] = []
    if department_id:
        wheres.append(WhereRaw(
            "company.id IN (SELECT company FROM interaction WHERE department = {} AND deleted_at IS NULL)",
            department_id))
    if programme_id:
        wheres.append(WhereRaw(
            "company.id IN (SELECT company FROM company_programme WHERE programme = {})", programme_id))
    if section and section in TOL2008_DIVISIONS:
        divisions = TOL2008_DIVISIONS[section]
        marks = ", ".join("{}" for _ in divisions)
        wheres.append(WhereRaw(f"substr(company.industry_code, 1, 2) IN ({marks})", *divisions))
    if postal_code:
        wheres.append(Company.postal_code == postal_code)
    if advisor_id:
        wheres.append(Company.responsible_advisor == advisor_id)
    if active_only:  # ceased companies (the register's bankrupt, liquidated and ended ones) left out
        wheres.append(Company.status == Company.Status.active)
    paged = counted = wheres
    presort, known = False, None
    if business_id and await Company.exists().where(Company.business_id == business_id):
        paged = counted = [*wheres, Company.business_id == business_id]
    elif matching := await _company_matching(query, business_id):
        paged, counted = [*wheres, matching[0]], [*wheres, matching[1]]
        presort, known = matching[2], None if wheres else matching[3]
    sort = sort if isinstance(sort, Sort) else parse_sort(sort, COMPANY_SORTS)
    page = max(page, 1)
    if presort:  # the page's ids first, sorted in company_id_orders; then their rows
        paged = [Company.id.is_in(ids) if (ids := await _presorted_ids(paged, sort, page, per_page))
                 else WhereRaw("1 = 0")]
    select = Company.select(
        Company.id, Company.business_id, Company.name, Company.postal_code, Company.city, Company.status,
        Company.industry_code, Company.responsible_advisor.name,
    )
    if paged:
        select = select.where(*paged)
    if count and known is not None:
        count = known
    elif count and counted:
        count = Company.select(Company.id).where(*counted)
    result = await fetch_page(_ordered(select, COMPANY_ORDERS, sort), 1 if presort else page, per_page, count=count)
    result.page = page
    return result


async def _presorted_ids(wheres: list[Any], sort: Sort, page: int, per_page: int) -> list[int]:
    """The ids of a page of thousands of matching companies (and one more), the matches sorted
    first and their rows read after. SQLite sorts them in the index of ids and sort columns
    (company_id_orders, migration 2026-12-03T20:40) instead of visiting each matching row;
    PostgreSQL reads the matches through the GIN index (MATERIALIZED), where it would walk the
    name index testing every row, far when the matches cluster in one letter (names that begin
    with the word)."""
    direction = "DESC" if sort.descending else "ASC"
    columns = COMPANY_ORDERS[sort.column]
    limits = f"LIMIT {int(per_page) + 1} OFFSET {(page - 1) * int(per_page)}"
    where = functools.reduce(operator.and_, wheres)
    if is_sqlite():
        order = ", ".join(f"{column} {direction}" for column in columns)
        sql = f"SELECT company.id AS id FROM company INDEXED BY company_id_orders WHERE {{}} ORDER BY {order} {limits}"
    else:
        named = ", ".join(f"{column} AS {column.split('.')[1]}" for column in columns if column != "company.id")
        order = ", ".join(f"{column.split('.')[1]} {direction}" for column in columns)
        sql = (f"WITH matching AS MATERIALIZED (SELECT company.id AS id, {named} FROM company WHERE {{}}) "
               f"SELECT id FROM matching ORDER BY {order} {limits}")
    rows = await Company._meta.db.run_querystring(QueryString(sql, where.querystring))
    return [row["id"] for row in rows]


_ID_PREFIX = re.compile(r"\d{3,7}(-\d?)?")
# A search matching at most FEW_MATCHES companies names them by id and sorts them; on SQLite up to
# MANY_MATCHES are sorted from a narrow index; past that (a word in a good part of all names) the
# page walks the order's index, where matches are soon found.
FEW_MATCHES = 1_000
MANY_MATCHES = 100_000


def _text_match(query: str, business_id: str | None, *, walk: bool) -> WhereRaw | None:
    """Every word a prefix of a name; for what looks like a Business ID that is none of ours
    ('3159033' for 3159033-0), a prefix of an ID too."""
    clause = search.match_clause(query, walk=walk)
    text = WhereRaw(clause[0], *clause[1]) if clause else None
    if business_id or _ID_PREFIX.fullmatch(query):
        by_id = _business_id_prefix(query.replace(" ", ""))
        return by_id | text if text else by_id
    return text


async def _company_matching(query: str, business_id: str | None) -> tuple[Any, Any, bool, int | None] | None:
    """The WHERE that pages a company search, the one that counts it, whether the page's ids are
    sorted from the narrow index first (`_presorted_ids`), and the count when the full-text index
    alone gave it; None for no query. A query of words is first counted (search.count_matches:
    milliseconds), which chooses the way; else as `_matching`, thousands presorted."""
    if not (business_id or _ID_PREFIX.fullmatch(query)) and search.words(query):
        matches = await search.count_matches(query, MANY_MATCHES + 1)
        if matches > MANY_MATCHES:
            return _text_match(query, None, walk=True), _text_match(query, None, walk=False), False, None
        if matches > FEW_MATCHES:
            text = _text_match(query, None, walk=False)
            return text, text, True, matches if is_sqlite() else None  # PostgreSQL's is an estimate
    matching = await _matching(Company, lambda walk: _text_match(query, business_id, walk=walk))
    if matching is None:
        return None
    return (*matching, matching[0] is not matching[1], None)


async def _matching(table: Any, match: Callable[[bool], WhereRaw | None]) -> tuple[Any, Any] | None:
    """What a search matches, as the WHERE that pages it fastest and the one that counts it fastest
    (None for no query). Up to FEW_MATCHES rows: both name them by id, read from the full-text
    index, and the page sorts those few. Past it the page walks the order's index testing each row
    (`match(walk=True)`: a common word's first rows in order soon make a page, where sorting every
    match would read them all) and the count reads the index."""
    text = match(False)
    if text is None:
        return None
    found = await table.select(table.id).where(text).limit(FEW_MATCHES + 1)
    if len(found) > FEW_MATCHES:
        return match(True), text
    named = table.id.is_in([row["id"] for row in found]) if found else WhereRaw("1 = 0")
    return named, named


def _business_id_prefix(prefix: str) -> WhereRaw:
    """Business IDs starting with `prefix` (digits, maybe a hyphen and a digit): a range over the
    digits before the hyphen, which the Business ID's index serves (a LIKE alone scans every
    company), narrowed by the LIKE."""
    digits = prefix.split("-")[0]
    kept = digits.rstrip("9")  # the next prefix of as many digits or fewer: '4711' -> '4712', '4799' -> '48'
    if not kept:  # '999': nothing comes after
        return WhereRaw("(company.business_id >= {} AND company.business_id LIKE {})", digits, prefix + "%")
    after = kept[:-1] + str(int(kept[-1]) + 1)  # digits only: every collation orders them alike
    return WhereRaw("(company.business_id >= {} AND company.business_id < {} AND company.business_id LIKE {})",
                    digits, after, prefix + "%")


def _contact_match(query: str, *, walk: bool = False) -> tuple[str, list[str]] | None:
    """Contacts by name (every word a prefix of a word of the name, diacritics ignored), e-mail
    (every word a prefix of a word of it, split at punctuation) or phone (digits as the start of the
    number in national or international form, or of its last seven digits): the full-text index of
    crm/search.py."""
    query = "".join(char for char in query if char.isprintable()).strip()[:200]  # no NUL reaches PostgreSQL
    return search.contact_match_clause(query, walk=walk)


def _contact_where(query: str, walk: bool) -> WhereRaw | None:
    match = _contact_match(query, walk=walk)
    return WhereRaw(match[0], *match[1]) if match else None


async def search_contacts(*, query: str = "", page: int = 1, per_page: int = PER_PAGE,
                          sort: Sort | str = "name") -> Page:
    """People, by name, e-mail or phone, with the companies they are (or were) at; in Finnish and
    Swedish order of last name, first name (or its reverse)."""
    select = Contact.select(Contact.id, Contact.first_name, Contact.last_name, Contact.email, Contact.phone,
                            Contact.title).where(Contact.erased_at.is_null())
    counted: Any = True
    if matching := await _matching(Contact, lambda walk: _contact_where(query, walk)):
        select = select.where(matching[0])
        counted = Contact.select(Contact.id).where(Contact.erased_at.is_null(), matching[1])
    sort = sort if isinstance(sort, Sort) else parse_sort(sort, CONTACT_SORTS)
    result = await fetch_page(_ordered(select, CONTACT_ORDERS, sort), page, per_page, count=counted)
    ids = [row["id"] for row in result.rows]
    companies: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        for link in await CompanyContact.select(
            CompanyContact.contact, CompanyContact.role, CompanyContact.end_date, CompanyContact.company.id,
            CompanyContact.company.name,
        ).where(CompanyContact.contact.is_in(ids)).order_by(CURRENT_FIRST).order_by(
                CompanyContact.end_date, ascending=False).order_by(OrderByRaw('"company_contact$company".name_order')):
            companies[link["contact"]].append(link)
    for row in result.rows:
        row["companies"] = companies[row["id"]]
    return result


async def companies_by_contact(query: str, *, leave_out: Any = (), limit: int = 10) -> list[dict]:
    """Companies whose contact people match the query (a secondary hit of the company search): the
    company and who matched."""
    match = _contact_match(query)
    if not match or business_id_in(query):
        return []
    people = WhereRaw(f"company_contact.contact IN (SELECT contact.id FROM contact WHERE contact.erased_at IS NULL "
                      f"AND {match[0]})", *match[1])
    found_people = await Contact.select(Contact.id).where(
        Contact.erased_at.is_null(), WhereRaw(match[0], *match[1])).limit(FEW_MATCHES + 1)
    if not found_people:
        return []
    if len(found_people) <= FEW_MATCHES:  # a few people: named by id (else the database may walk every company)
        people = CompanyContact.contact.is_in([row["id"] for row in found_people])
    rows = await CompanyContact.select(
        CompanyContact.company.id, CompanyContact.company.name, CompanyContact.company.business_id,
        CompanyContact.contact.first_name, CompanyContact.contact.last_name, CompanyContact.role,
    ).where(people).order_by(OrderByRaw('"company_contact$company".name_order')).limit(limit * 3)
    found: dict[int, dict] = {}
    for row in rows:
        if row["company.id"] in leave_out:
            continue
        entry = found.setdefault(row["company.id"], {"id": row["company.id"], "name": row["company.name"],
                                                     "business_id": row["company.business_id"], "people": []})
        person = f"{row['contact.first_name']} {row['contact.last_name']}".strip()
        if person not in entry["people"]:
            entry["people"].append(person)
    return list(found.values())[:limit]


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
    ).where(CompanyContact.company == company_id).order_by(CURRENT_FIRST).order_by(
        CompanyContact.end_date, ascending=False).order_by(OrderByRaw('"company_contact$contact".name_order')
                                                           ).order_by(CompanyContact.id)


async def departments_served(company_id: int) -> list[dict]:
    """Which departments have served this company, how often and when last: the counts its holdings
    through interactions keep (crm/services/holdings.py), so a big account costs no more than a small one."""
    rows = await CompanySource.select(
        CompanySource.department.code, CompanySource.department.name_fi, CompanySource.department.name_sv,
        CompanySource.department.name_en, CompanySource.interactions.as_alias("count"),
        CompanySource.last_date.as_alias("last"),
    ).where((CompanySource.company == company_id) & (CompanySource.via == CompanySource.Via.interaction)
            & CompanySource.import_batch.is_null()).order_by(CompanySource.department.code)
    return rows


async def company_origins(company_id: int) -> list[dict]:
    """Where the company came from and which files named it since: its import batches (file, kind,
    when, department), a creation by hand, a register load; oldest first (the import that made it first)."""
    batch, department = CompanySource.import_batch, CompanySource.department
    return await CompanySource.select(
        CompanySource.via, batch.id, batch.file_name, batch.kind, batch.started_at,
        department.code, department.name_fi, department.name_sv, department.name_en,
    ).where((CompanySource.company == company_id) & (CompanySource.via != CompanySource.Via.interaction)
            & (batch.is_null() | batch.status.is_in(["committed", "running"]))
            ).order_by(batch.started_at).order_by(CompanySource.id)


def _interaction_columns():
    return (
        Interaction.id, Interaction.date, Interaction.kind, Interaction.subject, Interaction.notes,
        Interaction.follow_up_date, Interaction.follow_up_done, Interaction.confidential,
        Interaction.department, Interaction.department.code, Interaction.department.name_fi,
        Interaction.department.name_sv, Interaction.department.name_en, Interaction.advisor.name,
        Interaction.advisor_name, Interaction.company, Interaction.company.name, Interaction.created_by,
    )


def _kept(select):
    """Deleted interactions are kept for the audit trail only: no page shows them."""
    return select.where(Interaction.deleted_at.is_null())


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
        row["changeable"] = can_change_interaction(user.role, user.id, user.department_id, row.get("created_by"),
                                                   row["department"])
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
    select = filters.apply(_kept(Interaction.select(*_interaction_columns()).where(Interaction.company == company_id)))
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
    programmes: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        for link in await InteractionContact.select(
            InteractionContact.interaction, InteractionContact.contact.id, InteractionContact.contact.first_name,
            InteractionContact.contact.last_name,
        ).where(InteractionContact.interaction.is_in(ids)):
            contacts[link["interaction"]].append(link)
        programme = InteractionProgramme.programme
        for link in await InteractionProgramme.select(
            InteractionProgramme.interaction, programme.code, programme.name_fi, programme.name_sv, programme.name_en,
        ).where(InteractionProgramme.interaction.is_in(ids)).order_by(programme.code):
            programmes[link["interaction"]].append(link)
    for row in rows:
        row["contacts"] = contacts[row["id"]]
        row["programmes"] = [link["programme.code"] for link in programmes[row["id"]]]
        row["programme_names"] = programmes[row["id"]]  # by code and names (pages show the name)


async def changeable_interaction(interaction_id: int, user: CurrentUser) -> dict:
    """The interaction, if this user may correct or delete it (else Forbidden; deleted or unknown: NotFound)."""
    row = await interaction_for_user(interaction_id, user)
    if not can_change_interaction(user.role, user.id, user.department_id, row["created_by"], row["department"]):
        raise Forbidden("Only the author, the advisors of the department that logged it, managers and admins "
                        "correct or delete an interaction")
    return row


async def interaction_for_user(interaction_id: int, user: CurrentUser) -> dict:
    row = await existing(_kept(Interaction.select(
        *_interaction_columns(), Interaction.advisor,
    ).where(Interaction.id == interaction_id)), "Interaction", interaction_id)
    await _attach_contacts_and_programmes([row])
    return mask([row], user)[0]


async def my_follow_ups(user: CurrentUser, limit: int = 50) -> list[dict]:
    """My open follow-ups, overdue first (earliest date first)."""
    rows = await _kept(Interaction.select(*_interaction_columns())).where(
        (Interaction.advisor == user.id) & (Interaction.follow_up_done == False)  # noqa: E712
        & Interaction.follow_up_date.is_not_null()
    ).order_by(Interaction.follow_up_date).limit(limit)
    return [row for row in mask(rows, user) if not row["hidden"]]


async def recent_in_department(user: CurrentUser, limit: int = 20) -> list[dict]:
    rows = await _kept(Interaction.select(*_interaction_columns())).where(
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
    select = only_readable(_kept(Interaction.select(*_interaction_columns())).where(
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
