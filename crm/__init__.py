"""Espoo business CRM: one city-wide record of companies, contacts and interactions."""

import os

# Piccolo finds its engine and apps through this module; set before any table is used.
os.environ.setdefault("PICCOLO_CONF", "crm.piccolo_conf")
