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
