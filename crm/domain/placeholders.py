"""Cell values that mean "nothing" ('Verkkosivuja ei löydy', 'Osoitetta ei löydy', '-', 'N/A',
'saknas' ...): an import reads them as a blank cell. The words are in one data file,
crm/domain/data/placeholders.csv, in Finnish, Swedish and English."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "placeholders.csv"


def _plain(text: str) -> str:
    """Case and runs of spaces folded; diacritics kept ('löydy'), the variant without them added below."""
    return " ".join(text.casefold().split())


def _without_diacritics(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def _load() -> frozenset[str]:
    words: set[str] = set()
    with DATA_FILE.open(encoding="utf-8") as handle:
        for row in csv.reader((line for line in handle if line.strip() and not line.startswith("#")), delimiter=";"):
            if len(row) < 2 or row[0] == "language":
                continue
            word = _plain(row[1])
            words.update({word, _without_diacritics(word)})
    return frozenset(words)


PLACEHOLDERS = _load()
_LONGEST = max(map(len, PLACEHOLDERS))


def is_placeholder(value: str) -> bool:
    """True for a stripped cell that means "nothing" ('N/A', 'ei tiedossa', 'Osoitetta ei löydy')."""
    if len(value) > _LONGEST + 8:  # the common case: a real value, longer than any placeholder
        return False
    folded = value.casefold()
    if folded in PLACEHOLDERS:
        return True
    folded = _plain(folded)
    return folded in PLACEHOLDERS or _without_diacritics(folded) in PLACEHOLDERS
