"""The study's running totals (crm/services/tallies.py): their indexes. The totals of what is
already stored are counted by migration 2026-12-04T02:00, with the code of the schema it completes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T22:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "study tallies: indexes and first count"

INDEXES = [
    "CREATE INDEX IF NOT EXISTS company_tally_batch ON company_tally (batch)",
    "CREATE UNIQUE INDEX IF NOT EXISTS programme_reach_department "
    "ON programme_reach (programme, theme_level, company, department) WHERE department IS NOT NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS programme_reach_all "
    "ON programme_reach (programme, theme_level, company) WHERE department IS NULL",
    "CREATE INDEX IF NOT EXISTS programme_reach_company ON programme_reach (company)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
