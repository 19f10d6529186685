"""How the study counts a company (SPEC §9): the bit of each department that holds it, and the
industry section and place it is counted under."""

from __future__ import annotations

import functools

from crm.domain.industry import section_of
from crm.domain.postal import ESPOO_MUNICIPALITY_CODE


def bit(department_id: int | None) -> int:
    return 1 << (department_id - 1) if department_id else 0


@functools.lru_cache(maxsize=4096)
def _section(code: str, classification: str) -> str:
    try:
        section = section_of(code, classification) if code else None
    except ValueError:
        section = None
    return f"{classification or 'TOL2008'}:{section}" if section and section != "X" else ""


def study_key(company: dict) -> tuple[str, str]:
    """(section, place) a company is counted under: ('TOL2008:J', 'espoo'); '' for no known section."""
    code = company.get("municipality_code") or ""
    place = "espoo" if code == ESPOO_MUNICIPALITY_CODE else "other" if code else "unknown"
    return _section(company.get("industry_code") or "", company.get("industry_classification") or ""), place
