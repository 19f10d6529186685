"""A batch's row file in line order, read a page at a time (the error CSV is streamed from the
database with keyset paging on line and id, and the result page shows the first rows).

Written by hand (Piccolo has no composite indexes); the SQL is the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T21:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "row errors in line order per batch"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE INDEX IF NOT EXISTS import_row_error_batch_line ON import_row_error (import_batch, line, id)")

    manager.add_raw(run)
    return manager
