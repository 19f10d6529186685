"""Company names in Finnish and Swedish alphabetical order: Å, Ä and Ö (and Æ, Ø) after Z, as both
alphabets have them (Äijä after Zeta, not among the A's). A column the database computes from the
name (so every writer, the importer's bulk paths too, keeps it right), compared byte by byte, with
an index for the company list's order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-02T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "company names in Finnish/Swedish order"

# '{', '|' and '}' follow 'z' byte by byte: å, ä/æ, ö/ø in that order. lower() on SQLite folds
# ASCII only, so the capitals are replaced too.
ORDER = ("replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(lower(name), "
         "'Å', '{'), 'å', '{'), 'Ä', '|'), 'ä', '|'), 'Æ', '|'), 'æ', '|'), 'Ö', '}'), 'ö', '}'), "
         "'Ø', '}'), 'ø', '}')")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if isinstance(engine, SQLiteEngine):
            await engine.run_ddl(f"ALTER TABLE company ADD COLUMN name_order TEXT GENERATED ALWAYS AS ({ORDER}) VIRTUAL")
        else:
            await engine.run_ddl(
                f'ALTER TABLE company ADD COLUMN name_order TEXT COLLATE "C" GENERATED ALWAYS AS ({ORDER}) STORED')
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS company_name_order ON company (name_order, id)")

    manager.add_raw(run)
    return manager
