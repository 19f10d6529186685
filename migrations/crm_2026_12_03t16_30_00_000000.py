"""The index of interactions by date (interaction_period, 2026-12-02T16:50) holds deleted_at too, so
SQLite reads a period's interactions from the index alone: with a partial index it still visited
each row for the column its WHERE names (programme reach for a year on 1M companies / 10M
interactions: 18.6 s before, 7.9 s after, in the sqlite3 shell)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "interactions by date, covering"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX IF EXISTS interaction_period")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS interaction_period ON interaction "
                             "(date, company, department, deleted_at) WHERE deleted_at IS NULL")

    manager.add_raw(run)
    return manager
