"""Clean one record's raw values (from a form or an import row) with the field rules.

`clean_*` take a mapping of field -> raw value and return (clean values, errors by field).
Only the fields present are cleaned, so the same function serves a create and a partial
update. Nothing here touches the database: looking up advisors, programmes and companies is
the caller's job.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any, Callable, Mapping

from crm.domain.dates import parse_bool, parse_date
from crm.domain.emails import normalize_email
from crm.domain.industry import normalize_classification, normalize_industry_code
from crm.domain import labels
from crm.domain.kinds import parse_kind
from crm.domain.names import name_key
from crm.domain.phones import normalize_phone
from crm.domain.postal import ESPOO_MUNICIPALITY_CODE, normalize_postal_code
from crm.domain.problems import N_, Problem, rule_message
from crm.domain.ytunnus import normalize_business_id

Errors = dict[str, str]  # often a Message: English text that the web shows in the user's language

TOO_LONG = N_("is %(length)s characters long; at most %(limit)s fit")
FIELD_TOO_LONG = N_("%(field)s is %(length)s characters long; at most %(limit)s fit")


def text(raw: Any, max_length: int | None = None) -> str:
    """Plain text: stripped, NUL bytes removed (PostgreSQL text cannot hold them), blank -> ''."""
    if type(raw) is str:  # the common case first
        value = raw.strip()
        if "\x00" in value:
            value = value.replace("\x00", "").strip()
        if max_length is not None and len(value) > max_length:
            raise Problem(TOO_LONG, length=len(value), limit=max_length)
        return value
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = str(raw).replace("\x00", "").strip()
    if max_length is not None and len(value) > max_length:
        raise Problem(TOO_LONG, length=len(value), limit=max_length)
    return value


def _repeated(rule: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """For fields whose values repeat (a city, a company form, a kind word): each distinct value is
    worked out once. An import of a million rows holds a few hundred of them."""
    cached = functools.lru_cache(maxsize=4096)(rule)

    def apply(raw: Any) -> Any:
        try:
            return cached(raw)
        except TypeError:  # an unhashable value
            return rule(raw)

    return apply


def _limited(max_length: int) -> Callable[[Any], str]:
    return lambda raw: text(raw, max_length)


def _required(rule: Callable[[Any], Any], what: str) -> Callable[[Any], Any]:
    def check(raw: Any) -> Any:
        value = rule(raw)
        if value in (None, ""):
            raise Problem("%(what)s is required", what=what)
        return value

    return check


def _or_empty(rule: Callable[[Any], str | None]) -> Callable[[Any], str]:
    return lambda raw: rule(raw) or ""


def _names(raw: Any) -> str:
    """Other names: a list, or text with one name per line or separated by ';'."""
    items = raw if isinstance(raw, (list, tuple)) else re.split(r"[\n;]", text(raw))
    names = [text(item, 300) for item in items]
    return "\n".join(name for name in names if name)


def _one_of(words: Mapping[str, str], what: str) -> Callable[[Any], str | None]:
    def parse(raw: Any) -> str | None:
        value = text(raw).casefold()
        if not value:
            return None
        if value not in words:
            raise Problem("%(what)s '%(value)s' is not recognised", what=what, value=text(raw)[:40])
        return words[value]

    return parse


def _country(raw: Any) -> str:
    value = text(raw).upper()
    if not value:
        return "FI"
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise Problem("Country '%(value)s' is not a two-letter code such as FI or SE", value=text(raw)[:40])
    return value


def _municipality_code(raw: Any) -> str:
    value = text(raw)
    if isinstance(raw, (int, float)) or value.isdigit():
        value = value.split(".")[0].zfill(3)
    if value and not re.fullmatch(r"\d{3}", value):
        raise Problem("Municipality code '%(value)s' is not three digits", value=value[:40])
    return value


def _website(raw: Any) -> str:
    value = text(raw)
    if value and not re.match(r"^https?://", value, re.IGNORECASE):
        if " " in value or "." not in value:
            raise Problem("Website '%(value)s' is not a web address", value=value[:80])
        value = "https://" + value
    if len(value) > 300:
        raise Problem(TOO_LONG, length=len(value), limit=300)
    return value


COMPANY_STATUS_WORDS = {
    word: status
    for status, words in {
        "active": ("active", "aktiivinen", "toiminnassa", "aktiv", "1"),
        "ceased": ("ceased", "lakannut", "lopettanut", "upphört", "upphörd", "inactive", "0"),
    }.items()
    for word in words
}

LANGUAGE_WORDS = {
    word: language
    for language, words in {
        "fi": ("fi", "fin", "suomi", "finnish", "finska", "suomeksi"),
        "sv": ("sv", "swe", "ruotsi", "swedish", "svenska", "ruotsiksi", "se"),
        "en": ("en", "eng", "englanti", "english", "engelska", "englanniksi"),
        "other": ("other", "muu", "annat", "annan"),
    }.items()
    for word in words
}

COMPANY_RULES: dict[str, Callable[[Any], Any]] = {
    "business_id": normalize_business_id,
    "name": _required(_limited(300), N_("Company name")),
    "other_names": _names,
    "company_form": _repeated(_limited(100)),
    "industry_code": _repeated(_or_empty(normalize_industry_code)),
    "industry_classification": _repeated(_or_empty(normalize_classification)),
    "size_class": _repeated(_limited(20)),
    "website": _website,
    "street": _limited(300),
    "city": _repeated(_limited(100)),
    "municipality_code": _repeated(_municipality_code),
    "country": _repeated(_country),
    "status": _repeated(_one_of(COMPANY_STATUS_WORDS, N_("Status"))),
    "responsible_advisor": _repeated(_or_empty(normalize_email)),
    "notes": _limited(20_000),
}

CONTACT_RULES: dict[str, Callable[[Any], Any]] = {
    "first_name": _limited(100),
    "last_name": _limited(100),
    "email": normalize_email,
    "phone": _or_empty(normalize_phone),
    "title": _repeated(_limited(200)),
    "language": _repeated(_one_of(LANGUAGE_WORDS, N_("Language"))),
}

INTERACTION_RULES: dict[str, Callable[[Any], Any]] = {
    "date": _repeated(_required(parse_date, N_("Date"))),
    "kind": _repeated(_required(parse_kind, N_("Kind"))),
    "subject": _limited(300),
    "notes": _limited(20_000),
    "follow_up_date": _repeated(parse_date),
    "follow_up_done": _repeated(lambda raw: bool(parse_bool(raw))),
    "confidential": _repeated(lambda raw: bool(parse_bool(raw))),
}


LABELS = labels.FIELDS


def _apply(rules: Mapping[str, Callable[[Any], Any]], raw: Mapping[str, Any]) -> tuple[dict, Errors]:
    clean: dict[str, Any] = {}
    errors: Errors = {}
    for field, rule in rules.items():
        if field not in raw:
            continue
        try:
            clean[field] = rule(raw[field])
        except ValueError as error:
            text_of_error = str(error)
            if getattr(text_of_error, "template", None) == TOO_LONG:  # from text(): say which field
                text_of_error = rule_message(FIELD_TOO_LONG, field=LABELS.get(field, field), **text_of_error.params)
            errors[field] = text_of_error
    return clean, errors


@functools.lru_cache(maxsize=4096)
def _postal_code(raw: Any, country: str) -> str:
    return normalize_postal_code(raw, country) or ""


def clean_company(raw: Mapping[str, Any], *, creating: bool) -> tuple[dict, Errors]:
    """Company fields; postal code is checked against the country; name_key and defaults follow."""
    clean, errors = _apply(COMPANY_RULES, raw)
    if creating and "name" not in raw:
        errors["name"] = rule_message("%(what)s is required", what=LABELS["name"])
    if "postal_code" in raw:
        try:
            clean["postal_code"] = _postal_code(raw["postal_code"], clean.get("country", "FI"))
        except ValueError as error:
            errors["postal_code"] = str(error)
    if "status" in clean and clean["status"] is None:
        clean["status"] = "active"
    if creating and not clean.get("municipality_code") and text(raw.get("city")).casefold() in ("espoo", "esbo"):
        clean["municipality_code"] = ESPOO_MUNICIPALITY_CODE
    if clean.get("name"):
        clean["name_key"] = name_key(clean["name"]) or ""
    return clean, errors


def with_new_company_defaults(values: dict) -> dict:
    """Defaults a new company gets: an industry code without its classification is TOL 2008,
    since department spreadsheets predate the register's switch to TOL 2025 on 1.1.2026."""
    if values.get("industry_code") and not values.get("industry_classification"):
        return {**values, "industry_classification": "TOL2008"}
    return values


def clean_contact(raw: Mapping[str, Any], *, creating: bool) -> tuple[dict, Errors]:
    clean, errors = _apply(CONTACT_RULES, raw)
    if "language" in clean and clean["language"] is None:
        clean["language"] = "fi"
    if creating and not (clean.get("first_name") or clean.get("last_name")) and "last_name" not in errors:
        errors["last_name"] = rule_message("A contact needs a name")
    return clean, errors


def clean_interaction(raw: Mapping[str, Any], *, creating: bool) -> tuple[dict, Errors]:
    clean, errors = _apply(INTERACTION_RULES, raw)
    for field, what in (("date", N_("Date")), ("kind", N_("Kind"))):
        if creating and field not in raw:
            errors[field] = rule_message("%(what)s is required", what=what)
    return clean, errors


FUTURE_LIMIT_DAYS = 366  # an interaction is logged after it happened, or for one planned within a year


def interaction_sense(clean: Mapping[str, Any], *, today: Any) -> Errors:
    """What a person logging or correcting an interaction by hand must not get wrong (imports keep
    their own rules): a follow-up before the interaction, a date more than a year ahead, nothing said."""
    errors: Errors = {}
    day, follow_up = clean.get("date"), clean.get("follow_up_date")
    if day is not None and (day - today).days > FUTURE_LIMIT_DAYS:
        errors["date"] = rule_message("The date is more than a year ahead")
    if day is not None and follow_up is not None and follow_up < day:
        errors["follow_up_date"] = rule_message("The follow-up date is before the interaction's date")
    if not (clean.get("subject") or "").strip() and not (clean.get("notes") or "").strip():
        errors["subject"] = rule_message("Write a subject or notes")
    return errors
