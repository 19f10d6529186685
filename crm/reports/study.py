"""The study's object (SPEC §9): companies, what each department holds, how many departments serve
each company, every pair's overlap, each source file's quality, and programme reach.

One pass gives every company its departments as a bit mask (department i is bit i); the counts of
each mask answer held_by, served_by and overlap at once, whatever the number of companies.
"""

from __future__ import annotations

from crm.reports import programmes
from crm.reports.scope import Scope, bit_sql, departments
from crm.tables import Company, ImportBatch

SERVED_BY_KEYS = ("0", "1", "2", "3+")


def _masks_sql(scope: Scope, rows: list[dict]) -> tuple[str, list]:
    pairs, params = scope.holding_pairs()
    return (f"SELECT company, SUM(DISTINCT {bit_sql(rows)}) AS mask FROM ({pairs}) AS pairs GROUP BY company",
            params)


async def mask_counts(scope: Scope, rows: list[dict]) -> dict[int, int]:
    """Companies per set of holding departments (a bit mask), within the scope."""
    masks, params = _masks_sql(scope, rows)
    result = await Company.raw(f"SELECT mask, COUNT(*) AS companies FROM ({masks}) AS masks GROUP BY mask", *params)
    counts = {int(row["mask"]): int(row["companies"]) for row in result}
    bit = _bit_of(scope.department_id, rows)
    if bit:  # the department's companies only
        counts = {mask: count for mask, count in counts.items() if mask & bit}
    return counts


def _bit_of(department_id: int | None, rows: list[dict]) -> int:
    for index, row in enumerate(rows):
        if row["id"] == department_id:
            return 1 << index
    return 0


async def company_count(scope: Scope, counts: dict[int, int]) -> int:
    """Companies in the record, or the department's when the scope names one."""
    if scope.department_id:
        return sum(counts.values())
    return await Company.count()


def served_by(total: int, counts: dict[int, int]) -> dict[str, int]:
    served = dict.fromkeys(SERVED_BY_KEYS, 0)
    for mask, count in counts.items():
        departments_holding = bin(mask).count("1")
        served[str(departments_holding) if departments_holding < 3 else "3+"] += count
    served["0"] = total - sum(counts.values())
    return served


def overlap(rows: list[dict], counts: dict[int, int]) -> dict[str, dict[str, int]]:
    matrix = {a["code"]: {b["code"]: 0 for b in rows} for a in rows}
    for mask, count in counts.items():
        held = [row["code"] for index, row in enumerate(rows) if mask >> index & 1]
        for a in held:
            for b in held:
                matrix[a][b] += count
    return matrix


async def sources(scope: Scope, rows: list[dict]) -> list[dict]:
    """One entry per committed batch in scope: its counts, the distinct companies its rows touched and,
    of those, how many another department holds too."""
    masks, params = _masks_sql(scope, rows)
    batch_range, batch_params = scope.range_sql("s.first_date")
    if scope.department_id:
        batch_range, batch_params = batch_range + " AND s.department = {}", [*batch_params, scope.department_id]
    touched = await Company.raw(
        f"SELECT s.import_batch AS batch, COUNT(DISTINCT s.company) AS companies, "
        f"COUNT(DISTINCT CASE WHEN masks.mask <> {bit_sql(rows, 's.department')} THEN s.company END) AS shared "
        f"FROM company_source s JOIN ({masks}) AS masks ON masks.company = s.company "
        f"WHERE s.import_batch IS NOT NULL AND s.department IS NOT NULL{batch_range} GROUP BY s.import_batch",
        *params, *batch_params)
    by_batch = {row["batch"]: row for row in touched}
    batches = ImportBatch.select(
        ImportBatch.id, ImportBatch.department.code, ImportBatch.kind, ImportBatch.file_name, ImportBatch.rows,
        ImportBatch.created, ImportBatch.updated, ImportBatch.unchanged, ImportBatch.duplicates_in_file,
        ImportBatch.errors, ImportBatch.invalid_business_ids, ImportBatch.started_at,
    ).where(ImportBatch.status == ImportBatch.Status.committed).order_by(ImportBatch.id)
    result = []
    for batch in await batches:
        day = batch["started_at"].date()
        if (scope.date_from and day < scope.date_from) or (scope.date_to and day > scope.date_to):
            continue
        if scope.department_id and batch["department.code"] != _code_of(scope.department_id, rows) \
                and batch["id"] not in by_batch:
            continue
        held = by_batch.get(batch["id"], {})
        result.append({
            "batch_id": batch["id"], "department": batch["department.code"], "kind": batch["kind"],
            "file": batch["file_name"], "rows": batch["rows"], "created": batch["created"],
            "updated": batch["updated"], "unchanged": batch["unchanged"],
            "duplicates_in_file": batch["duplicates_in_file"], "errors": batch["errors"],
            "invalid_business_ids": batch["invalid_business_ids"],
            "companies": int(held.get("companies") or 0), "shared": int(held.get("shared") or 0),
            "date": day,
        })
    return result


def _code_of(department_id: int, rows: list[dict]) -> str | None:
    return next((row["code"] for row in rows if row["id"] == department_id), None)


async def study(scope: Scope = Scope()) -> dict:
    """SPEC §9's object, every department listed."""
    rows = await departments()
    counts = await mask_counts(scope, rows)
    total = await company_count(scope, counts)
    matrix = overlap(rows, counts)
    return {
        "companies": total,
        "held_by": {code: matrix[code][code] for code in matrix},
        "served_by": served_by(total, counts),
        "overlap": matrix,
        "sources": [{key: value for key, value in source.items() if key != "date"}
                    for source in await sources(scope, rows)],
        "programmes": {row["code"]: {"companies": row["companies"], "interactions": row["interactions"]}
                       for row in await programmes.reach(scope)},
    }
