"""``RecordingExecutor``: executes nothing, remembers every decision (the default for ``--network local``).

Each request is kept in memory and, when ``path`` is given, appended to a JSON-lines file, so a
local run shows exactly what would have been sent to the executor bot. Same key, same report.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from validator.executor.types import ExecutionReport, ExecutionRequest


class RecordingExecutor:
    """An ``Executor`` without a chain: every request is recorded and reported ``confirmed`` (dry run)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.requests: list[ExecutionRequest] = []
        self._reports: dict[str, ExecutionReport] = {}

    async def execute(self, request: ExecutionRequest) -> ExecutionReport:
        known = self._reports.get(request.idempotency_key)
        if known is not None:
            return known
        report = ExecutionReport(request.idempotency_key, "confirmed", dry_run=True)
        self.requests.append(request)
        self._reports[request.idempotency_key] = report
        if self.path is not None:
            line = json.dumps({"request": request.to_json(), "report": report.to_json()}, sort_keys=True)
            await asyncio.to_thread(self._append, line)
        return report

    def _append(self, line: str) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    async def close(self) -> None:
        return None
