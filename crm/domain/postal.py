"""Postal codes: Finnish ones are five digits kept as text (Excel drops the leading zero)."""

from __future__ import annotations

import math
import re

from crm.domain.problems import Problem

ESPOO_MUNICIPALITY_CODE = "049"

# Åland (AX) uses the Finnish postal code system.
_FINNISH = frozenset({"FI", "FIN", "FINLAND", "SUOMI", "AX", "ALA"})
_EXCEL_NUMBER = re.compile(r"([0-9]+)[.,]0+")
_MAX_FOREIGN_LENGTH = 12


def normalize_postal_code(raw: str | int | float | None, country: str | None = "FI") -> str | None:
    """Finnish postal code as 5 digits of text (2150 -> '02150'); other countries' text as given."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if not text:
        return None
    if country is not None and country.strip() and country.strip().upper() not in _FINNISH:
        if len(text) > _MAX_FOREIGN_LENGTH:
            raise Problem("Postal code '%(value)s' is too long (at most %(limit)s characters)", value=text[:40],
                          limit=_MAX_FOREIGN_LENGTH)
        return text
    digits = text
    if digits.upper().startswith("FI-"):  # the international address form FI-02150
        digits = digits[3:]
    if match := _EXCEL_NUMBER.fullmatch(digits):
        digits = match[1]
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (4, 5):
        raise Problem("Postal code '%(value)s' is not a Finnish postal code (5 digits, e.g. 02100)", value=text[:40])
    return digits.zfill(5)


def _espoo_postal_codes() -> frozenset[str]:
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "espoo_postal_codes.csv"
    with path.open(encoding="utf-8") as handle:
        return frozenset(row["postal_code"].strip() for row in csv.DictReader(handle, delimiter=";"))


# Postal code -> municipality code, where the reference data (crm/domain/data/) knows it: Espoo's
# codes (02700 is Kauniainen, a municipality of its own, and is not among them).
MUNICIPALITY_BY_POSTAL_CODE = {code: ESPOO_MUNICIPALITY_CODE for code in _espoo_postal_codes()}


def municipality_of(postal_code: str | None) -> str | None:
    """The municipality code of a Finnish postal code ('02150' -> '049'), None when unknown."""
    return MUNICIPALITY_BY_POSTAL_CODE.get(postal_code or "")
