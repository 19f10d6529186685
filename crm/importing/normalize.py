"""One row at a time, pure: mapped cells -> clean values with the domain rules, or a reason.

The reason is written for the admin who will open the error file ("Business ID '1234567-1':
wrong check digit"). A row is refused only for what makes it unusable (no name, an invalid Business
ID, no company for a contact or interaction, no date or kind for an interaction); a bad value in any
other field is dropped with a warning (values["warnings"]) and the row kept (SPEC §6). A cell
holding a placeholder ('Verkkosivuja ei löydy', '-', 'N/A') is blank. References to other records
(company, contacts, advisor, department, programmes) are cleaned here and resolved against the
database in load.py.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from crm.domain import labels
from crm.domain.addresses import split_address
from crm.domain.dates import parse_date
from crm.domain.emails import normalize_email
from crm.domain.names import company_search_text, name_key
from crm.domain.placeholders import PLACEHOLDER_FIRST, is_placeholder
from crm.domain.postal import municipality_of
from crm.domain.problems import rule_message
from crm.domain.reasons import LEFT_BLANK, joined
from crm.domain.records import FIELD_TOO_LONG, TOO_LONG, clean_company, clean_contact, clean_interaction, text
from crm.domain.ytunnus import normalize_business_id
from crm.importing.read import Row
from crm.services.lookups import split_codes


class RowError(Exception):
    """This row cannot be imported; the message says why (a Message: `reason`, in any language)."""

    @property
    def reason(self) -> str:
        return self.args[0] if self.args else ""


def mapped(row: Row, mapping: Mapping[int, str], width: int) -> dict[str, Any]:
    """The row's non-blank cells by field name: a blank cell never erases what the record holds, and
    a placeholder ('Osoitetta ei löydy', 'N/A', '-') is blank. Extra non-empty cells past the header
    are an error. A yes/no column keeps its words ('ei' is no, not nothing)."""
    line, cells = row
    if len(cells) > width and any(text(cell) for cell in cells[width:]):
        raise RowError(rule_message("The row has %(cells)s cells but the header has %(columns)s columns",
                                    cells=len(cells), columns=width))
    count = len(cells)
    provided = {}
    for index, field in mapping.items():
        if index < count:
            cell = cells[index]
            if type(cell) is str:
                stripped = cell.strip()
                if stripped and (stripped[0] not in PLACEHOLDER_FIRST or field in YES_NO_FIELDS
                                 or not is_placeholder(stripped)):
                    provided[field] = cell
            elif text(cell):
                provided[field] = cell
    return provided


YES_NO_FIELDS = frozenset({"follow_up_done", "confidential"})
# The fields whose bad value makes a row unusable, by kind; any other bad value is a warning.
KEY_FIELDS = {
    "companies": frozenset({"business_id", "name"}),
    "contacts": frozenset({"first_name", "last_name", "full_name", "business_id", "company_name", "company"}),
    "interactions": frozenset({"date", "kind", "business_id", "company_name", "company"}),
}


_NAMED = {"company_name": labels.FIELDS["name"]}  # the company's name in a contact or interaction row


def _reasons(errors: Mapping[str, str]) -> str:
    """One reason for several fields, each still translatable (crm/domain/reasons.py). A message
    without its subject ('is 301 characters long; at most 300 fit', from the length rule) gets the
    field's name in front."""
    return joined(rule_message(FIELD_TOO_LONG, field=_NAMED.get(field) or labels.field(field), **message.params)
                  if getattr(message, "template", None) == TOO_LONG else message
                  for field, message in errors.items())


def _fail(errors: Mapping[str, str]) -> None:
    if errors:
        raise RowError(_reasons(errors))


def _triage(kind: str, errors: dict[str, str], values: dict[str, Any]) -> None:
    """Refuse the row for a bad key value; otherwise drop each bad value (the cleaning left it out)
    with a warning: values["warnings"] says what was dropped and why."""
    keys = KEY_FIELDS[kind]
    refused = {field: message for field, message in errors.items() if field in keys}
    _fail(refused)
    dropped = {field: message for field, message in errors.items() if field not in keys}
    if dropped:
        values["warnings"] = rule_message(LEFT_BLANK, reasons=_reasons(dropped))


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
        errors["company"] = rule_message("The row names no company (Business ID or company name)")
    return reference


def _split_full_name(full: str) -> tuple[str, str]:
    """'Virtanen, Aino' or 'Aino Virtanen' -> ('Aino', 'Virtanen')."""
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    first, _, last = full.rpartition(" ")
    return first.strip(), last.strip()


_FIVE_DIGITS = re.compile(r"\d{5}")


def _split_street(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """A street cell holding the whole address ('Tekniikantie 14, 02150 Espoo') gives the postal code
    and city too, unless their own columns give them."""
    street = raw.get("street")
    if type(street) is not str or not _FIVE_DIGITS.search(street):  # no postal code: the common case
        return raw
    address = split_address(street)
    if address is None:
        return raw
    raw = dict(raw)
    if address.street:
        raw["street"] = address.street
    else:
        del raw["street"]
    if "postal_code" not in raw:
        raw["postal_code"] = address.postal_code
    if address.city and "city" not in raw:
        raw["city"] = address.city
    return raw


def company_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    raw = _split_street(raw)
    values, errors = clean_company(raw, creating=True)
    if "name" not in raw:
        if values.get("business_id"):  # it may update a stored company: load.py knows
            errors.pop("name", None)
        elif "business_id" not in errors:
            errors["name"] = rule_message("The row has neither a company name nor a Business ID")
    _triage("companies", errors, values)
    if values.get("postal_code") and "municipality_code" not in raw and values.get("country", "FI") == "FI":
        municipality = municipality_of(values["postal_code"])
        if municipality:
            values["municipality_code"] = municipality
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
            role[field] = None
    role["role"] = _text(raw, "role", 200, errors)
    row: dict[str, Any] = {"contact": values, "company": company, **role}
    _triage("contacts", errors, row)
    return row


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
    if "department" in errors:  # the department decides whose interaction it is
        _fail({"department": errors["department"]})
    row: dict[str, Any] = {
        "interaction": values,
        "company": company,
        "contact_emails": [email for email in contact_emails if email],
        "advisor": advisor,
        "department": department,
        "programmes": split_codes(raw.get("programmes")),
    }
    _triage("interactions", errors, row)
    return row


def normalize_row(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """One mapped row (its non-blank cells, from mapped()) of a companies, contacts or interactions
    file, cleaned (or RowError)."""
    if kind == "companies":
        return company_row(raw)
    if kind == "contacts":
        return contact_row(raw)
    return interaction_row(raw)
