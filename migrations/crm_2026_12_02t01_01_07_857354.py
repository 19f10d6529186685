from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T01:01:07:857354"
VERSION = "1.38.0"
DESCRIPTION = "company register data and its date"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="crm", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Company",
        tablename="company",
        column_name="register_data",
        db_column_name="register_data",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "{}",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Company",
        tablename="company",
        column_name="register_date",
        db_column_name="register_date",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
