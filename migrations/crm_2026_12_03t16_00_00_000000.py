"""company_year: each company's holdings per calendar month as department masks, one row per
company and year (crm/services/holdings.py), so a dated report of whole months within a year reads
one row per company instead of grouping its period's millions of holdings (crm/reports/scope.py).
Counted from the holdings already stored by migration 2026-12-04T02:00."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-03T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "company holdings per month for dated reports"

MONTHS = ", ".join(f"m{month} BIGINT NOT NULL DEFAULT 0" for month in range(1, 13))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        rowid = " WITHOUT ROWID" if isinstance(engine, SQLiteEngine) else ""  # SQLite: a year's rows side by side
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS company_year (year INTEGER NOT NULL, "
            f"company INTEGER NOT NULL REFERENCES company (id) ON DELETE CASCADE, {MONTHS}, "
            f"PRIMARY KEY (year, company)){rowid}")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS company_year_company ON company_year (company)")

    manager.add_raw(run)
    return manager
