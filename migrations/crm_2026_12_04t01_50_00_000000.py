"""Programme reach per calendar period (crm/services/reach.py): programme_year holds each
company's tagged interactions per programme, department and month, reach_tally the companies per
calendar month, quarter and year, so a report of such a period reads a few rows per programme.
Counted from the interactions and tags already stored."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-04T01:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "programme reach per calendar period"

MONTHS = ", ".join(f"m{month} INTEGER NOT NULL DEFAULT 0" for month in range(1, 13))


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        from crm import db
        from crm.services.reach import rebuild

        engine = engine_finder()
        rowid = " WITHOUT ROWID" if isinstance(engine, SQLiteEngine) else ""
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS programme_year (year INTEGER NOT NULL, "
            "programme INTEGER NOT NULL REFERENCES programme (id) ON DELETE CASCADE, theme_level BOOLEAN NOT NULL, "
            "company INTEGER NOT NULL REFERENCES company (id) ON DELETE CASCADE, "
            f"department INTEGER NOT NULL, tagged BOOLEAN NOT NULL DEFAULT FALSE, {MONTHS}, "
            f"PRIMARY KEY (year, programme, theme_level, company, department)){rowid}")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS programme_year_company ON programme_year (company)")
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS reach_tally (period VARCHAR(7) NOT NULL, "
            "programme INTEGER NOT NULL REFERENCES programme (id) ON DELETE CASCADE, theme_level BOOLEAN NOT NULL, "
            "mask BIGINT NOT NULL, tagged BOOLEAN NOT NULL, companies INTEGER NOT NULL)")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS reach_tally_period ON reach_tally (period)")
        async with db.write_transaction():
            await rebuild()

    manager.add_raw(run)
    return manager
