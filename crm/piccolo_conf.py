"""Piccolo wiring: the engine comes from CRM_DATABASE_URL."""

from piccolo.conf.apps import AppRegistry

from crm.db import make_engine
from crm.settings import Settings

DB = make_engine(Settings.from_env())

APP_REGISTRY = AppRegistry(apps=["crm.piccolo_app"])
