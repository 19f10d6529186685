"""Full-text search over company names and Business IDs: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

crm/search.py is the module that queries it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-27T21:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "company full-text search"

SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS company_fts USING fts5("
    "search_text, content='company', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    # The importer indexes its own rows in bulk (crm/search.py), far faster than a trigger per row.
    "CREATE TRIGGER IF NOT EXISTS company_fts_insert AFTER INSERT ON company WHEN new.import_batch IS NULL BEGIN "
    "INSERT INTO company_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS company_fts_delete AFTER DELETE ON company BEGIN "
    "INSERT INTO company_fts(company_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS company_fts_update AFTER UPDATE OF search_text ON company BEGIN "
    "INSERT INTO company_fts(company_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO company_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO company_fts(company_fts) VALUES ('rebuild')",
]

POSTGRES = [
    "ALTER TABLE company ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS company_search_vector ON company USING GIN (search_vector)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)

    async def run():
        db = engine_finder()
        for statement in SQLITE if isinstance(db, SQLiteEngine) else POSTGRES:
            await db.run_ddl(statement)

    manager.add_raw(run)
    return manager
