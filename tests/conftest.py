"""Shared fixtures: real SQLite files and a real PostgreSQL database per test session.

Under ``CI=true`` the PostgreSQL tests are required: a failed connection fails the run. Elsewhere
they skip with the reason. The session database is created fresh and dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from db.urls import DatabaseUrl, parse_database_url

IN_CI = os.environ.get("CI", "").lower() == "true"
ADMIN_URL = os.environ.get("SN98_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
T = TypeVar("T")
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail under CI: CI must never pass by skipping what it is there to check."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    require(SHARED_DATA.is_dir(), f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA


async def _admin(sql: str) -> None:
    admin = parse_database_url(ADMIN_URL)
    conn = await asyncpg.connect(host=admin.host, port=admin.port or 5432, user=admin.user or "postgres",
                                 password=admin.password, database=admin.database, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def run_in_own_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a private event loop in a worker thread.

    Sync fixtures (which ``getfixturevalue`` can resolve from inside async tests) use this for
    server administration without touching the test's own loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[DatabaseUrl]:
    """A fresh database on the PostgreSQL server, dropped when the session ends."""
    name = f"sn98_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        run_in_own_loop(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        require(False, f"PostgreSQL at {ADMIN_URL} is unavailable: {exc}")
    try:
        yield parse_database_url(ADMIN_URL).with_database(name)
    finally:
        run_in_own_loop(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def reset_postgres_schema(url: DatabaseUrl) -> None:
    conn = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.user or "postgres",
                                 password=url.password, database=url.database, timeout=5)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture
def postgres_url(postgres_server: DatabaseUrl) -> DatabaseUrl:
    """The session database with an empty schema for this test."""
    run_in_own_loop(reset_postgres_schema(postgres_server))
    return postgres_server


@pytest.fixture
def sqlite_url(tmp_path: Path) -> DatabaseUrl:
    return parse_database_url(f"sqlite://{tmp_path / 'test.sqlite3'}")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseUrl:
    """Each test using this runs once on a SQLite file and once on PostgreSQL (marked postgres)."""
    if request.param == "sqlite":
        return parse_database_url(f"sqlite://{tmp_path / 'test.sqlite3'}")
    url: DatabaseUrl = request.getfixturevalue("postgres_url")
    return url
