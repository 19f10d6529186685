"""Where the app's files are, from a checkout and from an installed wheel."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parent
# A wheel ships the top-level folders inside the package (see pyproject.toml).
ROOT = _CHECKOUT if (_CHECKOUT / "migrations").is_dir() else PACKAGE_DIR / "_data"

TEMPLATES_DIR = ROOT / "templates"
MIGRATIONS_DIR = ROOT / "migrations"
SEED_DIR = ROOT / "seed"
STATIC_DIR = PACKAGE_DIR / "static"
