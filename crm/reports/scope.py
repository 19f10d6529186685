"""What a report counts: an optional date range and an optional department.

Holdings are (company, department) pairs. Without dates they come from company_source, which
imports, interactions and forms keep up to date. With dates, a holding counts when what made it
happened in the range: a batch or a record created by hand by its day, interactions by their
own dates (read from the interaction table, since company_source keeps only each pair's count
and first and last date). A department narrows the companies to the ones it holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.tables import Department

MAX_DEPARTMENTS = 62  # each department is one bit of a 64-bit integer in the study's pass


@dataclass(frozen=True)
class Scope:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    department_id: int | None = None

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def range_sql(self, column: str) -> tuple[str, list]:
        """`AND column >= {} AND column <= {}` for the bounds given, with their parameters."""
        sql, params = "", []
        if self.date_from:
            sql, params = sql + f" AND {column} >= {{}}", [*params, self.date_from]
        if self.date_to:
            sql, params = sql + f" AND {column} <= {{}}", [*params, self.date_to]
        return sql, params

    def holding_pairs(self) -> tuple[str, list]:
        """SQL (Piccolo raw, `{}` placeholders) of the (company, department) holdings in scope; a pair
        may appear more than once."""
        if not self.dated:
            return "SELECT company, department FROM company_source WHERE department IS NOT NULL", []
        held, held_params = self.range_sql("first_date")
        logged, logged_params = self.range_sql("date")
        return (f"SELECT company, department FROM company_source WHERE department IS NOT NULL "
                f"AND via <> 'interaction'{held} "
                f"UNION ALL SELECT company, department FROM interaction WHERE 1 = 1{logged}",
                [*held_params, *logged_params])


async def departments() -> list[dict]:
    """Every department, in code order: reports list each one, holding anything or not."""
    rows = await Department.select().order_by(Department.code)
    if len(rows) > MAX_DEPARTMENTS:
        raise ValueError(f"The study counts at most {MAX_DEPARTMENTS} departments")
    return rows


def bit_sql(rows: list[dict], column: str = "department") -> str:
    """A CASE expression giving each department its own bit (departments in `rows` order)."""
    cases = " ".join(f"WHEN {int(row['id'])} THEN {1 << index}" for index, row in enumerate(rows))
    return f"CASE {column} {cases} ELSE 0 END"
