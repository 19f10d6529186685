"""SQLite: an index of every company's id with the columns the company list sorts by
(company_id_orders: id, name_order, postal_code), so a search word matching thousands of companies
sorts them from this narrow index instead of visiting each company's row (crm/services/reads.py
names it with INDEXED BY). At 1M companies, a word matching 27,679 of them: 118 ms before, 30 ms
after, in one process. PostgreSQL reads its matches through the GIN index and needs no such index.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-03T20:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "company orders by id (SQLite)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if isinstance(engine, SQLiteEngine):
            await engine.run_ddl("CREATE INDEX IF NOT EXISTS company_id_orders ON company (id, name_order, postal_code)")

    manager.add_raw(run)
    return manager
