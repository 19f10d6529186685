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
# The characters a placeholder can start with, in either case: a cell starting with another (a digit:
# a Business ID, a postal code, a code) is no placeholder, told without folding it.
PLACEHOLDER_FIRST = _FIRST = frozenset(char for word in PLACEHOLDERS for char in {word[0], word[0].upper()})


def is_placeholder(value: str) -> bool:
    """True for a stripped cell that means "nothing" ('N/A', 'ei tiedossa', 'Osoitetta ei löydy').
    Called for every cell of a file: one case fold and one set lookup for most (the set holds each
    word with and without its diacritics, so the cell's need not be taken off)."""
    if value[0] not in _FIRST or len(value) > _LONGEST + 8:  # longer than any, even with spaces doubled
        return False
    folded = value.casefold()
    if folded in PLACEHOLDERS:
        return True
    if "  " in folded or "\t" in folded or "\n" in folded:
        return " ".join(folded.split()) in PLACEHOLDERS
    return False
