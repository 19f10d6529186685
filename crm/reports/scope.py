"""What a report counts: an optional date range and an optional department.

Without dates the reports read the running totals that every write keeps (crm/services/tallies.py).
With dates they count from the record itself: a holding counts when what made it happened in the
range (a batch or a record created by hand by its day, interactions by their own dates). A
department narrows the companies to the ones it holds. Either way only committed batches count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.services.tallies import HELD_SQL, MASK_SQL, MAX_DEPARTMENT_ID, bit
from crm.tables import Department


@dataclass(frozen=True)
class Scope:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    department_id: int | None = None

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def bit(self) -> int:
        return bit(self.department_id)

    def range_sql(self, column: str) -> tuple[str, list]:
        """` AND column >= {} AND column <= {}` for the bounds given, with their parameters."""
        sql, params = "", []
        if self.date_from:
            sql, params = sql + f" AND {column} >= {{}}", [*params, self.date_from]
        if self.date_to:
            sql, params = sql + f" AND {column} <= {{}}", [*params, self.date_to]
        return sql, params

    def holding_pairs(self) -> tuple[str, list]:
        """SQL (Piccolo raw, `{}` placeholders) of the (company, department) holdings in the date range;
        a pair may appear more than once."""
        held, held_params = self.range_sql("company_source.first_date")
        logged, logged_params = self.range_sql("date")
        return (f"SELECT company_source.company AS company, company_source.department AS department "
                f"FROM company_source WHERE {HELD_SQL} AND company_source.via <> 'interaction'{held} "
                f"UNION ALL SELECT company, department FROM interaction WHERE deleted_at IS NULL{logged}",
                [*held_params, *logged_params])

    def masks_sql(self) -> tuple[str, list]:
        """(company, mask) of every company held in the date range."""
        pairs, params = self.holding_pairs()
        return (f"SELECT company_source.company AS company, {MASK_SQL} AS mask FROM ({pairs}) AS company_source "
                f"GROUP BY company_source.company", params)


async def departments() -> list[dict]:
    """Every department, in code order: reports list each one, holding anything or not."""
    rows = await Department.select().order_by(Department.code)
    if any(row["id"] > MAX_DEPARTMENT_ID for row in rows):
        raise ValueError(f"The study counts departments with ids up to {MAX_DEPARTMENT_ID}")
    return rows
