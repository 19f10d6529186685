"""Industry codes (TOL 2008 = NACE Rev. 2, TOL 2025 = NACE Rev. 2.1) and their classification."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from crm.domain.problems import N_, Problem

CLASSIFICATIONS = ("TOL2008", "TOL2025")

_SECTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUX"  # A-U, and X for 'unknown'
# A code, optionally followed by its name: '62010', '62.01', '62.010 Ohjelmistot', 'J - Informaatio'.
_SEPARATOR = r"[\s:,;()\-\u2013\u2014]"
_CODE = re.compile(
    rf"(?:([0-9]{{2}})(?:\.?([0-9]{{1,3}}))?|([A-Za-z])){_SEPARATOR}*(?:(?<={_SEPARATOR})[^\W\d_].*)?", re.DOTALL
)
_UNKNOWN = re.compile(r"0{1,5}|00\.0{1,3}")  # '00000', the register's "industry unknown"
_EXCEL_NUMBER = re.compile(r"([0-9]{3,5})[.,]0+")  # '62010.0'; but '62.0' is the TOL group 620
_CLASSIFICATION_WORDS = {
    "TOL2008": "TOL2008", "2008": "TOL2008", "NACEREV2": "TOL2008", "NACE2": "TOL2008",
    "TOL2025": "TOL2025", "2025": "TOL2025", "NACEREV21": "TOL2025", "NACE21": "TOL2025",
}
# TOL 2008 sections by their two-digit divisions (first, last).
_TOL2008_SECTIONS = (
    ("A", 1, 3), ("B", 5, 9), ("C", 10, 33), ("D", 35, 35), ("E", 36, 39), ("F", 41, 43),
    ("G", 45, 47), ("H", 49, 53), ("I", 55, 56), ("J", 58, 63), ("K", 64, 66), ("L", 68, 68),
    ("M", 69, 75), ("N", 77, 82), ("O", 84, 84), ("P", 85, 85), ("Q", 86, 88), ("R", 90, 93),
    ("S", 94, 96), ("T", 97, 98), ("U", 99, 99),
)
_TOL2008_SECTION_OF_DIVISION = {
    division: section for section, first, last in _TOL2008_SECTIONS for division in range(first, last + 1)
}


def normalize_industry_code(raw: str | int | float | None) -> str | None:
    """The code's digits ('62.01' -> '6201') or its section letter ('j' -> 'J'); None for a blank value
    and for the register's '00000' (unknown)."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    shown = str(raw).strip()
    if not shown:
        return None
    excel = _EXCEL_NUMBER.fullmatch(shown)
    text = excel[1] if excel else shown
    if _UNKNOWN.fullmatch(text):
        return None  # the register's 00000: the industry is not known
    match = _CODE.fullmatch(text)
    if match and match[3]:
        letter = match[3].upper()
        if letter in _SECTION_LETTERS:
            return letter
    elif match and len(digits := match[1] + (match[2] or "")) <= 5:
        return digits
    if re.fullmatch(r"[0-9]{6,}", text):
        raise Problem("Industry code '%(value)s' has too many digits (at most 5)", value=shown)
    raise Problem("Industry code '%(value)s' is not a TOL code (e.g. 62010, 62.01 or J)", value=shown[:40])


def normalize_classification(raw: str | int | float | None) -> str | None:
    """'TOL2008' or 'TOL2025' from 'TOL 2008', '2025', 'NACE Rev. 2' ...; None for a blank value."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    shown = str(raw).strip()
    if not shown:
        return None
    word = re.sub(r"[\s._\-]+", "", shown).upper()
    if word not in _CLASSIFICATION_WORDS:
        raise Problem("Industry classification '%(value)s' is not recognised (use TOL 2008 or TOL 2025)",
                      value=shown[:40])
    return _CLASSIFICATION_WORDS[word]


def section_of(code: str | int | float | None, classification: str | None) -> str | None:
    """The section letter of a code: looked up for TOL 2008 digits; a letter code is its own section.

    None for a blank code, and for digits under TOL 2025 or a blank classification.
    """
    code = normalize_industry_code(code)
    classification = normalize_classification(classification)
    if code is None:
        return None
    if code.isalpha():
        return code
    if classification != "TOL2008":
        # TOL 2025 moved divisions between sections (J, K and the ones after them shift), and we
        # do not hold its division table with enough confidence to derive a letter from digits.
        return None
    if int(code[:2]) not in _TOL2008_SECTION_OF_DIVISION:
        raise Problem("Industry code '%(value)s' does not exist in TOL 2008", value=code)
    return _TOL2008_SECTION_OF_DIVISION[int(code[:2])]


def tol2008_divisions(section: str) -> list[str]:
    """The two-digit TOL 2008 divisions of a section letter ('J' -> ['58', ..., '63'])."""
    return [f"{division:02d}" for division, letter in sorted(_TOL2008_SECTION_OF_DIVISION.items())
            if letter == section]


# TOL 2008 sections by letter, in English (gettext source; Finnish and Swedish in the catalogs).
TOL2008_SECTION_NAMES = {
    "A": N_("Agriculture, forestry and fishing"),
    "B": N_("Mining and quarrying"),
    "C": N_("Manufacturing"),
    "D": N_("Electricity, gas, steam and air conditioning supply"),
    "E": N_("Water supply; sewerage, waste management and remediation activities"),
    "F": N_("Construction"),
    "G": N_("Wholesale and retail trade; repair of motor vehicles and motorcycles"),
    "H": N_("Transportation and storage"),
    "I": N_("Accommodation and food service activities"),
    "J": N_("Information and communication"),
    "K": N_("Financial and insurance activities"),
    "L": N_("Real estate activities"),
    "M": N_("Professional, scientific and technical activities"),
    "N": N_("Administrative and support service activities"),
    "O": N_("Public administration and defence; compulsory social security"),
    "P": N_("Education"),
    "Q": N_("Human health and social work activities"),
    "R": N_("Arts, entertainment and recreation"),
    "S": N_("Other service activities"),
    "T": N_("Activities of households as employers; undifferentiated goods- and services-producing activities of households for own use"),
    "U": N_("Activities of extraterritorial organisations and bodies"),
    "X": N_("Industry unknown"),
}


@dataclass(frozen=True)
class IndustryShown:
    """What a page shows of a company's industry code: '62010 Ohjelmistot · J Information and
    communication (TOL 2008)'. The section name is gettext source (pages translate it)."""

    code: str
    classification: str  # 'TOL 2008', 'TOL 2025', or '' when not known
    section: str | None  # the TOL 2008 section letter, when one is derivable
    section_name: str | None
    description: str | None  # the code's own description (the register's), in the wanted language
    description_language: str | None


def industry_shown(code: str | None, classification: str | None, language: str,
                   descriptions: dict[str, str] | None = None, *, fallback: bool = False) -> IndustryShown | None:
    """The parts of an industry code as shown to a reader of `language`; None for no code.

    The section comes from the TOL 2008 table (a TOL 2025 code has none: its divisions moved between
    sections); `descriptions` ({'fi': ..., 'sv': ..., 'en': ...}, the register's words for this very
    code) give the description in the reader's language, or with `fallback` in Finnish, Swedish or
    English when that one is missing (its language is returned, for the page's lang attribute).
    """
    if not code:
        return None
    try:
        tol = normalize_classification(classification)
    except Problem:
        tol = None
    try:
        section = section_of(code, tol)
    except Problem:  # a code the table does not hold (a stored value from before the rules)
        section = None
    descriptions = {key: value for key, value in (descriptions or {}).items() if isinstance(value, str) and value}
    order = [language, *(("fi", "sv", "en") if fallback else ())]
    described = next((name for name in order if descriptions.get(name)), None)
    return IndustryShown(
        code=code,
        classification=tol.replace("TOL", "TOL ") if tol else "",
        section=section,
        section_name=TOL2008_SECTION_NAMES.get(section) if section else None,
        description=descriptions.get(described) if described else None,
        description_language=described,
    )
