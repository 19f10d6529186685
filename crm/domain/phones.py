"""Phone numbers: stored as E.164 (+358401234567), shown in international format."""

from __future__ import annotations

import math
import re

import phonenumbers

from crm.domain.problems import Problem

_EXCEL_NUMBER = re.compile(r"(\+?[0-9]+)[.,]0+")
_DIGITS_ONLY = re.compile(r"[1-9][0-9]*")


def normalize_phone(raw: str | int | float | None, region: str = "FI") -> str | None:
    """E.164 form of a phone number written in any usual way; None for a blank value.

    National numbers are read in `region`. A plain number from Excel that lost its '+'
    (358401234567) or its leading zero (401234567) is understood too.
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    shown = str(raw).strip()
    if not shown:
        return None
    text = match[1] if (match := _EXCEL_NUMBER.fullmatch(shown)) else shown
    region = (region or "FI").strip().upper()
    for candidate in _readings(text, region):
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            if number.extension:
                raise Problem("Phone number '%(value)s' has an extension, which cannot be stored", value=shown)
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise Problem("Phone number '%(value)s' is not a valid phone number", value=shown[:40])


def format_phone(e164: str | None) -> str:
    """Readable international form (+358 40 1234567); '' for None; unparseable text as it is."""
    if e164 is None or not str(e164).strip():
        return ""
    try:
        number = phonenumbers.parse(str(e164), None)
    except phonenumbers.NumberParseException:
        return str(e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _readings(text: str, region: str) -> list[str]:
    """Ways to read the text: as written, and for bare digits also with a '+' in front.

    Bare digits starting with the region's own country code (358...) most likely lost a '+'
    in Excel, so that reading comes first.
    """
    if not _DIGITS_ONLY.fullmatch(text):
        return [text]
    with_plus = "+" + text
    if text.startswith(str(phonenumbers.country_code_for_region(region))):
        return [with_plus, text]
    return [text, with_plus]
