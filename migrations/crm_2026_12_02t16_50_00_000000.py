"""A dated report (crm/reports/scope.py) reads its period's holdings from two indexes, without
visiting the tables: the interactions by date, and the other holdings (batches, records made by
hand) by the day they were made."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T16:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "interactions by date for dated reports"

PERIOD_INDEXES = [
    "CREATE INDEX IF NOT EXISTS interaction_period ON interaction (date, company, department) "
    "WHERE deleted_at IS NULL",
    "CREATE INDEX IF NOT EXISTS company_source_period ON company_source "
    "(first_date, company, department, import_batch) WHERE via <> 'interaction'",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        for statement in PERIOD_INDEXES:
            await engine_finder().run_ddl(statement)

    manager.add_raw(run)
    return manager
