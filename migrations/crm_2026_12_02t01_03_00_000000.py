"""Duplicates (SPEC §10): a pair is marked "not the same" once; merges are found by their records."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T01:03:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "duplicates: one mark per pair"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS not_duplicate_pair ON not_duplicate (kind, first, second)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
