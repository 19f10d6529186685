"""The study's object (SPEC §9): companies, what each department holds, how many departments serve
each company, every pair's overlap, each source file's quality, and programme reach.

Every held company's departments are a bit mask (department id n is bit n-1); the number of
companies per mask answers held_by, served_by and overlap at once. Without dates those numbers
are the running totals of crm/services/tallies.py; with dates they are counted from the record.
"""

from __future__ import annotations

from crm.reports import coverage, programmes
from crm.reports.scope import Scope, batch_masks_from_record, counting, departments
from crm.services.tallies import bit
from crm.tables import Company, CompanyTally, ImportBatch

SERVED_BY_KEYS = ("0", "1", "2", "3+")


async def mask_counts(scope: Scope) -> dict[int, int]:
    """Companies per set of holding departments (a bit mask), within the scope."""
    if scope.dated and not scope.counted:
        return await mask_counts(await counting(scope))
    if scope.counted:
        counts: dict[int, int] = {}
        for mask, *_, companies in scope.profile:
            counts[mask] = counts.get(mask, 0) + companies
        rows = [{"mask": mask, "companies": companies} for mask, companies in counts.items()]
    else:
        rows = await CompanyTally.raw(
            "SELECT mask, SUM(companies) AS companies FROM company_tally WHERE batch IS NULL GROUP BY mask")
    counts = {int(row["mask"]): int(row["companies"]) for row in rows if int(row["companies"] or 0)}
    if scope.department_id:  # the department's companies only
        counts = {mask: count for mask, count in counts.items() if mask & scope.bit}
    return counts


async def company_count(scope: Scope, counts: dict[int, int]) -> int:
    """Companies in the record, or the department's when the scope names one."""
    if scope.department_id:
        return sum(counts.values())
    return await Company.count()


def served_by(total: int, counts: dict[int, int]) -> dict[str, int]:
    served = dict.fromkeys(SERVED_BY_KEYS, 0)
    for mask, count in counts.items():
        holders = bin(mask).count("1")
        served[str(holders) if holders < 3 else "3+"] += count
    served["0"] = total - sum(counts.values())
    return served


def overlap(rows: list[dict], counts: dict[int, int]) -> dict[str, dict[str, int]]:
    matrix = {a["code"]: {b["code"]: 0 for b in rows} for a in rows}
    for mask, count in counts.items():
        held = [row["code"] for row in rows if mask & bit(row["id"])]
        for a in held:
            for b in held:
                matrix[a][b] += count
    return matrix


async def _batch_masks(scope: Scope, batch_ids: list[int]) -> dict[int, dict[int, int]]:
    """Per committed batch (of `batch_ids`, the ones in scope): its companies per mask (the batch's
    own holdings included)."""
    if scope.period:
        rows = await Company.raw(
            "SELECT batch, mask, SUM(companies) AS companies FROM period_tally WHERE period = {} "
            "AND batch IS NOT NULL GROUP BY batch, mask", scope.period)
    elif scope.dated:
        rows = await batch_masks_from_record(scope, batch_ids)
    else:
        rows = await CompanyTally.raw(
            "SELECT batch, mask, SUM(companies) AS companies FROM company_tally WHERE batch IS NOT NULL "
            "GROUP BY batch, mask")
    result: dict[int, dict[int, int]] = {}
    for row in rows:
        if int(row["companies"] or 0):
            result.setdefault(row["batch"], {})[int(row["mask"])] = int(row["companies"])
    return result


async def sources(scope: Scope) -> list[dict]:
    """One entry per committed batch in scope: its counts, the distinct companies its rows touched and,
    of those, how many another department holds too (held by two departments or more)."""
    batches = await ImportBatch.select(
        ImportBatch.id, ImportBatch.department, ImportBatch.department.code, ImportBatch.kind,
        ImportBatch.file_name, ImportBatch.rows, ImportBatch.created, ImportBatch.updated, ImportBatch.unchanged,
        ImportBatch.duplicates_in_file, ImportBatch.errors, ImportBatch.invalid_business_ids, ImportBatch.started_at,
    ).where(ImportBatch.status == ImportBatch.Status.committed).order_by(ImportBatch.id)
    batches = [batch for batch in batches if scope.holds(batch["started_at"].date())]
    masks = await _batch_masks(scope, [batch["id"] for batch in batches])
    result = []
    for batch in batches:
        day = batch["started_at"].date()
        held = masks.get(batch["id"], {})
        if scope.department_id and batch["department"] != scope.department_id:
            if batch["department"] is not None:
                continue  # another department's file
            held = {mask: count for mask, count in held.items() if mask & scope.bit}
            if not held:  # a file of no department: shown when it holds the department's companies
                continue
        result.append({
            "batch_id": batch["id"], "department": batch["department.code"], "kind": batch["kind"],
            "file": batch["file_name"], "rows": batch["rows"], "created": batch["created"],
            "updated": batch["updated"], "unchanged": batch["unchanged"],
            "duplicates_in_file": batch["duplicates_in_file"], "errors": batch["errors"],
            "invalid_business_ids": batch["invalid_business_ids"],
            "companies": sum(held.values()),
            "shared": sum(count for mask, count in held.items() if bin(mask).count("1") > 1),
            "date": day,
        })
    return result


async def study(scope: Scope = Scope()) -> dict:
    """SPEC §9's object, every department listed."""
    rows = await departments()
    scope = await counting(scope)
    counts = await mask_counts(scope)
    total = await company_count(scope, counts)
    matrix = overlap(rows, counts)
    result = {
        "companies": total,
        "held_by": {code: matrix[code][code] for code in matrix},
        "served_by": served_by(total, counts),
        "overlap": matrix,
        "sources": [{key: value for key, value in source.items() if key != "date"}
                    for source in await sources(scope)],
        "programmes": {row["code"]: {"companies": row["companies"], "interactions": row["interactions"]}
                       for row in await programmes.reach(scope)},
    }
    if (registered := await coverage.coverage(scope)) is not None:  # once a register load added a municipality
        result["coverage"] = registered
    return result
