"""The `crm` command line, run as a user runs it: a real process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crm.tables import Company, Department, Interaction, User

pytestmark = pytest.mark.usefixtures("db")


def crm(*args: str, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crm", *args], input=stdin, capture_output=True, text=True, cwd=cwd,
        env=dict(os.environ), timeout=300,
    )


def test_help_lists_every_command():
    result = crm("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "seed", "user", "import", "export"):
        assert command in result.stdout


def test_migrate_is_idempotent_on_a_migrated_database():
    result = crm("migrate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "the database is up to date" and result.stderr == ""


async def test_user_add_reads_password_from_stdin():
    result = crm("user", "add", "New.Advisor@Espoo.example", "--role", "advisor", "--department", "tyo",
                 "--name", "New Advisor", "--password-stdin", stdin="correct horse\n")
    assert result.returncode == 0, result.stderr
    row = await User.select(User.email, User.role, User.department.code, User.password_hash).first()
    assert row["email"] == "new.advisor@espoo.example" and row["department.code"] == "TYO"
    assert row["password_hash"].startswith("$argon2id$")


async def test_user_add_errors_go_to_stderr_with_nonzero_exit():
    first = crm("user", "add", "a@espoo.example", "--role", "admin", "--department", "BIZ", "--password-stdin",
                stdin="secret\n")
    assert first.returncode == 0
    again = crm("user", "add", "A@ESPOO.example", "--role", "admin", "--department", "BIZ", "--password-stdin",
                stdin="secret\n")
    assert again.returncode == 1
    assert "already exists" in again.stderr and again.stdout == ""
    unknown = crm("user", "add", "b@espoo.example", "--role", "advisor", "--department", "NOPE",
                  "--password-stdin", stdin="secret\n")
    assert unknown.returncode == 1 and "Unknown department 'NOPE'" in unknown.stderr
    bad_role = crm("user", "add", "c@espoo.example", "--role", "king", "--department", "BIZ")
    assert bad_role.returncode == 2 and "king" in bad_role.stderr
    assert await User.count() == 1


async def test_seed_twice_gives_the_same_record():
    first = crm("seed")
    assert first.returncode == 0, first.stderr
    counts = {table: await table.count() for table in (Company, Interaction, User)}
    assert counts[Company] > 250 and counts[Interaction] > 2500
    second = crm("seed")
    assert second.returncode == 0, second.stderr
    assert {table: await table.count() for table in (Company, Interaction, User)} == counts
    for line in second.stdout.splitlines():
        assert " 0 created, 0 updated," in line, line
    assert await Department.count() == 6


async def test_serve_with_two_workers_shares_sessions_and_csrf_between_them(db, tmp_path):
    """Every worker builds its own app: a session and a form token from one hold in the other."""
    import re
    import socket
    import time

    import httpx

    from tests.webutil import make_user

    await make_user("two@espoo.example")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key != "CRM_SECRET_KEY"}  # generated, once
    env["CRM_UPLOAD_DIR"] = os.environ["CRM_UPLOAD_DIR"]
    server = subprocess.Popen([sys.executable, "-m", "crm", "serve", "--port", str(port), "--workers", "2"],
                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=base, headers={"Accept": "text/html"}) as c:
            while True:
                try:
                    if (await c.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()[-2000:]
                time.sleep(0.3)
            token = re.search(r'name="_csrf_token" value="([^"]+)"', (await c.get("/login")).text)[1]
            logged_in = await c.post("/login", data={"email": "two@espoo.example", "password": "pass-word-1",
                                                     "next": "/", "_csrf_token": token})
            assert logged_in.status_code == 303
            answers = []
            for _ in range(12):  # new connections, spread over both workers
                async with httpx.AsyncClient(base_url=base, cookies=c.cookies) as fresh:
                    answers.append((await fresh.get("/companies", headers={"Accept": "text/html"})).status_code)
            assert answers == [200] * 12
            made = await c.post("/companies", data={"name": "Kahden Prosessin Oy", "_csrf_token": token,
                                                    "confirm_duplicate": "1"})
            assert made.status_code == 303, made.text[:500]
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert await Company.count().where(Company.name == "Kahden Prosessin Oy") == 1
