"""Held companies with a Business ID by their departments' mask, in a partial index: the reports of
one department count them from it (one row per mask) instead of visiting every company (SQLite at
1M companies: 223 → 82 ms)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T03:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "held companies with a Business ID by mask"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS company_held_business_id ON company (study_mask) "
            "WHERE business_id IS NOT NULL AND study_mask <> 0")

    manager.add_raw(run)
    return manager
