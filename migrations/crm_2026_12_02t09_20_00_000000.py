"""Contact people in Finnish and Swedish alphabetical order (last name, first name; Å, Ä and Ö after
Z, as for companies), the company list's sort by postal code, and the current-password check's own
attempt limit on /profile.

- contact.name_order: a column the database computes from the names (every writer, the importer's
  bulk paths too, keeps it right), compared byte by byte, with an index for the contact list's order.
  Besides å ä ö (æ ø), ü sorts as y, š and ž as s and z, and é, á, à, è, ó as their base letter
  (Müller among the My-, José among the Jos-), so those names do not sort after Ö for an accent.
- company (postal_code, name_order, id): the company list sorted by postal code, in either direction.
- login_attempt.kind: 'login' for the login form, 'password' for /profile's current-password check,
  counted apart (crm/services/logins.py).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-02T09:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contact names in Finnish/Swedish order, company postal code order, password check limit"

# '{', '|' and '}' follow 'z' byte by byte: å, ä/æ, ö/ø in that order. lower() on SQLite folds
# ASCII only, so the capitals are replaced too.
# SQLite's parser takes about 30 nested calls: the letters of Finnish, Swedish and the names most
# often met here, no more.
FOLDS = {"{": "åÅ", "|": "äÄæÆ", "}": "öÖøØ", "y": "üÜ", "a": "áÁà", "e": "éÉè", "o": "ó", "s": "šŠ", "z": "žŽ"}


def _order(text: str) -> str:
    expression = f"lower({text})"
    for target, letters in FOLDS.items():
        for letter in letters:
            expression = f"replace({expression}, '{letter}', '{target}')"
    return expression


# 'Virtanen Aino'; a contact with only a first name sorts by it
CONTACT_ORDER = _order("trim(last_name || ' ' || first_name)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if isinstance(engine, SQLiteEngine):
            await engine.run_ddl(
                f"ALTER TABLE contact ADD COLUMN name_order TEXT GENERATED ALWAYS AS ({CONTACT_ORDER}) VIRTUAL")
        else:
            await engine.run_ddl(
                f'ALTER TABLE contact ADD COLUMN name_order TEXT COLLATE "C" GENERATED ALWAYS AS ({CONTACT_ORDER}) STORED')
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS contact_name_order ON contact (name_order, id)")
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS company_postal_code_order ON company (postal_code, name_order, id)")
        await engine.run_ddl("ALTER TABLE login_attempt ADD COLUMN kind VARCHAR(10) NOT NULL DEFAULT 'login'")

    manager.add_raw(run)
    return manager
