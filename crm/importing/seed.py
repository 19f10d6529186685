"""The demo data in seed/, loaded through the same importer the CLI and the web upload use.

Staff (users.csv) and programmes (programmes.csv) are reference data the importer looks up, so
they are created first through the services; then every department's file goes through
import_file(). Loading twice creates and updates nothing the second time.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from tqdm import tqdm

from crm.importing.load import import_file
from crm.paths import SEED_DIR
from crm.services.programmes import upsert_programme
from crm.services.users import create_user
from crm.tables import Company, User

# (kind, file, department the file comes from), in the order references need them. The contact
# list is the city's shared one: it belongs to no department, so it holds no company (SPEC §9).
SEED_FILES = [
    ("companies", "yritykset_business_espoo.csv", "BIZ"),
    ("companies", "companies_talent_hub.csv", "TALENT"),
    ("contacts", "yhteyshenkilot.csv", None),
    ("interactions", "tapaamiset_business_espoo.csv", "BIZ"),
    ("interactions", "tyollisyys_tyonantajat.csv", "TYO"),
    ("interactions", "talent_hub_interactions.csv", "TALENT"),
    ("interactions", "hello_espoo_kontakter.csv", "HELLO"),
    ("interactions", "kaupunkisuunnittelu.csv", "PLAN"),
    ("interactions", "tilapalvelut.csv", "PREMISES"),
]


async def database_is_empty() -> bool:
    return not await Company.exists()


async def load_reference(seed_dir: Path = SEED_DIR) -> None:
    with (seed_dir / "programmes.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            await upsert_programme(
                {"code": row["Koodi"], "name_fi": row["Nimi"], "name_sv": row["Namn"], "name_en": row["Name"],
                 "theme": row["Teema"]}
            )
    with (seed_dir / "users.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if not await User.exists().where(User.email == row["email"].lower()):
                # Staff named in the files; they log in once an admin sets a password.
                await create_user(email=row["email"], name=row["name"], role=row["role"],
                                  department=row["department"])


async def load_seed(seed_dir: Path = SEED_DIR, progress: bool = False) -> list[dict]:
    await load_reference(seed_dir)
    summaries = []
    with tempfile.TemporaryDirectory(prefix="crm-seed-") as errors_dir:
        for kind, name, department in SEED_FILES:
            with tqdm(desc=name, unit=" rows", disable=None if progress else True, leave=False) as bar:
                summary = await import_file(
                    kind, seed_dir / name, department=department,
                    error_path=Path(errors_dir) / f"{name}.errors.csv", progress=bar.update,
                )
            summaries.append(summary.as_dict())
    return summaries
