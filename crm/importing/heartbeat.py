"""Heartbeats of running imports, shared by every app process and the CLI (SPEC §8).

A run keeps a small file in the upload directory (CRM_UPLOAD_DIR, shared by all processes) fresh
while it works: a task touches it every few seconds, whatever the import's transaction is doing
(on SQLite that transaction holds the write lock, so the heartbeat cannot live in the database).
Another process treats the run as interrupted only when its file is missing or has gone stale."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path
from typing import AsyncIterator

BEAT_SECONDS = 5.0
STALE_SECONDS = 30.0  # six missed beats: the process that ran it is gone (or frozen)


def directory() -> Path:
    from crm.settings import Settings

    return Settings.from_env().upload_dir


def path(name: str) -> Path:
    return directory() / f"{name}.heartbeat"


@contextlib.asynccontextmanager
async def beating(name: str) -> AsyncIterator[None]:
    """Keep the run `name` (e.g. 'batch-12', 'upload-3') alive for other processes while inside."""
    file = path(name)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(str(os.getpid()))

    async def beat() -> None:
        while True:
            await asyncio.sleep(BEAT_SECONDS)
            with contextlib.suppress(OSError):
                os.utime(file)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        file.unlink(missing_ok=True)


def alive(name: str, *, now: float | None = None) -> bool:
    """Whether some process still beats for the run `name`."""
    try:
        age = (time.time() if now is None else now) - path(name).stat().st_mtime
    except OSError:
        return False
    return age < STALE_SECONDS
