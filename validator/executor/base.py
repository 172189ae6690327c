"""The interface the live round hands decisions to: one call per decision, idempotent by key."""

from __future__ import annotations

from typing import Protocol

from validator.executor.types import ExecutionRequest, ExecutionReport


class Executor(Protocol):
    """Carries out live decisions on the vault (or records them).

    ``execute`` returns the final report of the request, or raises an
    ``validator.executor.errors.ExecutorError``. Calling it again with the same
    ``request.idempotency_key`` must never act twice: it returns the first outcome.
    """

    async def execute(self, request: ExecutionRequest) -> ExecutionReport:
        ...

    async def close(self) -> None:
        ...
