"""Back up the validator's jobs database while the daemon runs, verify the copy, keep the last N.

    python -m scripts.ops.backup_jobs_db --out /var/backups/sn98 [--url URL] [--keep 14]

The URL comes from ``--url``, else ``SN98_JOBS_DB_URL`` in the environment, else in ``./.env``, else
the validator's default ``sqlite://var/jobs.sqlite3``.

- SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  page by page while the daemon keeps writing (WAL mode); the copy must pass ``PRAGMA
  integrity_check``. Output ``jobs-<UTC time>.sqlite3``.
- PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot; restore with ``pg_restore``), the
  password passed through ``PGPASSWORD``, never on the command line; the dump must list with
  ``pg_restore --list``. Output ``jobs-<UTC time>.dump``.

A copy is written under a temporary name and renamed only once verified. Exit codes: 0 done,
1 the backup or its verification failed, 2 bad arguments. Prints the backup's path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from dotenv import dotenv_values

from common.settings_cli import env_name_of
from db.errors import DatabaseUrlError
from db.urls import DatabaseUrl, parse_database_url
from validator.config import ValidatorSettings

DEFAULT_URL = str(ValidatorSettings.model_fields["jobs_db_url"].default)
"""The validator's own default, so a backup reads the database the daemon writes."""
URL_VARIABLE = env_name_of(ValidatorSettings, "jobs_db_url")
PAGES_PER_STEP = 1024


class BackupError(Exception):
    """The backup could not be made or did not verify; the message says which step failed."""


def jobs_db_url(given: str | None, env_file: Path = Path(".env")) -> str:
    """The URL by the validator's precedence: flag, environment, ``.env``, default."""
    from_file = dotenv_values(env_file).get(URL_VARIABLE) if env_file.is_file() else None
    return given or os.environ.get(URL_VARIABLE) or from_file or DEFAULT_URL


def backup_sqlite(url: DatabaseUrl, target: Path) -> None:
    """Online backup of a SQLite file into ``target``, then an integrity check of the copy."""
    source_path = Path(url.path or "")
    if not source_path.is_file():
        raise BackupError(f"{source_path} does not exist")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=PAGES_PER_STEP)
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from exc
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        raise BackupError(f"the copy failed its integrity check: {verdict}")


def backup_postgres(url: DatabaseUrl, target: Path) -> None:
    """``pg_dump --format=custom`` into ``target``, then ``pg_restore --list`` of the dump."""
    env = os.environ | ({"PGPASSWORD": url.password} if url.password else {})
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), "--host", url.host or "localhost",
               "--port", str(url.port or 5432), "--username", url.user or "postgres", url.database or "postgres"]
    for step in (command, ["pg_restore", "--list", str(target)]):
        try:
            done = subprocess.run(step, env=env, capture_output=True, text=True, timeout=3600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BackupError(f"{step[0]} failed: {exc}") from exc
        if done.returncode != 0:
            raise BackupError(f"{step[0]} exited {done.returncode}: {done.stderr.strip()[:500]}")


def prune(folder: Path, suffix: str, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest ``jobs-*<suffix>`` backups (names sort by time); the deleted."""
    backups = sorted(folder.glob(f"jobs-*{suffix}"))
    doomed = backups[: max(0, len(backups) - keep)]
    for path in doomed:
        path.unlink()
    return doomed


def backup(url: DatabaseUrl, folder: Path, keep: int, now: dt.datetime | None = None) -> Path:
    """Make, verify and keep one backup of ``url`` in ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite3" if url.is_sqlite else ".dump"
    final = folder / f"jobs-{stamp}{suffix}"
    partial = folder / f".partial-{final.name}"
    partial.unlink(missing_ok=True)
    try:
        (backup_sqlite if url.is_sqlite else backup_postgres)(url, partial)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    prune(folder, suffix, keep)
    return final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.ops.backup_jobs_db", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="jobs DB URL [SN98_JOBS_DB_URL, .env, sqlite://var/jobs.sqlite3]")
    parser.add_argument("--out", type=Path, required=True, help="folder of the backups")
    parser.add_argument("--keep", type=int, default=14, help="backups to keep [14]")
    args = parser.parse_args(argv)
    try:
        url = parse_database_url(jobs_db_url(args.url))
    except DatabaseUrlError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 2
    if url.is_sqlite and url.path in (None, ":memory:"):
        print("backup: an in-memory database has nothing to back up", file=sys.stderr)
        return 2
    try:
        path = backup(url, args.out, max(1, args.keep))
    except BackupError as exc:
        print(f"backup of {url.masked()} failed: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
