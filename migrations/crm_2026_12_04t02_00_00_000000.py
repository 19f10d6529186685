"""The calendar periods' tally (crm/services/periods.py): company_year rows carry the key they are
counted under, and period_tally holds companies per calendar month, quarter and year, so a report
of such a period reads a few hundred rows. Every running total of the study (crm/services/tallies.py,
company_year, period_tally) is then counted afresh from what is stored, by the code that keeps
them: the earlier migrations that made them leave the counting to this one."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "companies per calendar period; every study total counted afresh"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        from crm import db
        from crm.services.holdings import rebuild_months
        from crm.services.tallies import rebuild

        engine = engine_finder()
        for column in ("section VARCHAR(20) NOT NULL DEFAULT ''", "place VARCHAR(10) NOT NULL DEFAULT ''",
                       "with_business_id BOOLEAN NOT NULL DEFAULT FALSE"):
            await engine.run_ddl(f"ALTER TABLE company_year ADD COLUMN {column}")
        await engine.run_ddl(
            "CREATE TABLE IF NOT EXISTS period_tally (period VARCHAR(7) NOT NULL, "
            "batch INTEGER REFERENCES import_batch (id) ON DELETE CASCADE, mask BIGINT NOT NULL, "
            "section VARCHAR(20) NOT NULL DEFAULT '', place VARCHAR(10) NOT NULL DEFAULT '', "
            "with_business_id BOOLEAN NOT NULL DEFAULT FALSE, companies INTEGER NOT NULL)")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS period_tally_period ON period_tally (period, batch)")
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS period_tally_batch ON period_tally (batch)")
        async with db.write_transaction():
            await rebuild()
            await rebuild_months()

    manager.add_raw(run)
    return manager
