"""The Piccolo app: its tables and the top-level migrations folder."""

from piccolo.conf.apps import AppConfig, table_finder

from crm.paths import MIGRATIONS_DIR

APP_CONFIG = AppConfig(
    app_name="crm",
    migrations_folder_path=MIGRATIONS_DIR,
    table_classes=table_finder(modules=["crm.tables"], exclude_imported=True),
)
