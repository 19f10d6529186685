"""E-mail addresses: validated and lower-cased, because contacts are matched by e-mail."""

from __future__ import annotations

import math

from email_validator import EmailNotValidError, validate_email

from crm.domain.problems import Problem


def normalize_email(raw: str | int | float | None) -> str | None:
    """The normalised address, all lower-case; None for a blank value."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = str(raw).strip()
    if not text:
        return None
    try:
        address = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Problem("E-mail address '%(value)s' is not valid", value=text[:80]) from None
    return address.lower()
