"""Holdings for the study (SPEC §9): company_source's indexes, and the holdings of data already stored.

Back-filled from what the record keeps: an import batch's companies (the ones it created, the ones
it updated, the companies its contact links and interactions name), every department's
interactions, and the companies users created by hand. Rows an old batch matched without changing
anything left no trace, so those holdings cannot be recovered; re-importing that file restores them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-01T21:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "company sources: indexes and back-fill"

INDEXES = [
    # a batch's holdings (and revert); one row per company and department in a batch
    "CREATE UNIQUE INDEX IF NOT EXISTS company_source_batch ON company_source (import_batch, company, department) "
    "WHERE import_batch IS NOT NULL",
    # interactions and hand-made records: one row per company, department and way
    "CREATE UNIQUE INDEX IF NOT EXISTS company_source_held ON company_source (company, department, via) "
    "WHERE import_batch IS NULL",
    # the study's pass over every company's departments
    "CREATE INDEX IF NOT EXISTS company_source_company_department ON company_source (company, department)",
]

COLUMNS = "(company, department, via, import_batch, interactions, first_date, last_date)"


def _date(engine, day: str) -> str:
    """A date literal (PostgreSQL would take a bare string in a SELECT list as text)."""
    return f"'{day}'" if isinstance(engine, SQLiteEngine) else f"DATE '{day}'"


def _day(engine, column: str) -> str:
    if isinstance(engine, SQLiteEngine):
        return f"substr({column}, 1, 10)"
    return f"CAST(({column} AT TIME ZONE 'UTC') AS date)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        for statement in INDEXES:
            await db.run_ddl(statement)
        batches = await db.run_ddl(
            f"SELECT id, kind, department, {_day(db, 'started_at')} AS day FROM import_batch "
            "WHERE status = 'committed' ORDER BY id")
        for batch in batches:
            batch_id, department = int(batch["id"]), batch["department"]
            day = _date(db, str(batch["day"])[:10])
            if batch["kind"] == "interactions":
                named = (f"SELECT company, department FROM interaction WHERE import_batch = {batch_id} UNION "
                         f"SELECT i.company, i.department FROM import_change c JOIN interaction i ON i.id = c.entity_id "
                         f"WHERE c.import_batch = {batch_id} AND c.entity = 'interaction'")
            elif department is None:
                continue  # a companies or contacts file nobody said the department of: held by none
            elif batch["kind"] == "contacts":
                named = (f"SELECT company, {int(department)} AS department FROM company_contact "
                         f"WHERE import_batch = {batch_id} UNION "
                         f"SELECT l.company, {int(department)} FROM import_change c "
                         f"JOIN company_contact l ON l.contact = c.entity_id "
                         f"WHERE c.import_batch = {batch_id} AND c.entity = 'contact'")
            else:
                named = (f"SELECT id AS company, {int(department)} AS department FROM company "
                         f"WHERE import_batch = {batch_id} UNION "
                         f"SELECT entity_id, {int(department)} FROM import_change "
                         f"WHERE import_batch = {batch_id} AND entity = 'company'")
            await db.run_ddl(
                f"INSERT INTO company_source {COLUMNS} "
                f"SELECT DISTINCT named.company, named.department, 'import', {batch_id}, 0, {day}, {day} "
                f"FROM ({named}) AS named JOIN company ON company.id = named.company")
        await db.run_ddl(
            f"INSERT INTO company_source {COLUMNS} "
            "SELECT company, department, 'interaction', NULL, COUNT(*), MIN(date), MAX(date) FROM interaction "
            "GROUP BY company, department")
        await db.run_ddl(
            f"INSERT INTO company_source {COLUMNS} "
            f"SELECT company.id, crm_user.department, 'created', NULL, 0, {_day(db, 'company.created_at')}, "
            f"{_day(db, 'company.created_at')} FROM company JOIN crm_user ON crm_user.id = company.created_by "
            "WHERE company.import_batch IS NULL")
        await db.run_ddl(
            "UPDATE import_batch SET invalid_business_ids = (SELECT COUNT(*) FROM import_row_error "
            "WHERE import_row_error.import_batch = import_batch.id AND import_row_error.reason LIKE '%Business ID%' "
            "AND (import_row_error.reason LIKE '%check digit%' OR import_row_error.reason LIKE '%is not a Business ID%' "
            "OR import_row_error.reason LIKE '%no valid Business ID%'))")

    manager.add_raw(run)
    return manager
