"""Combined addresses split into street, postal code and city, pure.

Department files often hold the whole address in one cell: 'Tekniikantie 14, 02150 Espoo',
'Katu 1 A 2, FI-02150 ESPOO', 'PL 12, 00101 Helsinki', 'Otsvängen 1, 02150 Esbo', '02150 Espoo',
'Tekniikantie 14\\n02150 Espoo', 'Tekniikantie 14, 02150 Espoo, Finland'. A cell without a Finnish
postal code in it is a street as written.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A Finnish postal code: five digits, optionally 'FI-' before them, standing on their own (not the
# digits of '1234567-8' or of a longer number).
_POSTAL = re.compile(r"(?<![\w-])(?:FI\s*-?\s*)?(\d{5})(?![\w-])", re.IGNORECASE)
_COUNTRY = re.compile(r"[,\s]+(?:finland|suomi|fi|fin)\s*\.?$", re.IGNORECASE)
_CITY = re.compile(r"[^\W\d_][^\W\d_\s.'-]*(?:[\s'-]+[^\W\d_][^\W\d_\s.'-]*){0,3}")
_SEPARATORS = " ,;\n\r\t"


class Address(NamedTuple):
    street: str
    postal_code: str
    city: str


def _city(text: str) -> str:
    """'ESPOO' -> 'Espoo' (a city written in capitals); 'Espoo' and 'Helsingfors' as written."""
    text = " ".join(text.split())
    return text.title() if text.isupper() else text


def split_address(raw: str) -> Address | None:
    """('Tekniikantie 14', '02150', 'Espoo') from 'Tekniikantie 14, 02150 Espoo'; None when the text
    holds no postal code followed by nothing but a city (it is then a street as written)."""
    text = _COUNTRY.sub("", raw.strip()).strip(_SEPARATORS)  # the street keeps its own line breaks
    matches = list(_POSTAL.finditer(text))
    if not matches:
        return None
    match = matches[-1]  # the postal code comes after the street, whose number may be 5 digits too
    rest = text[match.end():].strip(_SEPARATORS)
    if rest and not _CITY.fullmatch(rest):
        return None  # something other than a city follows: not an address shape we know
    before = text[:match.start()]
    street = before.strip(_SEPARATORS)
    if not rest and street and before.rstrip(" ")[-1:] not in (",", ";", "\n", "\r"):
        return None  # 'Postbox 12345': a number at the end, not a postal code before a city
    return Address(street=street, postal_code=match[1], city=_city(rest))
