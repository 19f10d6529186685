"""The study's coverage (crm/reports/coverage.py) counts the register's companies of a municipality,
and how many of them departments hold, from one partial index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T01:20:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "coverage index on the register's companies"

COVERAGE_INDEX = ("CREATE INDEX IF NOT EXISTS company_register_place ON company "
                  "(municipality_code, status, study_mask) WHERE register_date IS NOT NULL")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(COVERAGE_INDEX)

    manager.add_raw(run)
    return manager
