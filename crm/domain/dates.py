"""Dates and yes/no flags as people and spreadsheets write them."""

from __future__ import annotations

import datetime as dt
import math
import re

from crm.domain.names import fold
from crm.domain.problems import Problem

_EXCEL_DAY_ZERO = dt.date(1899, 12, 30)  # Excel's 1900 date system, after its 1900 leap-year bug
_EXCEL_SERIAL_RANGE = (20000, 80000)  # 3.10.1954 - 11.1.2119: anything else is not a date cell
_TIME = r"(?:[ T]+(?:klo\s*)?\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_FINNISH = re.compile(rf"(\d{{1,2}})\.\s*(\d{{1,2}})\.\s*(\d{{4}})\.?{_TIME}")
_ISO = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}")
_SERIAL = re.compile(r"\d{5}(?:[.,]\d+)?")
_NO_YEAR = re.compile(r"\d{1,2}\.\d{1,2}\.?")
_SHORT_YEAR = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2}")

_TRUE = frozenset({"1", "1.0", "x", "yes", "y", "true", "kylla", "k", "ja", "on", "✓", "✔"})
_FALSE = frozenset({"0", "0.0", "no", "n", "false", "ei", "e", "nej", "off"})


def parse_date(raw: object) -> dt.date | None:
    """A date from d.m.yyyy, yyyy-mm-dd, a date/datetime/Timestamp or an Excel serial number."""
    if _is_missing(raw):
        return None
    if isinstance(raw, dt.datetime) or (not isinstance(raw, dt.date) and callable(getattr(raw, "date", None))):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise Problem("Date '%(value)s' is not a date (use d.m.yyyy or yyyy-mm-dd)", value=raw)
    if isinstance(raw, (int, float)):
        return _from_excel_serial(raw, str(raw))
    text = str(raw).strip()
    if not text:
        return None
    if match := _FINNISH.fullmatch(text):
        day, month, year = match.groups()
    elif match := _ISO.fullmatch(text):
        year, month, day = match.groups()
    elif _SERIAL.fullmatch(text):
        return _from_excel_serial(float(text.replace(",", ".")), text)
    elif _NO_YEAR.fullmatch(text):
        raise Problem("Date '%(value)s' has no year (use d.m.yyyy)", value=text)
    elif _SHORT_YEAR.fullmatch(text):
        raise Problem("Date '%(value)s' needs a four-digit year (use d.m.yyyy)", value=text)
    else:
        raise Problem("Date '%(value)s' is not a date (use d.m.yyyy or yyyy-mm-dd)", value=text[:40])
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise Problem("Date '%(value)s' does not exist", value=text) from None


def parse_bool(raw: str | int | float | None) -> bool | None:
    """A yes/no flag: 1, x, yes, kyllä, ja, ✓ ... or 0, no, ei, nej ...; None for a blank value."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if not text:
        return None
    for word in (text.casefold(), fold(text)):  # '✓' and '1.0' as written; 'Kyllä' as 'kylla'
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise Problem("'%(value)s' is not a yes/no value (use yes or no, 1 or 0)", value=text[:40])


def _is_missing(raw: object) -> bool:
    """None, NaN, and pandas' NaT and NA: an empty cell."""
    return raw is None or (isinstance(raw, float) and math.isnan(raw)) or type(raw).__name__ in ("NaTType", "NAType")


def _from_excel_serial(serial: float, shown: str) -> dt.date:
    """The date of an Excel serial day number (a fraction is the time of day)."""
    if math.isinf(serial) or not _EXCEL_SERIAL_RANGE[0] <= serial < _EXCEL_SERIAL_RANGE[1] + 1:
        raise Problem("Date '%(value)s' is not a date (use d.m.yyyy or yyyy-mm-dd)", value=shown)
    return _EXCEL_DAY_ZERO + dt.timedelta(days=int(serial))
