"""Calendar periods the reports count by: a month ('2026-04'), a quarter ('2026-Q2'), a year ('2026')."""

from __future__ import annotations

import datetime as dt

QUARTERS = ((1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12))


def periods_of_day(day: dt.date) -> list[str]:
    """The calendar periods holding the day: ['2026-10', '2026-Q4', '2026']."""
    return [f"{day.year}-{day.month:02d}", f"{day.year}-Q{(day.month - 1) // 3 + 1}", str(day.year)]


def period_of(first: dt.date | None, last: dt.date | None) -> str | None:
    """'2026', '2026-Q2' or '2026-04' when first..last is exactly that calendar period, else None."""
    if first is None or last is None or first.day != 1 or first.year != last.year:
        return None
    end = month_end(last)
    if last != end:
        return None
    if first.month == 1 and last.month == 12:
        return str(first.year)
    if first.month == last.month:
        return f"{first.year}-{first.month:02d}"
    if (first.month - 1) % 3 == 0 and last.month == first.month + 2:
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    return None


def month_end(day: dt.date) -> dt.date:
    """The last day of the day's month."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def period_masks(year: int, masks: tuple[int, ...]) -> dict[str, int]:
    """A company_year row's masks per calendar period it is held in."""
    result = {f"{year}-{month:02d}": mask for month, mask in enumerate(masks, 1) if mask}
    for quarter, months in enumerate(QUARTERS, 1):
        if mask := masks[months[0] - 1] | masks[months[1] - 1] | masks[months[2] - 1]:
            result[f"{year}-Q{quarter}"] = mask
    whole = 0
    for mask in masks:
        whole |= mask
    if whole:
        result[str(year)] = whole
    return result
