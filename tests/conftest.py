"""Test settings come from the environment before `crm` is imported.

SQLite (default): migrate one file per session, copy it back before each test that asks for `db`.
PostgreSQL: set CRM_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/crm_test; the database is
created afresh, migrated once, and emptied (TRUNCATE ... RESTART IDENTITY CASCADE) between tests.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

TEST_POSTGRES_URL = os.environ.get("CRM_TEST_DATABASE_URL", "")
WORK_DIR = Path(tempfile.mkdtemp(prefix="crm-tests-"))
SQLITE_PATH = WORK_DIR / "test.sqlite3"
TEMPLATE_PATH = WORK_DIR / "template.sqlite3"

os.environ["CRM_DATABASE_URL"] = TEST_POSTGRES_URL or f"sqlite:///{SQLITE_PATH}"
os.environ["CRM_SECRET_KEY"] = "test-secret-key"
os.environ["CRM_UPLOAD_DIR"] = str(WORK_DIR / "uploads")
os.environ["CRM_DB_POOL_SIZE"] = "0"  # the test client runs the app in another loop: no shared pool


def _recreate_postgres_database(url: str) -> None:
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"

    async def recreate() -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(recreate())


@pytest.fixture(scope="session")
def migrated() -> dict:
    """Apply the migrations to an empty database once; remember the reference rows they made."""
    from crm import db

    if TEST_POSTGRES_URL:
        _recreate_postgres_database(TEST_POSTGRES_URL)
    asyncio.run(db.apply_migrations())

    async def reference():
        from crm.tables import Department

        return await Department.select().order_by(Department.id)

    departments = asyncio.run(reference())
    if not TEST_POSTGRES_URL:
        db.prepare_sqlite_file(str(SQLITE_PATH))
        with sqlite3.connect(SQLITE_PATH) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(SQLITE_PATH, TEMPLATE_PATH)
    return {"departments": departments}


async def _empty_postgres(departments: list[dict]) -> None:
    from crm.db import engine
    from crm.tables import Department

    tables = await engine().run_ddl(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migration'"
    )
    names = ", ".join(f'"{row["tablename"]}"' for row in tables)
    await engine().run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    await Department.insert(*(Department(**row) for row in departments))
    await engine().run_ddl(
        "SELECT setval(pg_get_serial_sequence('department', 'id'), (SELECT MAX(id) FROM department))"
    )


_counter = itertools.count(1)


@pytest.fixture
async def db(migrated: dict, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database holding only the reference data; returns its CRM_DATABASE_URL."""
    if TEST_POSTGRES_URL:
        await _empty_postgres(migrated["departments"])
        return TEST_POSTGRES_URL
    from crm import db as database
    from crm.db import engine

    # every chunk of a long writer commits alone: what a later chunk must find crosses a commit, the
    # strictest case (a real import's turns span chunks; test_import_writers runs one in a process)
    monkeypatch.setattr(database, "TURN_SECONDS", 0)
    path = WORK_DIR / f"test-{next(_counter)}.sqlite3"
    shutil.copyfile(TEMPLATE_PATH, path)
    monkeypatch.setattr(engine(), "path", str(path))
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CRM_DATABASE_URL", url)  # for the CLI run in a subprocess
    return url


@pytest.fixture
def engine_name() -> str:
    return "postgres" if TEST_POSTGRES_URL else "sqlite"


DATA_DIR = Path(__file__).resolve().parent / "data"
