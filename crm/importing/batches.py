"""Revert an import batch: remove what it created, restore what it updated.

Records edited after the batch finished are reported and left alone, and so are records the
batch created that other work now hangs on (an interaction logged by hand on an imported
company): removing them would take that work with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from crm import db
from crm.domain import reasons
from crm.domain.problems import N_, Message, rule_message
from crm.errors import Conflict, NotFound
from crm.services import audit, holdings, tallies
from crm.services.paging import Page, fetch_page
from crm.tables import (
    Company,
    CompanyContact,
    CompanyProgramme,
    Contact,
    ImportBatch,
    ImportChange,
    ImportRowError,
    Interaction,
    InteractionContact,
    InteractionProgramme,
    User,
)

TABLES = {"company": Company, "contact": Contact, "interaction": Interaction}
RESTORE_PAGE = 1000
PROGRAMME_LINKS = {"company": (CompanyProgramme, CompanyProgramme.company),
                   "interaction": (InteractionProgramme, InteractionProgramme.interaction)}


# A record a revert (or a failed batch's roll-back) left alone, and why: kept in no one language,
# with the record's kind and id as values, so the batch page can link to it (`left_alone_records`).
LEFT_ALONE_WHY = {
    ("company", "edited"): N_("company #%(id)s was edited since the import"),
    ("contact", "edited"): N_("contact #%(id)s was edited since the import"),
    ("interaction", "edited"): N_("interaction #%(id)s was edited since the import"),
    ("company", "deleted"): N_("company #%(id)s was deleted since the import"),
    ("contact", "deleted"): N_("contact #%(id)s was deleted since the import"),
    ("interaction", "deleted"): N_("interaction #%(id)s was deleted since the import"),
    ("contact", "in use"): N_("contact #%(id)s is now linked to other records"),
    ("company", "in use"): N_("company #%(id)s now has interactions or contacts from elsewhere"),
}
MORE = N_("and %(count)s more")
NOTE_RECORDS = 50  # records a revert's note names; the rest are counted
REVERTED = N_("Reverted: %(removed)s removed, %(restored)s restored")


def left_alone(entity: str, record_id: int, why: str) -> Message:
    return rule_message(LEFT_ALONE_WHY[entity, why], id=record_id)


def left_alone_records(stored: str | None) -> list[dict]:
    """{kind, id, why ('edited', 'deleted', 'in use'), reason} of every record a batch's stored message
    says was left alone, in its order (and, last, how many more it did not name: kind None)."""
    kinds = {template: key for key, template in LEFT_ALONE_WHY.items()}
    found: list[dict] = []

    def walk(value) -> None:
        if isinstance(value, Message):
            if value.template in kinds and isinstance(value.params.get("id"), int):
                kind, why = kinds[value.template]
                found.append({"kind": kind, "id": value.params["id"], "why": why, "reason": value})
            elif value.template == MORE:  # the ones past NOTE_RECORDS, counted
                found.append({"kind": None, "id": None, "why": "more", "reason": value})
            for item in value.params.values():
                walk(item)

    walk(reasons.read(stored))
    return found


def without_left_alone(stored: str | None) -> str:
    """A batch's stored message without the records it left alone (the page lists those apart)."""
    message = reasons.read(stored)
    if isinstance(message, Message) and message.template == LEFT_ALONE:
        return message.params["reason"]
    return message


@dataclass
class RevertSummary:
    batch_id: int
    removed: int = 0
    restored: int = 0
    left_alone: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


async def revert_batch(batch_id: int, *, actor_id: int | None = None) -> RevertSummary:
    summary = RevertSummary(batch_id=batch_id)
    async with db.write_transaction():
        batch = await ImportBatch.select().where(ImportBatch.id == batch_id).first()
        if batch is None:
            raise NotFound(f"Import batch #{batch_id} does not exist")
        if batch["status"] != "committed":
            raise Conflict(f"Import batch #{batch_id} is {batch['status']}; only a committed batch can be reverted")
        finished = batch["finished_at"]
        touched = await _companies_of(batch_id)
        await ImportBatch.update({ImportBatch.status: "reverted"}).where(ImportBatch.id == batch_id)
        await tallies.drop_batch(batch_id)  # a reverted batch holds nothing (SPEC §9)
        await _restore_updated(batch_id, finished, summary)
        await _remove_created(batch_id, finished, summary)
        await holdings.remove_batch_holdings(batch_id)
        await tallies.refresh_companies(touched)
        await tallies.compact()
        note = _naming_left_alone(rule_message(REVERTED, removed=summary.removed, restored=summary.restored),
                                  summary.left_alone, NOTE_RECORDS)
        await ImportBatch.update({ImportBatch.message: reasons.stored(note)}).where(ImportBatch.id == batch_id)
        await audit.record(
            action="revert", entity="import_batch", entity_id=batch_id, actor_id=actor_id,
            changes={"removed": [None, summary.removed], "restored": [None, summary.restored],
                     "left_alone": [None, len(summary.left_alone)]},
        )
    return summary


ROLLED_BACK = N_("%(reason)s; rolled back: %(removed)s removed, %(restored)s restored")
LEFT_ALONE = N_("%(reason)s; left alone: %(records)s")
MESSAGE_CHARS = 4000
FAILED_RECORDS = 20  # records a failed batch's message names; the rest are counted


def _naming_left_alone(reason: str, records: list[str], limit: int) -> str:
    """`reason`, then the records left alone: the first `limit` named, the rest counted."""
    if not records:
        return reason
    named = records[:limit]
    if len(records) > limit:
        named.append(rule_message(MORE, count=len(records) - limit))
    return rule_message(LEFT_ALONE, reason=reason, records=reasons.joined(named))


async def fail(batch_id: int, message: str, started_at: dt.datetime) -> None:
    """Mark a batch that did not finish failed, saying why. On SQLite its turns committed one by one
    (db.LongWriter): what they wrote goes first, by the batch's own revert data, in the same
    transaction, as revert does it, but records someone else edited while it ran (since it started)
    are left alone and named; the message says what was done. On PostgreSQL nothing of it was
    committed. Either way the batch keeps no rows, prior values or holdings. A Message (why a file
    was refused) is kept in no one language, as a row's reason is (crm/domain/reasons.py); the batch
    page shows it in the reader's."""
    summary = RevertSummary(batch_id=batch_id)
    async with db.write_transaction():
        if db.is_sqlite():
            touched = await _companies_of(batch_id)
            await _restore_updated(batch_id, started_at, summary)
            await _remove_created(batch_id, started_at, summary)
            await holdings.remove_batch_holdings(batch_id)
            await ImportChange.delete().where(ImportChange.import_batch == batch_id)
            await ImportRowError.delete().where(ImportRowError.import_batch == batch_id)
            await ImportBatch.update({ImportBatch.status: "failed"}).where(ImportBatch.id == batch_id)
            await tallies.refresh_companies(touched)
            await tallies.compact()
            if summary.removed or summary.restored or summary.left_alone:  # else no turn of it was committed
                message = _naming_left_alone(rule_message(ROLLED_BACK, reason=message, removed=summary.removed,
                                                          restored=summary.restored), summary.left_alone, FAILED_RECORDS)
        kept = reasons.stored(message)
        if len(kept) > MESSAGE_CHARS:  # too long to keep whole: its English text, shortened
            kept = str(message)[:MESSAGE_CHARS]
        await ImportBatch.update(
            {ImportBatch.status: "failed", ImportBatch.message: kept,
             ImportBatch.finished_at: dt.datetime.now(dt.timezone.utc)}).where(ImportBatch.id == batch_id)


async def _companies_of(batch_id: int) -> list[int]:
    """Every company whose count the batch changed: the ones it holds, and the ones it updated."""
    rows = await db.fetch_all(
        "SELECT company FROM company_source WHERE import_batch = ? UNION "
        "SELECT entity_id FROM import_change WHERE import_batch = ? AND entity = 'company' UNION "
        "SELECT id FROM company WHERE import_batch = ?", [batch_id, batch_id, batch_id])
    return [row["company"] for row in rows]


async def _restore_updated(batch_id: int, finished: dt.datetime, summary: RevertSummary) -> None:
    users = {row["id"] for row in await User.select(User.id)}
    after = 0
    while True:  # a page of prior values at a time, with the records they belong to in one read each
        changes = await ImportChange.select().where(
            (ImportChange.import_batch == batch_id) & (ImportChange.id > after)
        ).order_by(ImportChange.id).limit(RESTORE_PAGE).output(load_json=True)
        if not changes:
            return
        after = changes[-1]["id"]
        current: dict[tuple[str, int], dict] = {}
        for entity, table in TABLES.items():
            ids = [change["entity_id"] for change in changes if change["entity"] == entity]
            if ids:
                rows = await table.select(table.id, table.updated_at).where(table.id.is_in(ids))
                current.update({(entity, row["id"]): row for row in rows})
        for change in changes:
            await _restore(change, current.get((change["entity"], change["entity_id"])), finished, users, summary)


async def _restore(change: dict, current: dict | None, finished: dt.datetime, users: set[int],
                   summary: RevertSummary) -> None:
    table = TABLES[change["entity"]]
    if current is None:
        summary.left_alone.append(left_alone(change["entity"], change["entity_id"], "deleted"))
        return
    if current["updated_at"] > finished:
        summary.left_alone.append(left_alone(change["entity"], change["entity_id"], "edited"))
        return
    old = dict(change["old_values"])
    programmes = old.pop("programmes", None)
    for column in ("date", "follow_up_date", "register_date"):
        if old.get(column):
            old[column] = dt.date.fromisoformat(old[column])
    # The record as it was, down to when it was last written: reverting an earlier batch after
    # this one must not take the restore for an edit made since that batch.
    old["updated_at"] = (dt.datetime.fromisoformat(old["updated_at"]) if old.get("updated_at")
                         else dt.datetime.now(dt.timezone.utc))
    if old.get("updated_by") not in users:  # that user has been deleted since
        old["updated_by"] = None
    await table.update(old).where(table.id == change["entity_id"])
    if programmes is not None:
        link_table, owner = PROGRAMME_LINKS[change["entity"]]
        current = {row["programme"] for row in await link_table.select(link_table.programme).where(
            owner == change["entity_id"])}
        await link_table.delete().where(owner == change["entity_id"])
        if programmes:
            await link_table.insert(*(link_table(**{owner._meta.name: change["entity_id"], "programme": p})
                                      for p in programmes))
        await _count_programme_change(change["entity"], change["entity_id"], current, set(programmes))
    summary.restored += 1


async def _count_programme_change(entity: str, record_id: int, before: set[int], after: set[int]) -> None:
    if entity == "company":
        await tallies.tag_companies([(programme, record_id) for programme in sorted(before - after)], sign=-1)
        await tallies.tag_companies([(programme, record_id) for programme in sorted(after - before)])
        return
    row = await Interaction.select(Interaction.company, Interaction.department, Interaction.date).where(
        Interaction.id == record_id).first()
    for programmes, sign in ((before - after, -1), (after - before, 1)):
        if programmes:
            await tallies.count_interactions([(row["company"], row["department"], row["date"], sorted(programmes))],
                                             sign=sign, totals=False)


async def _remove_created(batch_id: int, finished: dt.datetime, summary: RevertSummary) -> None:
    batch_rows = {
        name: await table.select(table.id, table.updated_at).where(table.import_batch == batch_id)
        for name, table in TABLES.items()
    }
    edited = {name: {row["id"] for row in rows if row["updated_at"] > finished} for name, rows in batch_rows.items()}
    for name, ids in edited.items():
        summary.left_alone += [left_alone(name, record_id, "edited") for record_id in sorted(ids)]

    interactions = [row["id"] for row in batch_rows["interaction"] if row["id"] not in edited["interaction"]]
    pairs = await Interaction.select(Interaction.company, Interaction.department).where(
        Interaction.import_batch == batch_id).distinct()
    await _uncount_interactions(interactions)
    await _delete_in_pages(Interaction, interactions)
    await holdings.recount_interactions((pair["company"], pair["department"]) for pair in pairs)
    summary.removed += len(interactions)

    await CompanyContact.delete().where(CompanyContact.import_batch == batch_id)

    contacts = [row["id"] for row in batch_rows["contact"] if row["id"] not in edited["contact"]]
    in_use = await _still_used(contacts, InteractionContact, InteractionContact.contact,
                               CompanyContact, CompanyContact.contact)
    summary.left_alone += [left_alone("contact", i, "in use") for i in sorted(in_use)]
    contacts = [i for i in contacts if i not in in_use]
    await _delete_in_pages(Contact, contacts)
    summary.removed += len(contacts)

    companies = [row["id"] for row in batch_rows["company"] if row["id"] not in edited["company"]]
    in_use = await _still_used(companies, Interaction, Interaction.company, CompanyContact, CompanyContact.company)
    summary.left_alone += [left_alone("company", i, "in use") for i in sorted(in_use)]
    companies = [i for i in companies if i not in in_use]
    await tallies.forget_companies(companies)
    await _delete_in_pages(Company, companies)
    summary.removed += len(companies)


async def _uncount_interactions(ids: list[int]) -> None:
    """Interactions about to be removed leave the month and programme tallies."""
    for start in range(0, len(ids), RESTORE_PAGE):
        page = ids[start:start + RESTORE_PAGE]
        programmes: dict[int, list[int]] = {i: [] for i in page}
        for link in await InteractionProgramme.select(InteractionProgramme.interaction, InteractionProgramme.programme
                                                       ).where(InteractionProgramme.interaction.is_in(page)):
            programmes[link["interaction"]].append(link["programme"])
        rows = await Interaction.select(Interaction.id, Interaction.company, Interaction.department,
                                        Interaction.date).where(Interaction.id.is_in(page))
        await tallies.count_interactions([(row["company"], row["department"], row["date"], programmes[row["id"]])
                                          for row in rows], sign=-1)


async def _still_used(ids: list[int], *pairs) -> set[int]:
    used: set[int] = set()
    for start in range(0, len(ids), 1000):
        page = ids[start:start + 1000]
        for table, column in zip(pairs[::2], pairs[1::2]):
            rows = await table.select(column.as_alias("owner")).where(column.is_in(page)).distinct()
            used |= {row["owner"] for row in rows}
    return used


async def _delete_in_pages(table, ids: list[int]) -> None:
    for start in range(0, len(ids), 1000):
        await table.delete().where(table.id.is_in(ids[start:start + 1000]))


def _department_columns():
    """The batch's department by code and names (pages show its name in the reader's language)."""
    department = ImportBatch.department
    return department.code, department.name_fi, department.name_sv, department.name_en


async def get_batch(batch_id: int) -> dict:
    batch = await ImportBatch.select(*ImportBatch.all_columns(), ImportBatch.user.email, *_department_columns(),
                                     ).where(ImportBatch.id == batch_id).output(load_json=True).first()
    if batch is None:
        raise NotFound(f"Import batch #{batch_id} does not exist")
    return batch


async def row_errors(batch_id: int, limit: int | None = None) -> list[dict]:
    query = ImportRowError.select(ImportRowError.line, ImportRowError.reason, ImportRowError.cells).where(
        ImportRowError.import_batch == batch_id).order_by(ImportRowError.line).output(load_json=True)
    return await (query.limit(limit) if limit else query)


async def history(page: int = 1, per_page: int = 25) -> Page:
    query = ImportBatch.select(
        ImportBatch.id, ImportBatch.kind, ImportBatch.file_name, ImportBatch.status, ImportBatch.started_at,
        ImportBatch.rows, ImportBatch.created, ImportBatch.updated, ImportBatch.unchanged,
        ImportBatch.duplicates_in_file, ImportBatch.errors, ImportBatch.user.email, *_department_columns(),
    ).order_by(ImportBatch.id, ascending=False)
    return await fetch_page(query, page, per_page)
