"""Reference departments and the composite indexes the company page, timeline and search ask for.

Written by hand (Piccolo has no composite indexes); the SQL is the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-27T21:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reference departments and composite indexes"

DEPARTMENTS = [
    ("BIZ", "Business Espoo", "Business Espoo", "Business Espoo"),
    ("TYO", "Työllisyys Espoo", "Sysselsättning Esbo", "Employment Espoo"),
    ("TALENT", "Espoo Talent Hub", "Espoo Talent Hub", "Espoo Talent Hub"),
    ("HELLO", "Hello Espoo", "Hello Espoo", "Hello Espoo"),
    ("PLAN", "Kaupunkisuunnittelu", "Stadsplanering", "City planning"),
    ("PREMISES", "Tilapalvelut", "Lokalservice", "Premises"),
]

INDEXES = [
    # the cross-department timeline of one company, newest first
    "CREATE INDEX IF NOT EXISTS interaction_company_date ON interaction (company, date DESC, id DESC)",
    # a department's recent activity
    "CREATE INDEX IF NOT EXISTS interaction_department_date ON interaction (department, date DESC)",
    # my open follow-ups
    "CREATE INDEX IF NOT EXISTS interaction_advisor_follow_up ON interaction (advisor, follow_up_done, follow_up_date)",
    # matching companies without a Business ID: normalised name + postal code
    "CREATE INDEX IF NOT EXISTS company_name_key_postal ON company (name_key, postal_code)",
    # matching contacts by name within a company
    "CREATE INDEX IF NOT EXISTS company_contact_pair ON company_contact (company, contact)",
    # a record's history
    "CREATE INDEX IF NOT EXISTS audit_event_entity ON audit_event (entity, entity_id, at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS company_programme_pair ON company_programme (company, programme)",
    "CREATE UNIQUE INDEX IF NOT EXISTS interaction_contact_pair ON interaction_contact (interaction, contact)",
    "CREATE UNIQUE INDEX IF NOT EXISTS interaction_programme_pair ON interaction_programme (interaction, programme)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        for code, name_fi, name_sv, name_en in DEPARTMENTS:
            await db.run_ddl(
                "INSERT INTO department (code, name_fi, name_sv, name_en) "
                f"SELECT '{code}', '{name_fi}', '{name_sv}', '{name_en}' "
                f"WHERE NOT EXISTS (SELECT 1 FROM department WHERE code = '{code}')"
            )
        for statement in INDEXES:
            await db.run_ddl(statement)

    manager.add_raw(run)
    return manager
