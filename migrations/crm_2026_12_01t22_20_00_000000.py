"""The study's running totals (crm/services/tallies.py): their indexes, and the totals of what is
already stored, counted by the same code that keeps them up to date."""

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
        from crm import db
        from crm.services.tallies import rebuild

        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)
        async with db.write_transaction():
            await rebuild()

    manager.add_raw(run)
    return manager
