"""Finnish Business ID (Y-tunnus): check digit and normalisation to `NNNNNNN-C`."""

from __future__ import annotations

import math
import re
import unicodedata

from crm.domain.problems import Problem

# Check digit weights 7, 9, 10, 5, 8, 4, 2 (sum 45), applied in business_id_check_digit.
_BODY = re.compile(r"[0-9]{7}")
_CANONICAL = re.compile(r"([0-9]{7})-([0-9])")
_WITH_HYPHEN = re.compile(r"([0-9]+)-([0-9])")
_DIGITS = re.compile(r"([0-9]+)(?:[.,]0+)?")  # a trailing ".0" is what Excel does to numbers
# Hyphen look-alikes (en dash, em dash, minus sign ...) become '-'; invisible characters go.
_CLEAN = str.maketrans(
    {
        **{dash: "-" for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
        **{invisible: None for invisible in "\u00ad\u200b\u200c\u200d\u2060\ufeff"},
    }
)


def business_id_check_digit(body: str) -> int | None:
    """Check digit for a 7-digit body; None when no Business ID is ever issued with this body."""
    if not isinstance(body, str) or not _BODY.fullmatch(body):
        raise ValueError(f"Business ID body '{body}' must be exactly 7 digits")
    b = body.encode()  # digits' code points minus 48 times the weights' sum (45): one expression, fast
    remainder = (7 * b[0] + 9 * b[1] + 10 * b[2] + 5 * b[3] + 8 * b[4] + 4 * b[5] + 2 * b[6] - 48 * 45) % 11
    if remainder == 1:
        return None
    return 0 if remainder == 0 else 11 - remainder


def is_valid_business_id(value: str) -> bool:
    """True for a Business ID in canonical form `NNNNNNN-C` with the right check digit."""
    match = _CANONICAL.fullmatch(value) if isinstance(value, str) else None
    return bool(match) and business_id_check_digit(match[1]) == int(match[2])


def business_id_in(text: str) -> str | None:
    """The Business ID a search box or reference holds in any written form, else None (no error):
    'nokia' and '123' are not Business IDs, '01120389' is."""
    if not any(char.isdigit() for char in text):
        return None
    try:
        return normalize_business_id(text)
    except ValueError:
        return None


def normalize_business_id(raw: str | int | float | None) -> str | None:
    """Canonical `NNNNNNN-C` from the forms people and Excel write; None for a blank value.

    Accepts spaces, a missing hyphen, lost leading zeros (at least 6 digits must remain),
    Excel numbers (1120389.0), dash look-alikes and the VAT form FI01120389.
    A wrong check digit is an error, never corrected.
    """
    if type(raw) is str and (match := _CANONICAL.fullmatch(raw)):  # already canonical: just check it
        expected = business_id_check_digit(match[1])
        if expected is not None and expected == int(match[2]):
            return raw
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    shown = str(raw).strip()
    if not shown:
        return None
    text = "".join(unicodedata.normalize("NFKC", shown).translate(_CLEAN).split()).upper()
    if text.startswith("FI"):
        text = text[2:]
    if match := _WITH_HYPHEN.fullmatch(text):
        body, check = match[1], match[2]
    elif match := _DIGITS.fullmatch(text):
        body, check = match[1][:-1], match[1][-1]
    else:
        raise Problem("'%(value)s' is not a Business ID (use the form 1234567-8)", value=shown[:40])
    if len(body) > 7:
        raise Problem("'%(value)s' is not a Business ID: it has too many digits", value=shown[:40])
    if len(body) + 1 < 6:
        raise Problem("'%(value)s' is not a Business ID: it has too few digits", value=shown[:40])
    body = body.zfill(7)
    expected = business_id_check_digit(body)
    if expected is None:
        raise Problem("Business ID '%(value)s': no valid Business ID has this number", value=shown)
    if expected != int(check):
        raise Problem("Business ID '%(value)s': wrong check digit", value=shown)
    return f"{body}-{check}"

