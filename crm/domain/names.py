"""Matching keys and search text: case, diacritics, punctuation and legal forms folded away."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Any, Mapping

# Legal-form words dropped from company names, after folding (so 'Oyj.' and 'OYJ' both match).
LEGAL_FORMS = frozenset(
    "oy oyj ab abp ky kb tmi ay osk ry rf ltd limited inc gmbh as sr plc llc co".split()
)
NAME_KEY_LENGTH = 300  # keys are for matching: folding may lengthen a name (ß -> ss), so they are clipped
PERSON_KEY_LENGTH = 200
_LETTER = r"[^\W\d_]"
_DOTTED_ABBREVIATION = re.compile(rf"(?<!\w){_LETTER}(?:\.{_LETTER})+(?!\w)")  # o.y. -> oy
_NOT_ALNUM = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


@functools.lru_cache(maxsize=64)  # a company's name is folded for its key and again for its search text
def fold(text: str) -> str:
    """Lower-case letters and digits without diacritics, words separated by single spaces."""
    if not text.isascii():  # ASCII needs no Unicode normalisation (the common case, and the fast one)
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
        text = _COMBINING.sub("", text)
        if any(unicodedata.combining(char) for char in text):  # marks outside the usual blocks
            text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(_NOT_ALNUM.sub(" ", text.casefold()).split())


def name_key(name: str | int | float | None) -> str | None:
    """Key for matching company names: 'Oy Karl Fazer Ab' and 'karl fazer' share one."""
    if _is_blank(name):
        return None
    text = str(name)
    if "." in text:
        text = _DOTTED_ABBREVIATION.sub(lambda match: match[0].replace(".", ""), text)
    words = fold(text).split()
    kept = [word for word in words if word not in LEGAL_FORMS] or words  # 'Oy Ab' keeps its name
    return " ".join(kept)[:NAME_KEY_LENGTH] or None


def person_key(first_name: str | None, last_name: str | None) -> str | None:
    """Key for matching people by name: folded 'first last'; None when both are blank."""
    key = " ".join(fold(str(part)) for part in (first_name, last_name) if not _is_blank(part)).strip()
    return key[:PERSON_KEY_LENGTH] or None


def search_text(*parts: str | int | float | None) -> str:
    """Folded text of all non-blank parts, for the search index."""
    return " ".join(folded for part in parts if not _is_blank(part) and (folded := fold(str(part))))


def company_search_text(values: Mapping[str, Any]) -> str:
    """What the search index holds for a company: its names and Business ID, folded."""
    return search_text(values.get("name"), values.get("other_names"), values.get("business_id"))


def _is_blank(raw: object) -> bool:
    """None, NaN and whitespace-only text mean an empty field."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return True
    return isinstance(raw, str) and not raw.strip()
