"""PostgreSQL: the index of interactions by date (interaction_period) carries their ids too, so a
range's tagged interactions are read from the index alone and joined to their programmes; without
the id the planner scanned the whole interaction table (programme reach for 15.2.–10.5.2026 at
1M companies / 10M interactions: 1.2 → 0.8 s; the statement in psql 3.3 → 1.0 s). SQLite's index
already holds the id: it is the rowid."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T20:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "interactions by date, with their ids (PostgreSQL)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if isinstance(engine, SQLiteEngine):
            return
        await engine.run_ddl("DROP INDEX IF EXISTS interaction_period")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS interaction_period ON interaction "
                             "(date, company, department, deleted_at) INCLUDE (id) WHERE deleted_at IS NULL")

    manager.add_raw(run)
    return manager
