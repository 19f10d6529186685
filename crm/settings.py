"""Settings: every CRM_* environment variable, read once."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///crm.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    db_pool_size: int  # PostgreSQL connection pool started with the app; 0 = no pool
    sqlite_timeout: float  # seconds a SQLite writer waits for the write lock
    debug: bool
    upload_dir: Path  # files uploaded for import, and their progress; shared by all app processes
    max_upload_mb: int
    upload_retention_hours: float  # a stored upload not run by then is deleted (a run deletes it at once)
    api_rate_limit: int  # API requests per token per minute, in each app process
    trusted_proxies: str  # addresses whose X-Forwarded-Proto/-For are believed (uvicorn's forwarded_allow_ips)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        """`sqlite:///relative.db` and `sqlite:////absolute.db`, as SQLAlchemy writes them."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        url = env.get("CRM_DATABASE_URL") or DEFAULT_DATABASE_URL
        if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise SystemExit(
                f"CRM_DATABASE_URL must start with sqlite:/// or postgresql:// (got {url!r})"
            )
        settings = cls(
            database_url=url,
            secret_key=env.get("CRM_SECRET_KEY", ""),
            db_pool_size=int(env.get("CRM_DB_POOL_SIZE", "10")),
            sqlite_timeout=float(env.get("CRM_SQLITE_TIMEOUT", "30")),
            debug=env.get("CRM_DEBUG", "") == "1",
            upload_dir=Path(env.get("CRM_UPLOAD_DIR") or _default_upload_dir(url)),
            max_upload_mb=int(env.get("CRM_MAX_UPLOAD_MB", "200")),
            upload_retention_hours=float(env.get("CRM_UPLOAD_RETENTION_HOURS", "72")),
            api_rate_limit=int(env.get("CRM_API_RATE_LIMIT", "600")),
            trusted_proxies=env.get("CRM_TRUSTED_PROXIES", "127.0.0.1"),
        )
        if not settings.secret_key:
            settings = _with_generated_secret(settings)
        return settings


def _default_upload_dir(url: str) -> Path:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).parent / "uploads"
    return Path.cwd() / "uploads"


def _with_generated_secret(settings: Settings) -> Settings:
    """No CRM_SECRET_KEY: make one, keep it beside the SQLite file (or the working dir), warn once."""
    folder = settings.sqlite_path.parent if settings.is_sqlite else Path.cwd()
    key_file = folder / ".crm_secret_key"
    if key_file.exists():
        key = key_file.read_text().strip()
    else:
        key = secrets.token_urlsafe(48)
        folder.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        key_file.chmod(0o600)
        print(
            f"warning: CRM_SECRET_KEY is not set; generated one in {key_file}",
            file=sys.stderr,
        )
    return Settings(**{**settings.__dict__, "secret_key": key})
