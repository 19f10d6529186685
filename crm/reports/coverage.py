"""Coverage (SPEC §9, §11): of the company register's companies in a municipality, how many the
city's departments hold. Shown once a register load has added that municipality's companies
(`crm ytj load FILE --add-municipality 049`); until then the record holds only the register
companies it already had, and a share of them would say nothing.

Registered companies are the active ones the register knows (a company with register data, not
ceased) whose municipality is the one asked for. The figures are as of the register file, whatever
the period of the report; with a department, how many that department holds is added.
"""

from __future__ import annotations

import json

from crm.domain.postal import ESPOO_MUNICIPALITY_CODE
from crm.reports.scope import Scope
from crm.tables import Company, ImportBatch


async def loaded_municipalities() -> tuple[list[str], str | None]:
    """The municipalities the latest register load that added any covered, and its file's date."""
    batches = await ImportBatch.select(ImportBatch.mapping).where(
        (ImportBatch.kind == "register") & (ImportBatch.status == ImportBatch.Status.committed)
    ).order_by(ImportBatch.id, ascending=False).output(load_json=True)
    for batch in batches:
        mapping = batch["mapping"] if isinstance(batch["mapping"], dict) else json.loads(batch["mapping"] or "{}")
        if mapping.get("add_municipalities"):
            return list(mapping["add_municipalities"]), mapping.get("file_date")
    return [], None


async def coverage(scope: Scope = Scope(), municipality: str | None = None) -> dict | None:
    """{municipality, as_of, registered, held, share[, held_by_department]}, or None before a register
    load added a municipality. Without `municipality`: Espoo if it was added, else the first added."""
    added, as_of = await loaded_municipalities()
    if not added:
        return None
    if municipality is None:
        municipality = ESPOO_MUNICIPALITY_CODE if ESPOO_MUNICIPALITY_CODE in added else added[0]
    department_bit = scope.bit if scope.department_id else 0
    rows = await Company.raw(
        "SELECT COUNT(*) AS registered, "
        "COALESCE(SUM(CASE WHEN study_mask <> 0 THEN 1 ELSE 0 END), 0) AS held, "
        "COALESCE(SUM(CASE WHEN (study_mask & {}) <> 0 THEN 1 ELSE 0 END), 0) AS department_held "
        "FROM company WHERE register_date IS NOT NULL AND municipality_code = {} AND status = 'active'",
        department_bit, municipality)
    registered, held = int(rows[0]["registered"]), int(rows[0]["held"])
    result = {"municipality": municipality, "as_of": as_of, "registered": registered, "held": held,
              "share": round(held / registered, 4) if registered else 0.0}
    if scope.department_id:
        result["held_by_department"] = int(rows[0]["department_held"])
    return result
