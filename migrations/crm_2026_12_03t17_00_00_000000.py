"""Full-text search over contact people: FTS5 on SQLite, a generated tsvector + GIN on PostgreSQL.

Three parts, searched apart (crm/search.py is the module that queries them):
- the name: contact.person_key (folded 'first last');
- the e-mail: its words, split at punctuation (eero@kupla.example: eero, kupla, example), without
  diacritics;
- the phone, from the stored E.164 value: its digits (358401234567), a Finnish number's national
  form (0401234567) and its last seven digits, standing in for the subscriber part (1234567).

The database keeps the index itself, so no writer can forget it (the importer's bulk paths, merges,
erasure): on SQLite, contact.phone_forms is a virtual column and triggers keep contact_fts (whose
content is the contact table) in step with every insert, delete and change of the name, e-mail or
phone; on PostgreSQL, contact.search_vector is a stored generated column (weights: A the name, B the
e-mail, C the phone). The contacts already stored are indexed here.

The price on SQLite: FTS5 writes what a trigger adds row by row, not in bulk; a raw bulk insert of
50,000 contacts took 3.1 s instead of 0.5 s (about 50 µs a contact; the company index is filled by
the inserting code instead, migration 2026-11-28T00:10). Contacts come in thousands, not in the
register's millions.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-03T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "contact full-text search"


def _phone_forms(last_seven: str) -> str:
    """'+358401234567' -> '358401234567 0401234567 1234567'; a foreign number has no national form;
    '' for no phone. Each engine takes a string's end its own way."""
    return ("CASE WHEN substr(phone, 1, 1) = '+' THEN substr(phone, 2) "
            "|| CASE WHEN substr(phone, 1, 4) = '+358' THEN ' 0' || substr(phone, 5) ELSE '' END "
            f"|| ' ' || {last_seven} ELSE '' END")


COLUMNS = "person_key, email, phone_forms"
SQLITE = [
    f"ALTER TABLE contact ADD COLUMN phone_forms TEXT GENERATED ALWAYS AS ({_phone_forms('substr(phone, -7)')}) VIRTUAL",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS contact_fts USING fts5({COLUMNS}, content='contact', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS contact_fts_insert AFTER INSERT ON contact BEGIN "
    f"INSERT INTO contact_fts(rowid, {COLUMNS}) VALUES (new.id, new.person_key, new.email, new.phone_forms); END",
    "CREATE TRIGGER IF NOT EXISTS contact_fts_delete AFTER DELETE ON contact BEGIN "
    f"INSERT INTO contact_fts(contact_fts, rowid, {COLUMNS}) "
    "VALUES ('delete', old.id, old.person_key, old.email, old.phone_forms); END",
    "CREATE TRIGGER IF NOT EXISTS contact_fts_update AFTER UPDATE OF person_key, email, phone ON contact BEGIN "
    f"INSERT INTO contact_fts(contact_fts, rowid, {COLUMNS}) "
    "VALUES ('delete', old.id, old.person_key, old.email, old.phone_forms); "
    f"INSERT INTO contact_fts(rowid, {COLUMNS}) VALUES (new.id, new.person_key, new.email, new.phone_forms); END",
    "INSERT INTO contact_fts(contact_fts) VALUES ('rebuild')",
]

# PostgreSQL's 'simple' configuration keeps diacritics (unaccent is no immutable function): the letters
# met in names lose them here, as SQLite's tokenizer and crm.domain.names.fold do (e-mails are lower case).
ACCENTED, PLAIN = "àáâãäåāèéêëēìíîïòóôõöōùúûüūýÿšžčćçñ", "aaaaaaaeeeeeiiiioooooouuuuuyyszcccn"
assert len(ACCENTED) == len(PLAIN)
EMAIL_WORDS = f"regexp_replace(translate(coalesce(email, ''), '{ACCENTED}', '{PLAIN}'), '[^[:alnum:]]+', ' ', 'g')"
POSTGRES = [
    "ALTER TABLE contact ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', person_key), 'A') || "
    f"setweight(to_tsvector('simple', {EMAIL_WORDS}), 'B') || "
    f"setweight(to_tsvector('simple', {_phone_forms('right(phone, 7)')}), 'C')) STORED",
    "CREATE INDEX IF NOT EXISTS contact_search_vector ON contact USING GIN (search_vector)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        for statement in SQLITE if isinstance(db, SQLiteEngine) else POSTGRES:
            await db.run_ddl(statement)

    manager.add_raw(run)
    return manager
