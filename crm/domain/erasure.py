"""An erased person's copies outside the contact record: rows of a department's file (an import's
row errors, a stored upload) and messages that quote them. Pure rules, no I/O.

A row is the person's when one of its cells holds their e-mail address, their phone number
(written any way), or their first and last name (in two cells, or one). In such a row every cell
holding one of their values is replaced; messages lose the values wherever they appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import phonenumbers

from crm.domain.names import fold

ERASED = "(erased)"
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "title")
_NOT_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class Person:
    emails: frozenset[str]  # lower-case
    phones: frozenset[str]  # national significant numbers ("401234567")
    names: frozenset[tuple[str, str]]  # folded (first, last)
    values: tuple[str, ...]  # every value as stored, longest first: what is replaced
    last_names: frozenset[str]  # as stored

    def search_terms(self) -> list[str]:
        """Short strings every copy of the person's row holds one of, for a database to preselect
        rows with (the rules here decide): e-mails, last names as written, a phone's last four digits."""
        terms = set(self.emails) | {phone[-4:] for phone in self.phones} | set(self.last_names)
        return sorted(term for term in terms if len(term) >= 2)


def person(versions: Iterable[Mapping[str, Any]]) -> Person:
    """The person as they are and as they were (their earlier values from the record's history)."""
    emails, phones, names, values, last_names = set(), set(), set(), set(), set()
    for version in versions:
        email = str(version.get("email") or "").strip().lower()
        if email:
            emails.add(email)
        phone = _national(version.get("phone"))
        if phone:
            phones.add(phone)
        first, last = fold(str(version.get("first_name") or "")), fold(str(version.get("last_name") or ""))
        if first and last:
            names.add((first, last))
            last_names.add(str(version["last_name"]).strip())
        for name in PERSONAL_FIELDS:
            value = str(version.get(name) or "").strip()
            if value and value != ERASED:
                values.add(value)
    return Person(frozenset(emails), frozenset(phones), frozenset(names),
                  tuple(sorted(values, key=len, reverse=True)), frozenset(last_names))


def _national(phone: Any) -> str:
    text = str(phone or "").strip()
    if not text:
        return ""
    try:
        return str(phonenumbers.parse(text, "FI").national_number)
    except phonenumbers.NumberParseException:
        return ""


def _same_phone(cell: str, phones: frozenset[str]) -> bool:
    digits = _NOT_DIGIT.sub("", cell)
    return len(digits) >= 6 and any(digits.endswith(phone) and len(digits) - len(phone) <= 4 for phone in phones)


def holds_person(cells: Iterable[Any], who: Person) -> bool:
    texts = [str(cell) for cell in cells if cell not in (None, "")]
    lowered = [text.lower() for text in texts]
    if any(email in text for email in who.emails for text in lowered):
        return True
    if who.phones and any(_same_phone(text, who.phones) for text in texts):
        return True
    if who.names:
        folded = {fold(text) for text in texts}
        for first, last in who.names:
            if (first in folded and last in folded) or f"{first} {last}" in folded or f"{last} {first}" in folded:
                return True
    return False


def scrub_cells(cells: list[Any], who: Person) -> list[Any]:
    """The row with every cell that holds one of the person's values replaced."""
    return [ERASED if cell not in (None, "") and _names_person(str(cell), who) else cell for cell in cells]


def _names_person(cell: str, who: Person) -> bool:
    lowered, folded = cell.lower(), fold(cell)
    return (any(email in lowered for email in who.emails) or _same_phone(cell, who.phones)
            or any(folded in (first, last, f"{first} {last}", f"{last} {first}") for first, last in who.names)
            or any(value.lower() == lowered.strip() for value in who.values))


def mentions_person(text: str, who: Person) -> bool:
    """A message (a row's reason, a batch's message) that quotes the person's e-mail, phone or name."""
    lowered, folded, digits = text.lower(), fold(text), _NOT_DIGIT.sub("", text)
    return (any(email in lowered for email in who.emails) or any(phone in digits for phone in who.phones)
            or any(f"{first} {last}" in folded or f"{last} {first}" in folded for first, last in who.names))


def scrub_text(text: str, who: Person) -> str:
    """A message without the person's values (e-mail, names, phone, title) wherever they appear."""
    for value in who.values:
        text = re.sub(re.escape(value), ERASED, text, flags=re.IGNORECASE)
    return text
