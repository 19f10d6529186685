"""Interactions a user deleted: kept for the audit trail (when, by whom), shown and counted nowhere.

Its ID sorts before the study tallies' first count (2026-12-01T22:20), which runs the app's own
counting code and so needs these columns (a database that already ran that one just gets them now).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-01T22:19:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "interactions: soft delete"


class User(Table, tablename="crm_user", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


COMMON = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
          "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="crm", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Interaction", tablename="interaction", column_name="deleted_at",
        db_column_name="deleted_at", column_class_name="Timestamptz", column_class=Timestamptz,
        params={"default": None, "null": True, **COMMON}, schema=None,
    )
    manager.add_column(
        table_class_name="Interaction", tablename="interaction", column_name="deleted_by",
        db_column_name="deleted_by", column_class_name="ForeignKey", column_class=ForeignKey,
        params={"references": User, "on_delete": OnDelete.set_null, "on_update": OnUpdate.cascade,
                "target_column": None, "null": True, **COMMON}, schema=None,
    )
    return manager
