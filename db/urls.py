"""Database URLs: validated at the edge, turned into Tortoise connection configs, and masked in logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from db.errors import DatabaseUrlError

_POSTGRES_SCHEMES = {"postgres", "postgresql", "asyncpg", "postgresql+asyncpg"}
_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-z0-9+]+://[^:/@\s]*:)(?P<secret>[^@\s]*)(?P<tail>@)", re.I)


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database URL: ``sqlite:///abs/path``, ``sqlite://relative/path``, ``sqlite://:memory:``
    or ``postgres://user[:password]@host[:port]/database``."""

    engine: str  # "sqlite" or "postgres"
    raw: str
    path: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine == "sqlite"

    def masked(self) -> str:
        """The URL with its password replaced, safe for logs."""
        return mask_url(self.raw)

    def tortoise_connection(self) -> dict[str, Any]:
        """The Tortoise ``connections`` entry for this URL."""
        if self.is_sqlite:
            return {
                "engine": "tortoise.backends.sqlite",
                "credentials": {"file_path": self.path, "journal_mode": "WAL", "foreign_keys": "ON"},
            }
        credentials: dict[str, Any] = {
            "host": self.host,
            "port": self.port or 5432,
            "user": self.user or "postgres",
            "password": self.password or "",
            "database": self.database,
        }
        return {"engine": "tortoise.backends.asyncpg", "credentials": credentials}

    def with_database(self, database: str) -> DatabaseUrl:
        """The same PostgreSQL server with another database name (tests create and drop one)."""
        if self.is_sqlite:
            raise DatabaseUrlError("with_database applies to PostgreSQL URLs only")
        auth = self.user or "postgres"
        if self.password:
            auth += f":{self.password}"
        return parse_database_url(f"postgres://{auth}@{self.host}:{self.port or 5432}/{database}")


def parse_database_url(url: str) -> DatabaseUrl:
    """Parse and validate ``url``; raise ``DatabaseUrlError`` with a message fit for one log line."""
    if not isinstance(url, str) or not url.strip():
        raise DatabaseUrlError("empty database URL")
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise DatabaseUrlError(f"'{mask_url(url)}' is not a URL (expected sqlite://... or postgres://...)")
    scheme = scheme.lower()
    if scheme == "sqlite":
        return _parse_sqlite(url, rest)
    if scheme in _POSTGRES_SCHEMES:
        return _parse_postgres(url)
    raise DatabaseUrlError(f"unsupported database engine '{scheme}' (use sqlite:// or postgres://)")


def _parse_sqlite(url: str, rest: str) -> DatabaseUrl:
    if not rest:
        raise DatabaseUrlError("sqlite URL has no file path (sqlite:///abs/path or sqlite://rel/path)")
    if rest == ":memory:":
        return DatabaseUrl(engine="sqlite", raw=url, path=":memory:")
    if "?" in rest or "#" in rest:
        raise DatabaseUrlError("sqlite URL must not carry query parameters")
    path = Path(unquote(rest))
    if path.exists() and path.is_dir():
        raise DatabaseUrlError(f"sqlite path '{path}' is a directory")
    return DatabaseUrl(engine="sqlite", raw=url, path=str(path))


def _parse_postgres(url: str) -> DatabaseUrl:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DatabaseUrlError(f"malformed PostgreSQL URL '{mask_url(url)}': {exc}") from None
    if not parts.hostname:
        raise DatabaseUrlError(f"PostgreSQL URL '{mask_url(url)}' has no host")
    database = parts.path.lstrip("/")
    if not database or "/" in database:
        raise DatabaseUrlError(f"PostgreSQL URL '{mask_url(url)}' must name exactly one database")
    if parts.query:
        raise DatabaseUrlError("PostgreSQL URL must not carry query parameters")
    return DatabaseUrl(
        engine="postgres",
        raw=url,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=unquote(database),
    )


def mask_url(url: str) -> str:
    """Replace the password of any ``scheme://user:password@`` in ``url`` with ``***``."""
    return _PASSWORD_IN_URL.sub(lambda m: f"{m.group('head')}***{m.group('tail')}", url)
