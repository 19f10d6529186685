"""/healthz and /readyz, through Litestar's test client against the real database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from litestar.testing import AsyncTestClient

from crm.app import create_app


@pytest.mark.usefixtures("db")
async def test_healthz_and_readyz_answer_200():
    async with AsyncTestClient(app=create_app()) as client:
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["migrations"] == "applied"


def test_readyz_is_503_before_migrations(tmp_path):
    """A database nobody migrated is reachable but not ready."""
    script = (
        "from litestar.testing import TestClient\n"
        "from crm.app import create_app\n"
        "with TestClient(create_app()) as client:\n"
        "    response = client.get('/readyz')\n"
        "    print(response.status_code, response.json()['pending_migrations'])\n"
    )
    env = {**os.environ, "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    status, pending = result.stdout.split()
    assert status == "503" and int(pending) >= 2


def test_login_page_renders_without_a_session():
    from litestar.testing import TestClient

    with TestClient(app=create_app()) as client:
        response = client.get("/login", headers={"Accept-Language": "en"})
        assert response.status_code == 200
        assert "<h1>Log in</h1>" in response.text
