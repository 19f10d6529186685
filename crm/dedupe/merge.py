"""Merge two records into one, and undo it (SPEC §10).

A merge keeps one record, takes the chosen value per field (the kept value unless it is empty),
keeps the other's names as other names, moves everything that hung on the other record to it, and
removes the other record, in one transaction. The Merge row holds what unmerge needs: the merged
record's every column, the kept record's fields before and after, and every row that moved.
Unmerge puts the merged record back with its own id and values, moves back exactly the rows that
moved (those deleted since are reported), and restores the kept record's fields that nobody has
changed since (the others are reported, as an import revert does).

Companies: contacts' roles, interactions (with their programme reach), programmes, holdings
(company_source, also an import batch's: the study counts them) move; the study's running totals of
both records are counted again. Contacts: roles at companies and places in interactions move.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from crm import db, search
from crm.domain.legal_forms import forms_conflict, legal_form
from crm.domain.names import company_search_text, fold, name_key, person_key
from crm.domain.problems import rule_message
from crm.errors import Conflict, Invalid, NotFound
from crm.services import audit, holdings, tallies
from crm.tables import Company, Contact, Merge

COMPANY_FIELDS = ["business_id", "name", "company_form", "industry_code", "size_class", "website", "street",
                  "postal_code", "city", "municipality_code", "country", "status", "responsible_advisor"]
CONTACT_FIELDS = ["first_name", "last_name", "email", "phone", "title", "language"]
# Fields that go together: the industry code means nothing without its classification.
TOGETHER = {"industry_code": ["industry_classification"]}
TABLES = {"company": Company, "contact": Contact}
STATE_RESET = {"study_mask": 0, "study_section": "", "study_place": ""}


def fields_of(kind: str) -> list[str]:
    return COMPANY_FIELDS if kind == "company" else CONTACT_FIELDS


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _jsonable(row: Mapping[str, Any]) -> dict:
    return {key: value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
            for key, value in row.items()}


def _from_json(table, values: Mapping[str, Any]) -> dict:
    """A row stored as JSON, with its timestamps and dates as Python values again."""
    from piccolo.columns import Date, Timestamptz

    row = dict(values)
    for column in table._meta.columns:
        name = column._meta.name
        if isinstance(row.get(name), str) and isinstance(column, (Timestamptz, Date)):
            parse = dt.datetime.fromisoformat if isinstance(column, Timestamptz) else dt.date.fromisoformat
            row[name] = parse(row[name])
    return row


def version(row: Mapping[str, Any]) -> str:
    """What a page shows a record as: its updated_at; a merge of a record changed since is refused."""
    value = row.get("updated_at")
    return value.isoformat() if isinstance(value, dt.datetime) else str(value or "")


def chosen_values(kind: str, kept: Mapping[str, Any], other: Mapping[str, Any],
                  choices: Mapping[str, str] | None = None) -> dict:
    """The merged record's fields: per field the kept value unless it is empty, or the one chosen
    ('kept' or 'merged'); names of both stay, the unchosen one as an other name."""
    choices = dict(choices or {})
    unknown = set(choices) - set(fields_of(kind))
    if unknown or any(value not in ("kept", "merged") for value in choices.values()):
        raise Invalid({"choices": rule_message("each choice is a field and 'kept' or 'merged'")})
    values = {}
    for field in fields_of(kind):
        take_other = choices.get(field) == "merged" or (field not in choices and kept.get(field) in (None, "")
                                                         and other.get(field) not in (None, ""))
        source = other if take_other else kept
        values[field] = source.get(field)
        for companion in TOGETHER.get(field, []):
            values[companion] = source.get(companion)
    if kind == "company":
        names = [kept["name"], *(kept.get("other_names") or "").splitlines(),
                 other["name"], *(other.get("other_names") or "").splitlines()]
        seen = {fold(values["name"])}
        others = []
        for name in names:
            if name and name.strip() and fold(name) not in seen:
                seen.add(fold(name))
                others.append(name.strip())
        values["other_names"] = "\n".join(others)
        values["name_key"] = name_key(values["name"]) or ""
        values["search_text"] = company_search_text(values)
    else:
        values["person_key"] = person_key(values["first_name"], values["last_name"]) or ""
    return values


MAX_ID = 2**31 - 1


def existing_id(kind: str, record_id: int) -> int:
    """An id a record could have; others (0, negative, beyond the column) name no record."""
    if not isinstance(record_id, int) or not 0 < record_id <= MAX_ID:
        raise NotFound(f"{kind.capitalize()} #{record_id} does not exist")
    return record_id


async def _pair(kind: str, kept_id: int, other_id: int) -> tuple[dict, dict]:
    existing_id(kind, kept_id), existing_id(kind, other_id)
    if kept_id == other_id:
        raise Invalid({"ids": rule_message("a record cannot be merged with itself")})
    table = TABLES[kind]
    rows = {row["id"]: row for row in await db.fetch_in(
        f"SELECT * FROM {table._meta.tablename} WHERE id IN (?) ORDER BY id" + db.for_update(), [kept_id, other_id])}
    for record_id in (kept_id, other_id):
        if record_id not in rows:
            raise NotFound(f"{kind.capitalize()} #{record_id} does not exist")
    return rows[kept_id], rows[other_id]


def _refuse_two_entities(kept: dict, other: dict) -> None:
    if kept["business_id"] and other["business_id"] and kept["business_id"] != other["business_id"]:
        raise Conflict(rule_message(
            "Company #%(first)s (%(first_id)s) and #%(second)s (%(second_id)s) have two different Business IDs: "
            "they are two companies and cannot be merged", first=kept["id"], first_id=kept["business_id"],
            second=other["id"], second_id=other["business_id"]))
    form_a = legal_form(kept["company_form"], kept["name"])
    form_b = legal_form(other["company_form"], other["name"])
    if forms_conflict(form_a, form_b):
        raise Conflict(rule_message("%(first)s and %(second)s have two different legal forms: they are two "
                                    "companies and cannot be merged", first=kept["name"], second=other["name"]))


def _refuse_changed(kept: dict, other: dict, expected: Mapping[int, str] | None) -> None:
    for row in (kept, other):
        wanted = (expected or {}).get(row["id"])
        if wanted is not None and wanted != version(row):
            raise Conflict(rule_message("#%(id)s %(name)s was changed by someone else after you opened it; look at "
                                        "the two records again before merging", id=row["id"], name=_label(row)))


def _label(row: Mapping[str, Any]) -> str:
    if "name" in row:
        return str(row["name"])
    return " ".join(part for part in (row.get("first_name"), row.get("last_name")) if part) or str(row.get("email") or "")


async def merge(kind: str, kept_id: int, other_id: int, *, choices: Mapping[str, str] | None = None,
                expected: Mapping[int, str] | None = None, actor_id: int | None = None) -> dict:
    """Merge `other_id` into `kept_id`: {"merge_id", "kept", "merged", "moved": {what: count}}.
    `expected`: {record id: version shown}; a record changed since is refused (Conflict)."""
    async with db.write_transaction():
        kept, other = await _pair(kind, kept_id, other_id)
        _refuse_changed(kept, other, expected)
        values = chosen_values(kind, kept, other, choices)
        if kind == "company":
            _refuse_two_entities(kept, other)
            moved = await _move_company(kept_id, other_id)
        else:
            if kept["erased_at"] or other["erased_at"]:
                raise Conflict(rule_message("An erased contact cannot be merged"))
            moved = await _move_contact(kept_id, other_id)
        table = TABLES[kind]
        await table.delete().where(table.id == other_id)  # its unique Business ID or e-mail is free now
        now = _now()
        changed = {field: [kept.get(field), value] for field, value in values.items() if kept.get(field) != value}
        await table.update({**{field: new for field, (_, new) in changed.items()},
                            table.updated_at: now, table.updated_by: actor_id}).where(table.id == kept_id)
        if kind == "company":
            await tallies.refresh_companies([kept_id])
        row = Merge(kind=kind, kept=kept_id, merged=other_id, user=actor_id, at=now,
                    kept_before=_jsonable({field: old for field, (old, _) in changed.items()}),
                    merged_values=_jsonable(other), kept_updated_at=now,
                    moved={**moved, "_kept_after": _jsonable({field: new for field, (_, new) in changed.items()})})
        await row.save()
        audited = {field: pair for field, pair in changed.items() if field not in ("name_key", "search_text",
                                                                                    "person_key")}
        await audit.record(action="merge", entity=kind, entity_id=kept_id, actor_id=actor_id,
                           changes={**audited, "merged": [None, other_id], "merge": [None, row.id]})
        await audit.record(action="merge", entity=kind, entity_id=other_id, actor_id=actor_id,
                           changes={"merged_into": [None, kept_id], "merge": [None, row.id]})
    return {"merge_id": row.id, "kept": kept_id, "merged": other_id, "moved": counts(moved)}


def counts(moved: Mapping[str, Any]) -> dict[str, int]:
    return {what: len(rows) for what, rows in moved.items() if not what.startswith("_")}


async def _move_company(kept_id: int, other_id: int) -> dict:
    """Everything that hangs on the other company moves to the kept one; rows the kept company
    already has an equal of (a holding, a programme) are dropped and remembered for unmerge."""
    moved: dict[str, Any] = {}
    # The study: both leave the tallies as they are now (before their holdings move); the kept one
    # is counted again at the end.
    await tallies.forget_companies([kept_id, other_id])
    await db.execute_many("UPDATE company SET study_mask = 0, study_section = '', study_place = '' WHERE id = ?",
                          [(kept_id,)])
    interactions = await db.fetch_all("SELECT id, department, date FROM interaction WHERE company = ? ORDER BY id",
                                      [other_id])
    moved["interactions"] = [row["id"] for row in interactions]
    await _move_interactions(moved["interactions"], other_id, kept_id)

    kept_holdings = await db.fetch_all("SELECT * FROM company_source WHERE company = ? AND via <> 'interaction'",
                                       [kept_id])
    held = {(row["import_batch"], row["department"], row["via"]) for row in kept_holdings}
    moved["holdings"], moved["_dropped_holdings"] = [], []
    for row in await db.fetch_all("SELECT * FROM company_source WHERE company = ? AND via <> 'interaction' "
                                  "ORDER BY id", [other_id]):
        if (row["import_batch"], row["department"], row["via"]) in held:
            moved["_dropped_holdings"].append(_jsonable(row))
        else:
            moved["holdings"].append(row["id"])
    await db.execute_many("DELETE FROM company_source WHERE id = ?",
                          [(row["id"],) for row in moved["_dropped_holdings"]])
    await db.execute_many("UPDATE company_source SET company = ? WHERE id = ?",
                          [(kept_id, holding) for holding in moved["holdings"]])
    await holdings.recount_months([kept_id])

    moved["roles"] = [row["id"] for row in await db.fetch_all(
        "SELECT id FROM company_contact WHERE company = ? ORDER BY id", [other_id])]
    await db.execute_many("UPDATE company_contact SET company = ? WHERE id = ?",
                          [(kept_id, role) for role in moved["roles"]])

    kept_programmes = {row["programme"] for row in await db.fetch_all(
        "SELECT programme FROM company_programme WHERE company = ?", [kept_id])}
    other_programmes = [row["programme"] for row in await db.fetch_all(
        "SELECT programme FROM company_programme WHERE company = ? ORDER BY programme", [other_id])]
    moved["programmes"] = [p for p in other_programmes if p not in kept_programmes]
    moved["_dropped_programmes"] = [p for p in other_programmes if p in kept_programmes]
    await tallies.tag_companies([(p, other_id) for p in other_programmes], sign=-1)
    await db.execute_many("DELETE FROM company_programme WHERE company = ? AND programme = ?",
                          [(other_id, p) for p in moved["_dropped_programmes"]])
    await db.execute_many("UPDATE company_programme SET company = ? WHERE company = ? AND programme = ?",
                          [(kept_id, other_id, p) for p in moved["programmes"]])
    await tallies.tag_companies([(p, kept_id) for p in moved["programmes"]])
    return moved


async def _move_interactions(ids: list[int], source: int, target: int) -> None:
    """Interactions change company: their programme reach and their departments' holdings follow."""
    if not ids:
        return
    rows = await db.fetch_in("SELECT id, department, date FROM interaction WHERE id IN (?)", ids)
    programmes: dict[int, list[int]] = {row["id"]: [] for row in rows}
    for link in await db.fetch_in("SELECT interaction, programme FROM interaction_programme "
                                  "WHERE interaction IN (?)", ids):
        programmes[link["interaction"]].append(link["programme"])
    await tallies.count_interactions([(source, row["department"], db.as_date(row["date"]), programmes[row["id"]])
                                      for row in rows], sign=-1, totals=False)
    await db.execute_many("UPDATE interaction SET company = ? WHERE id = ?", [(target, row["id"]) for row in rows])
    await tallies.count_interactions([(target, row["department"], db.as_date(row["date"]), programmes[row["id"]])
                                      for row in rows], totals=False)
    departments = {row["department"] for row in rows}
    await holdings.recount_interactions([(company, department) for company in (source, target)
                                         for department in departments], months=False)  # once holdings moved


async def _move_contact(kept_id: int, other_id: int) -> dict:
    moved: dict[str, Any] = {}
    moved["roles"] = [row["id"] for row in await db.fetch_all(
        "SELECT id FROM company_contact WHERE contact = ? ORDER BY id", [other_id])]
    await db.execute_many("UPDATE company_contact SET contact = ? WHERE id = ?",
                          [(kept_id, role) for role in moved["roles"]])
    present = {row["interaction"] for row in await db.fetch_all(
        "SELECT interaction FROM interaction_contact WHERE contact = ?", [kept_id])}
    theirs = [row["interaction"] for row in await db.fetch_all(
        "SELECT interaction FROM interaction_contact WHERE contact = ? ORDER BY interaction", [other_id])]
    moved["interactions"] = [i for i in theirs if i not in present]
    moved["_dropped_interactions"] = [i for i in theirs if i in present]
    await db.execute_many("DELETE FROM interaction_contact WHERE contact = ? AND interaction = ?",
                          [(other_id, i) for i in moved["_dropped_interactions"]])
    await db.execute_many("UPDATE interaction_contact SET contact = ? WHERE contact = ? AND interaction = ?",
                          [(kept_id, other_id, i) for i in moved["interactions"]])
    return moved


async def unmerge(merge_id: int, *, actor_id: int | None = None) -> dict:
    """Undo a merge: {"merge_id", "kept", "restored", "moved_back": {what: count}, "left_alone": [..]}."""
    left_alone: list[str] = []
    existing_id("merge", merge_id)
    async with db.write_transaction():
        merge_row = await Merge.select().where(Merge.id == merge_id).output(load_json=True).first()
        if merge_row is None:
            raise NotFound(f"Merge #{merge_id} does not exist")
        if merge_row["undone_at"] is not None:
            raise Conflict(rule_message("Merge #%(id)s was undone already", id=merge_id))
        kind, kept_id, other_id = merge_row["kind"], merge_row["kept"], merge_row["merged"]
        table = TABLES[kind]
        kept = (await db.fetch_in(f"SELECT * FROM {table._meta.tablename} WHERE id IN (?)" + db.for_update(),
                                  [kept_id]) or [None])[0]
        if kept is None:
            raise Conflict(rule_message("Record #%(id)s that merge #%(merge)s kept no longer exists (merged into "
                                        "another record or deleted since): undo that first", id=kept_id,
                                        merge=merge_id))
        if kind == "contact" and (kept["erased_at"] or merge_row["merged_values"].get("erased_at")):
            raise Conflict(rule_message("The person was erased: their merge cannot be undone"))
        merged_values = _from_json(table, merge_row["merged_values"])
        # The kept record's fields go back where nobody has changed them since the merge.
        before = _from_json(table, merge_row["kept_before"])
        now_values = {}
        for field, old in before.items():
            written = merge_row["moved"].get("_kept_after", {}).get(field)
            if _same(kept.get(field), written):
                now_values[field] = old
            elif field not in ("name_key", "search_text", "person_key"):
                left_alone.append(f"{kind} #{kept_id}: {field} was changed since the merge")
        if kind == "company":
            if "name" in now_values or "other_names" in now_values:
                restored = {**kept, **now_values}
                now_values["name_key"] = name_key(restored["name"]) or ""
                now_values["search_text"] = company_search_text(restored)
            await tallies.forget_companies([kept_id])
            await db.execute_many("UPDATE company SET study_mask = 0, study_section = '', study_place = '' "
                                  "WHERE id = ?", [(kept_id,)])
        elif "first_name" in now_values or "last_name" in now_values:
            restored = {**kept, **now_values}
            now_values["person_key"] = person_key(restored["first_name"], restored["last_name"]) or ""
        if now_values:
            await table.update({**now_values, table.updated_at: _now(), table.updated_by: actor_id}).where(
                table.id == kept_id)
        other_id = await _restore_record(kind, merged_values, left_alone)
        moved = merge_row["moved"]
        if kind == "company":
            back = await _move_company_back(moved, kept_id, other_id, left_alone)
            await tallies.refresh_companies([kept_id, other_id])
        else:
            back = await _move_contact_back(moved, kept_id, other_id, left_alone)
        note = "; ".join(left_alone)
        await Merge.update({Merge.undone_at: _now(), Merge.undone_by: actor_id, Merge.note: note}).where(
            Merge.id == merge_id)
        await audit.record(action="unmerge", entity=kind, entity_id=kept_id, actor_id=actor_id,
                           changes={**{field: [kept.get(field), value] for field, value in now_values.items()
                                       if field not in ("name_key", "search_text", "person_key")},
                                    "restored": [None, other_id], "merge": [None, merge_id]})
        await audit.record(action="unmerge", entity=kind, entity_id=other_id, actor_id=actor_id,
                           changes={"restored_from": [None, kept_id], "merge": [None, merge_id]})
    return {"merge_id": merge_id, "kept": kept_id, "restored": other_id, "moved_back": back,
            "left_alone": left_alone}


def _same(current, written) -> bool:
    if isinstance(current, (dt.date, dt.datetime)):
        current = current.isoformat()
    return current == written


async def _restore_record(kind: str, values: dict, left_alone: list[str]) -> int:
    """The merged record back with its own values (and id, unless a record created since has it)."""
    table = TABLES[kind]
    unique = "business_id" if kind == "company" else "email"
    if values.get(unique):
        holder = await db.fetch_value(f"SELECT id FROM {table._meta.tablename} WHERE {unique} = ?", [values[unique]])
        if holder is not None:
            raise Conflict(rule_message("Record #%(holder)s now has %(value)s, which the merged record #%(id)s had: "
                                        "change that record first, then undo the merge", holder=holder,
                                        value=values[unique], id=values["id"]))
    names = {column._meta.name for column in table._meta.columns}
    row = {key: value for key, value in values.items() if key in names}
    if kind == "company":
        row.update(STATE_RESET)
    users = {item["id"] for item in await db.fetch_all("SELECT id FROM crm_user")}
    for column in ("created_by", "updated_by", "responsible_advisor"):
        if row.get(column) is not None and row[column] not in users:  # that user was deleted since
            row[column] = None
    if row.get("import_batch") is not None and await db.fetch_value(
            "SELECT id FROM import_batch WHERE id = ?", [row["import_batch"]]) is None:
        row["import_batch"] = None
    if await db.fetch_value(f"SELECT id FROM {table._meta.tablename} WHERE id = ?", [row["id"]]) is not None:
        old_id = row.pop("id")
        left_alone.append(f"{kind} #{old_id} was restored as a new record: its id was taken since")
    record = table(**row)
    await record.save()
    if kind == "company":
        await search.index_new_companies(record.id, record.id)
    return record.id


async def _move_company_back(moved: dict, kept_id: int, other_id: int, left_alone: list[str]) -> dict:
    back: dict[str, int] = {}
    interactions = [row["id"] for row in await db.fetch_in(
        "SELECT id FROM interaction WHERE company = ? AND id IN (?)", moved.get("interactions", []), before=(kept_id,))]
    gone = len(moved.get("interactions", [])) - len(interactions)
    if gone:
        left_alone.append(f"{gone} moved interactions were deleted or moved since the merge")
    await _move_interactions(interactions, kept_id, other_id)
    back["interactions"] = len(interactions)

    holdings_back = [row["id"] for row in await db.fetch_in(
        "SELECT id FROM company_source WHERE company = ? AND id IN (?)", moved.get("holdings", []), before=(kept_id,))]
    await db.execute_many("UPDATE company_source SET company = ? WHERE id = ?", [(other_id, h) for h in holdings_back])
    batches = {row["id"] for row in await db.fetch_all("SELECT id FROM import_batch")}
    dropped = [row for row in moved.get("_dropped_holdings", [])
               if row["import_batch"] is None or row["import_batch"] in batches]
    await db.execute_many(
        "INSERT INTO company_source (company, department, via, import_batch, interactions, first_date, last_date) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(other_id, row["department"], row["via"], row["import_batch"], row["interactions"],
          db.as_date(row["first_date"]) if row["first_date"] else None,
          db.as_date(row["last_date"]) if row["last_date"] else None) for row in dropped])
    back["holdings"] = len(holdings_back) + len(dropped)
    await holdings.recount_months([kept_id, other_id])

    roles = [row["id"] for row in await db.fetch_in(
        "SELECT id FROM company_contact WHERE company = ? AND id IN (?)", moved.get("roles", []), before=(kept_id,))]
    await db.execute_many("UPDATE company_contact SET company = ? WHERE id = ?", [(other_id, r) for r in roles])
    back["roles"] = len(roles)
    if len(roles) < len(moved.get("roles", [])):
        left_alone.append(f"{len(moved['roles']) - len(roles)} moved roles were removed since the merge")

    existing = {row["programme"] for row in await db.fetch_all("SELECT id AS programme FROM programme")}
    kept_now = {row["programme"] for row in await db.fetch_all(
        "SELECT programme FROM company_programme WHERE company = ?", [kept_id])}
    take_back = [p for p in moved.get("programmes", []) if p in kept_now]
    await db.execute_many("DELETE FROM company_programme WHERE company = ? AND programme = ?",
                          [(kept_id, p) for p in take_back])
    await tallies.tag_companies([(p, kept_id) for p in take_back], sign=-1)
    programmes = [p for p in [*moved.get("programmes", []), *moved.get("_dropped_programmes", [])] if p in existing]
    await db.execute_many("INSERT INTO company_programme (company, programme) VALUES (?, ?)",
                          [(other_id, p) for p in sorted(set(programmes))])
    await tallies.tag_companies([(p, other_id) for p in sorted(set(programmes))])
    back["programmes"] = len(set(programmes))
    return back


async def _move_contact_back(moved: dict, kept_id: int, other_id: int, left_alone: list[str]) -> dict:
    roles = [row["id"] for row in await db.fetch_in(
        "SELECT id FROM company_contact WHERE contact = ? AND id IN (?)", moved.get("roles", []), before=(kept_id,))]
    await db.execute_many("UPDATE company_contact SET contact = ? WHERE id = ?", [(other_id, r) for r in roles])
    interactions = [row["interaction"] for row in await db.fetch_in(
        "SELECT interaction FROM interaction_contact WHERE contact = ? AND interaction IN (?)",
        moved.get("interactions", []), before=(kept_id,))]
    await db.execute_many("UPDATE interaction_contact SET contact = ? WHERE contact = ? AND interaction = ?",
                          [(other_id, kept_id, i) for i in interactions])
    still = {row["id"] for row in await db.fetch_in("SELECT id FROM interaction WHERE id IN (?)",
                                                    moved.get("_dropped_interactions", []))}
    await db.execute_many("INSERT INTO interaction_contact (interaction, contact) VALUES (?, ?)",
                          [(i, other_id) for i in moved.get("_dropped_interactions", []) if i in still])
    gone = len(moved.get("roles", [])) - len(roles) + len(moved.get("interactions", [])) - len(interactions)
    if gone:
        left_alone.append(f"{gone} moved roles or interaction links were removed since the merge")
    return {"roles": len(roles), "interactions": len(interactions) + len(still)}


async def history(kind: str | None = None, record_id: int | None = None, limit: int = 50) -> list[dict]:
    """Merges, newest first (of one kind; of one record, kept or merged)."""
    query = Merge.select(Merge.id, Merge.kind, Merge.kept, Merge.merged, Merge.at, Merge.undone_at, Merge.note,
                         Merge.merged_values, Merge.moved, Merge.user.email).order_by(Merge.id, ascending=False)
    if kind:
        query = query.where(Merge.kind == kind)
    if record_id is not None:
        query = query.where((Merge.kept == record_id) | (Merge.merged == record_id))
    rows = await query.limit(limit).output(load_json=True)
    for row in rows:
        row["merged_name"] = _label(row.pop("merged_values"))
        row["counts"] = counts(row.pop("moved"))
    return rows
