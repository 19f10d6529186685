"""Calendar periods the reports count by: a month ('2026-04'), a quarter ('2026-Q2'), a year ('2026')."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Split:
    """A range of days as its whole months, a year at a time, and the days at either end that make
    no whole month. Counting a range reads the year with the most whole months (`base`) as it is
    stored, then merges the rest into it."""

    months: tuple[tuple[int, range], ...] = ()  # (year, its whole months), oldest first
    days: tuple[tuple[dt.date, dt.date], ...] = ()  # (first, last) before the first whole month and after the last

    @property
    def base(self) -> tuple[int, range] | None:
        return max(self.months, key=lambda part: len(part[1])) if self.months else None

    @property
    def others(self) -> tuple[tuple[int, range], ...]:
        return tuple(part for part in self.months if part != self.base)


def split(first: dt.date, last: dt.date) -> Split:
    """first..last (first <= last) as whole months and the days around them."""
    whole_from = first if first.day == 1 else month_end(first) + dt.timedelta(days=1)
    whole_to = last if last == month_end(last) else last.replace(day=1) - dt.timedelta(days=1)
    if whole_from > whole_to:  # not one whole month: the days themselves
        return Split(days=((first, last),))
    days = []
    if first < whole_from:
        days.append((first, whole_from - dt.timedelta(days=1)))
    if whole_to < last:
        days.append((whole_to + dt.timedelta(days=1), last))
    months = tuple((year, range(whole_from.month if year == whole_from.year else 1,
                                (whole_to.month if year == whole_to.year else 12) + 1))
                   for year in range(whole_from.year, whole_to.year + 1))
    return Split(months, tuple(days))
