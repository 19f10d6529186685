"""The same migrations build the schema on an empty database of either engine."""

from __future__ import annotations

import pytest

from crm import db
from crm.tables import Company, Department


@pytest.mark.usefixtures("db")
async def test_migrations_leave_nothing_pending_and_create_reference_departments():
    assert await db.pending_migrations() == []
    codes = [row["code"] for row in await Department.select(Department.code).order_by(Department.id)]
    assert codes == ["BIZ", "TYO", "TALENT", "HELLO", "PLAN", "PREMISES"]
    names = await Department.select().where(Department.code == "TYO").first()
    assert names["name_fi"] == "Työllisyys Espoo" and names["name_sv"] and names["name_en"]


@pytest.mark.usefixtures("db")
async def test_business_id_is_unique_but_nullable_at_the_database_level():
    await Company.insert(Company(name="A", name_key="a"), Company(name="B", name_key="b"))
    await Company.insert(Company(name="C", name_key="c", business_id="0112038-9"))
    with pytest.raises(Exception) as caught:
        await Company.insert(Company(name="D", name_key="d", business_id="0112038-9"))
    assert db.is_unique_violation(caught.value)


@pytest.mark.usefixtures("db")
async def test_applying_again_changes_nothing():
    await db.apply_migrations()
    assert await Department.count() == 6


def test_sqlite_database_is_in_wal_mode(db, engine_name):
    if engine_name != "sqlite":
        pytest.skip("WAL is a SQLite setting")
    import sqlite3

    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
