"""Jobs DB backups (scripts/ops/backup_jobs_db.py): consistent while written, verified, pruned, restorable."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from db.urls import DatabaseUrl, parse_database_url
from scripts.ops.backup_jobs_db import backup, jobs_db_url, main, prune

pytestmark = pytest.mark.timeout(120)


def _seed_sqlite(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, amount TEXT NOT NULL)")
        db.executemany("INSERT INTO jobs (amount) VALUES (?)", [(str(2**200 + i),) for i in range(rows)])


def test_sqlite_backup_while_a_writer_holds_a_transaction_copies_the_committed_rows(tmp_path: Path) -> None:
    source = tmp_path / "jobs.sqlite3"
    _seed_sqlite(source, 500)
    writer = sqlite3.connect(source)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO jobs (amount) VALUES ('uncommitted')")
    try:
        copy = backup(parse_database_url(f"sqlite://{source}"), tmp_path / "backups", keep=3)
    finally:
        writer.rollback()
        writer.close()
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT count(*), max(amount) FROM jobs").fetchone() == (500, str(2**200 + 499))
    assert copy.name.startswith("jobs-") and copy.suffix == ".sqlite3"


def test_old_backups_beyond_keep_are_deleted_newest_kept(tmp_path: Path) -> None:
    source = tmp_path / "jobs.sqlite3"
    _seed_sqlite(source, 3)
    url = parse_database_url(f"sqlite://{source}")
    made = [backup(url, tmp_path / "b", keep=2, now=dt.datetime(2026, 1, day, tzinfo=dt.timezone.utc))
            for day in (1, 2, 3)]
    assert sorted((tmp_path / "b").glob("jobs-*")) == made[1:]
    assert prune(tmp_path / "b", ".sqlite3", keep=1) == [made[1]]


def test_url_precedence_is_flag_then_environment_then_dotenv_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SN98_JOBS_DB_URL=sqlite://from/dotenv.sqlite3\n")
    monkeypatch.delenv("SN98_JOBS_DB_URL", raising=False)
    assert jobs_db_url(None, tmp_path / "absent") == "sqlite://var/jobs.sqlite3"
    assert jobs_db_url(None, env_file) == "sqlite://from/dotenv.sqlite3"
    monkeypatch.setenv("SN98_JOBS_DB_URL", "sqlite://from/env.sqlite3")
    assert jobs_db_url(None, env_file) == "sqlite://from/env.sqlite3"
    assert jobs_db_url("sqlite://flag.sqlite3", env_file) == "sqlite://flag.sqlite3"


def test_a_missing_database_fails_with_exit_1_and_leaves_no_partial_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--url", f"sqlite://{tmp_path / 'nope.sqlite3'}", "--out", str(tmp_path / "b")])
    assert code == 1 and "does not exist" in capsys.readouterr().err
    assert list((tmp_path / "b").iterdir()) == []


async def _psql(url: DatabaseUrl, sql: str, query: str | None = None) -> list[Any]:
    """Run ``sql`` (several statements allowed), then ``query``'s rows."""
    conn = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.user or "postgres",
                                 password=url.password, database=url.database, timeout=5)
    try:
        if sql:
            await conn.execute(sql)
        return list(await conn.fetch(query)) if query else []
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_postgres_dump_restores_into_an_empty_database(postgres_url: DatabaseUrl, tmp_path: Path) -> None:
    await _psql(postgres_url, "CREATE TABLE jobs (id serial PRIMARY KEY, amount numeric(78,0) NOT NULL);"
                              f"INSERT INTO jobs (amount) SELECT {2**255} + g FROM generate_series(1, 300) g")
    dump = await asyncio.to_thread(backup, postgres_url, tmp_path / "b", 3)
    await _psql(postgres_url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    restore = ["pg_restore", "--no-owner", "--host", postgres_url.host or "localhost", "--port",
               str(postgres_url.port or 5432), "--username", postgres_url.user or "postgres", "--dbname",
               postgres_url.database or "postgres", str(dump)]
    await asyncio.to_thread(subprocess.run, restore, check=True, capture_output=True, timeout=60)
    (row,) = await _psql(postgres_url, "", "SELECT count(*) AS n, max(amount)::text AS top FROM jobs")
    assert (row["n"], row["top"]) == (300, str(2**255 + 300))
