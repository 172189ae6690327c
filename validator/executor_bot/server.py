"""The executor bot's HTTP API (aiohttp): the counterpart of ``validator.executor.HttpExecutor``.

``POST /v1/executions`` (``Authorization: Bearer <key>``, ``Idempotency-Key`` equal to the body's
key): executes the decision once and answers the report (200); a repeat of a finished key answers
the stored report without acting; a repeat while it runs waits for it; the same key with another
body is 422; a key left unfinished by a crash is 409. ``GET /v1/executions/{key}``: the stored
report. ``GET /health``: liveness and mode. Executions run one at a time (one signer, one nonce
sequence) and are shielded from client disconnects, so a timed-out caller never leaves a
half-done execution behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Protocol

from aiohttp import web
from loguru import logger

from validator.executor.types import ExecutionReport, ExecutionRequest, WireFormatError
from validator.executor_bot.store import DONE, KeyStore, StoredKey

MAX_BODY_BYTES = 64 * 1024


class Operator(Protocol):
    async def execute(self, request: ExecutionRequest) -> ExecutionReport:
        ...


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def request_hash(request: ExecutionRequest) -> str:
    return hashlib.sha256(json.dumps(request.to_json(), sort_keys=True).encode()).hexdigest()


class ExecutorBot:
    """Routes, auth and idempotency around an ``Operator``."""

    def __init__(self, operator: Operator, store: KeyStore, api_key: str, *, dry_run: bool = False) -> None:
        if not api_key:
            raise ValueError("the executor bot needs an API key")
        self.operator = operator
        self.store = store
        self._expected = f"Bearer {api_key}".encode()
        self.dry_run = dry_run
        self._lock = asyncio.Lock()
        self.executions = 0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post("/v1/executions", self.post_execution)
        app.router.add_get("/v1/executions/{key}", self.get_execution)
        app.router.add_get("/health", self.health)
        return app

    def _authorized(self, request: web.Request) -> bool:
        return hmac.compare_digest(request.headers.get("Authorization", "").encode(), self._expected)

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "dry_run": self.dry_run, "executions": self.executions})

    async def get_execution(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, "unauthorized")
        stored = self.store.get(request.match_info["key"])
        if stored is None:
            return _error(404, "unknown key")
        if stored.report is None:
            return _error(409, "execution in progress or interrupted")
        return web.json_response(stored.report.to_json())

    async def post_execution(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, "unauthorized")
        try:
            decision = ExecutionRequest.from_json(await request.json())
        except (ValueError, WireFormatError) as exc:
            return _error(400, f"bad request: {exc}")
        if request.headers.get("Idempotency-Key") != decision.idempotency_key:
            return _error(400, "Idempotency-Key header must equal the body's idempotency_key")
        return await asyncio.shield(self._once(decision))

    async def _once(self, decision: ExecutionRequest) -> web.Response:
        digest = request_hash(decision)
        async with self._lock:
            stored = self.store.get(decision.idempotency_key)
            if stored is not None:
                return self._repeat(stored, digest)
            self.store.begin(decision.idempotency_key, digest)
            report = await self.operator.execute(decision)
            self.store.finish(decision.idempotency_key, report)
            self.executions += 1
        logger.bind(job=decision.job_id).info("execution {} {} txs={} gas={}", decision.idempotency_key,
                                              report.status, len(report.tx_hashes), report.gas_used)
        return web.json_response(report.to_json())

    @staticmethod
    def _repeat(stored: StoredKey, digest: str) -> web.Response:
        if stored.request_hash != digest:
            return _error(422, "idempotency key reused with a different request")
        if stored.state != DONE or stored.report is None:
            return _error(409, "this key was interrupted mid-execution; not re-running it")
        return web.json_response(stored.report.to_json())
