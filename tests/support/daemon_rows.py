"""A validator daemon running as a process, seen from a test: the rows it wrote, and waiting for them.

Each read opens its own connection in its own event loop, so a test (sync or not) can poll the
jobs DB while the daemon writes to it.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.connection import open_databases
from db.urls import parse_database_url
from tests.conftest import run_in_own_loop


async def _rows(jobs_db: str, sql: str) -> list[dict[str, Any]]:
    from tortoise.connection import get_connection

    async with open_databases(parse_database_url(jobs_db)):
        return list(await get_connection("jobs").execute_query_dict(sql))


def rows(jobs_db: str, sql: str) -> list[dict[str, Any]]:
    """The result of one SELECT on the jobs DB (a connection of its own, in its own loop)."""
    return run_in_own_loop(_rows(jobs_db, sql))


def wait_until(predicate: Callable[[], object], timeout_s: float, what: str,
               process: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
    """Poll ``predicate`` until it is true; fail at once if ``process`` exits (with ``log``'s tail)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-4000:] if log else ""
            raise AssertionError(f"the daemon exited ({process.returncode}) while waiting for {what}:\n{tail}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.1)
