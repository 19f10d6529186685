"""One row at a time, pure: mapped cells -> clean values with the domain rules, or a reason.

The reason is written for the admin who will open the error file ("Business ID '1234567-1':
wrong check digit"). References to other records (company, contacts, advisor, department,
programmes) are cleaned here and resolved against the database in load.py.
"""

from __future__ import annotations

from typing import Any, Mapping

from crm.domain.dates import parse_date
from crm.domain.emails import normalize_email
from crm.domain.names import company_search_text, name_key
from crm.domain.records import clean_company, clean_contact, clean_interaction, text
from crm.domain.ytunnus import normalize_business_id
from crm.importing.read import Row
from crm.services.lookups import split_codes


class RowError(Exception):
    """This row cannot be imported; the message says why."""


def mapped(row: Row, mapping: Mapping[int, str], width: int) -> dict[str, Any]:
    """The row's non-blank cells by field name: a blank cell never erases what the record holds.
    Extra non-empty cells past the header are an error."""
    line, cells = row
    if len(cells) > width and any(text(cell) for cell in cells[width:]):
        raise RowError(f"The row has {len(cells)} cells but the header has {width} columns")
    count = len(cells)
    provided = {}
    for index, field in mapping.items():
        if index < count:
            cell = cells[index]
            if (cell.strip() if type(cell) is str else text(cell)):
                provided[field] = cell
    return provided


def _fail(errors: Mapping[str, str]) -> None:
    """One reason for the row. A message without its subject ('is 301 characters long; at most 300
    fit', from the length rule) gets the field's name in front."""
    if errors:
        reasons = (f"{field.replace('_', ' ').capitalize()} {message}" if message.startswith("is ") else message
                   for field, message in errors.items())
        raise RowError("; ".join(dict.fromkeys(reasons)))


def _text(raw: Mapping[str, Any], field: str, max_length: int, errors: dict[str, str]) -> str:
    """A plain text cell that is no field of the record itself (a company's name in a contact row)."""
    try:
        return text(raw.get(field), max_length)
    except ValueError as error:
        errors[field] = str(error)
        return ""


def _company_reference(raw: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The company a contact or interaction row names: by Business ID, else by name."""
    reference: dict[str, Any] = {"business_id": None, "name_key": None, "name": ""}
    try:
        reference["business_id"] = normalize_business_id(raw.get("business_id"))
    except ValueError as error:
        errors["business_id"] = str(error)
    reference["name"] = _text(raw, "company_name", 300, errors)
    reference["name_key"] = name_key(reference["name"]) if reference["name"] else None
    named = reference["business_id"] or reference["name_key"]
    if not named and "business_id" not in errors and "company_name" not in errors:
        errors["company"] = "The row names no company (Business ID or company name)"
    return reference


def _split_full_name(full: str) -> tuple[str, str]:
    """'Virtanen, Aino' or 'Aino Virtanen' -> ('Aino', 'Virtanen')."""
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return first.strip(), last.strip()


def company_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    values, errors = clean_company(raw, creating=True)
    if "name" not in raw:
        if values.get("business_id"):  # it may update a stored company: load.py knows
            errors.pop("name", None)
        elif "business_id" not in errors:
            errors["name"] = "The row has neither a company name nor a Business ID"
    _fail(errors)
    values["programmes"] = split_codes(raw.get("programmes"))
    values["search_text"] = company_search_text(values)  # for a new company; an update works it out again
    return values


def contact_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    raw = dict(raw)
    name_errors: dict[str, str] = {}
    full_name = _text(raw, "full_name", 200, name_errors)
    raw.pop("full_name", None)
    if full_name and not text(raw.get("first_name")) and not text(raw.get("last_name")):
        first, last = _split_full_name(full_name)
        raw.update({field: part for field, part in (("first_name", first), ("last_name", last)) if part})
    values, errors = clean_contact(raw, creating=True)
    if name_errors:  # the name is too long: that, not 'A contact needs a name', is the reason
        errors.pop("last_name", None)
        errors.update(name_errors)
    company = _company_reference(raw, errors)
    role = {}
    for field in ("start_date", "end_date"):
        try:
            role[field] = parse_date(raw.get(field))
        except ValueError as error:
            errors[field] = str(error)
    role["role"] = _text(raw, "role", 200, errors)
    _fail(errors)
    return {"contact": values, "company": company, **role}


def interaction_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    values, errors = clean_interaction(raw, creating=True)
    company = _company_reference(raw, errors)
    contact_emails = []
    for part in split_codes(raw.get("contact_email")):
        try:
            contact_emails.append(normalize_email(part))
        except ValueError as error:
            errors["contact_email"] = str(error)
    advisor = _text(raw, "advisor", 200, errors)
    department = _text(raw, "department", 200, errors)
    _fail(errors)
    return {
        "interaction": values,
        "company": company,
        "contact_emails": [email for email in contact_emails if email],
        "advisor": advisor,
        "department": department,
        "programmes": split_codes(raw.get("programmes")),
    }


def normalize_row(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """One mapped row (its non-blank cells, from mapped()) of a companies, contacts or interactions
    file, cleaned (or RowError)."""
    if kind == "companies":
        return company_row(raw)
    if kind == "contacts":
        return contact_row(raw)
    return interaction_row(raw)
