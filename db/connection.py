"""Opening the two databases through Tortoise, and applying the jobs DB migrations.

The jobs DB (read/write, connection ``jobs``) and the pool events DB (connection ``pool_events``,
read-only for the validator) are separate Tortoise connections, possibly on different engines.
The jobs schema is only ever created by migrations (``migrations/jobs``), never by
``generate_schemas``; the pool events schema is plain SQL (``migrations/pool_events``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.connection import get_connection
from tortoise.context import TortoiseContext
from tortoise.migrations.executor import MigrationExecutor

from db import models, pool_events
from db.errors import MigrationError
from db.urls import DatabaseUrl

JOBS_CONNECTION = "jobs"
POOL_EVENTS_CONNECTION = "pool_events"
JOBS_MIGRATIONS_MODULE = "migrations.jobs"
POOL_EVENTS_SQL_DIR = Path(__file__).resolve().parent.parent / "migrations" / "pool_events"


def tortoise_config(
    jobs_url: DatabaseUrl | None, pool_events_url: DatabaseUrl | None = None
) -> dict[str, Any]:
    """The Tortoise config for whichever of the two databases are given."""
    connections: dict[str, Any] = {}
    apps: dict[str, Any] = {}
    if jobs_url is not None:
        connections[JOBS_CONNECTION] = jobs_url.tortoise_connection()
        apps.update(_jobs_apps_config())
    if pool_events_url is not None:
        connections[POOL_EVENTS_CONNECTION] = pool_events_url.tortoise_connection()
        apps[pool_events.APP_LABEL] = {
            "models": ["db.pool_events"],
            "default_connection": POOL_EVENTS_CONNECTION,
        }
    return {"connections": connections, "apps": apps, "use_tz": True, "timezone": "UTC"}


@asynccontextmanager
async def open_databases(
    jobs_url: DatabaseUrl | None, pool_events_url: DatabaseUrl | None = None
) -> AsyncIterator[TortoiseContext]:
    """Open the given databases for the duration of the block and close every connection after.

    Tasks created inside the block inherit the Tortoise context (it lives in a contextvar).
    """
    for url in (jobs_url, pool_events_url):
        if url is not None and url.is_sqlite and url.path not in (None, ":memory:"):
            Path(url.path or "").parent.mkdir(parents=True, exist_ok=True)
    # Tortoise caches each model's INSERT/DELETE SQL keyed by connection name and table, not by
    # dialect: after a SQLite "jobs" connection, a PostgreSQL one would reuse "?" placeholders.
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(jobs_url, pool_events_url))
        try:
            yield ctx
        finally:
            await ctx.close_connections()


def _jobs_apps_config() -> dict[str, dict[str, Any]]:
    return {
        models.APP_LABEL: {
            "models": ["db.models"],
            "default_connection": JOBS_CONNECTION,
            "migrations": JOBS_MIGRATIONS_MODULE,
        }
    }


async def upgrade_jobs_db(progress: Callable[[str, str, str], object] | None = None) -> list[str]:
    """Apply every pending jobs DB migration in order; return the names applied.

    Must run inside ``open_databases``. Each migration runs in a transaction on PostgreSQL, so a
    failure leaves the schema at the last complete migration.
    """
    executor = MigrationExecutor(get_connection(JOBS_CONNECTION), _jobs_apps_config())
    try:
        pending = [step.migration.name for step in await executor.plan() if not step.backward]
        await executor.migrate(progress=progress)
    except Exception as exc:  # re-raised typed: the caller reports one line, the cause is chained
        raise MigrationError(f"jobs DB migration failed: {exc}") from exc
    return pending


async def pending_jobs_migrations() -> list[str]:
    """Names of the jobs DB migrations not yet applied (inside ``open_databases``)."""
    executor = MigrationExecutor(get_connection(JOBS_CONNECTION), _jobs_apps_config())
    return [step.migration.name for step in await executor.plan() if not step.backward]


def pool_events_schema_sql(url: DatabaseUrl) -> str:
    """The pool events schema for the URL's engine, as shipped in ``migrations/pool_events``."""
    name = "sqlite.sql" if url.is_sqlite else "postgres.sql"
    return (POOL_EVENTS_SQL_DIR / name).read_text(encoding="utf-8")


async def create_pool_events_schema(url: DatabaseUrl) -> None:
    """Create the pool events tables if missing (idempotent: ``CREATE ... IF NOT EXISTS``)."""
    connection = get_connection(POOL_EVENTS_CONNECTION)
    await connection.execute_script(pool_events_schema_sql(url))
