"""The bot's memory of idempotency keys: a key is executed at most once, across restarts.

SQLite (stdlib), one row per key: the request's hash, ``in_progress`` while executing, then the
final report as JSON. A key found ``in_progress`` when no execution is running means the bot
stopped mid-execution: it is never re-run automatically (the vault may have changed), the caller
gets HTTP 409 and an operator decides.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from validator.executor.types import ExecutionReport

IN_PROGRESS = "in_progress"
DONE = "done"


@dataclass(frozen=True, slots=True)
class StoredKey:
    request_hash: str
    state: str
    report: ExecutionReport | None


class KeyStore:
    """Idempotency keys and their outcomes in one SQLite file (``":memory:"`` for a throw-away store)."""

    def __init__(self, path: Path | str) -> None:
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS executions (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, "
                         "state TEXT NOT NULL, report TEXT, updated_at REAL NOT NULL)")

    def get(self, key: str) -> StoredKey | None:
        row = self._db.execute("SELECT request_hash, state, report FROM executions WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        report = ExecutionReport.from_json(json.loads(row[2])) if row[2] else None
        return StoredKey(str(row[0]), str(row[1]), report)

    def begin(self, key: str, request_hash: str) -> None:
        self._db.execute("INSERT INTO executions (key, request_hash, state, updated_at) VALUES (?, ?, ?, ?)",
                         (key, request_hash, IN_PROGRESS, time.time()))

    def finish(self, key: str, report: ExecutionReport) -> None:
        self._db.execute("UPDATE executions SET state = ?, report = ?, updated_at = ? WHERE key = ?",
                         (DONE, json.dumps(report.to_json()), time.time(), key))

    def close(self) -> None:
        self._db.close()
