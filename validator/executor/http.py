"""``HttpExecutor``: hands live decisions to the executor bot over HTTP(S).

Usage::

    executor = HttpExecutor("https://executor.example/", api_key, HttpExecutorOptions(request_timeout_s=120))
    report = await executor.execute(request)     # POST /v1/executions
    await executor.close()

The decision goes in the JSON body (``ExecutionRequest.to_json``: job, round, miner, positions with
exact decimal amounts); the API key only in the ``Authorization: Bearer`` header, never in the body
and never in a log line (it is registered with the log masker). The idempotency key rides in the
body and in the ``Idempotency-Key`` header: the bot executes a key at most once and answers a repeat
with the stored outcome, so the retries below can never execute twice.

Retries (``stamina``): connection errors, timeouts, HTTP 429 and 5xx are retried with exponential
backoff (after the n-th failed try, wait ``min(wait_max_s, wait_initial_s * 2**(n - 1) + jitter)``
seconds, ``jitter`` uniform in ``[0, wait_jitter_s]``), at most ``attempts`` tries within
``retry_timeout_s``; then ``ExecutorUnavailable``. Any other 4xx is a
definite ``ExecutorRejected`` (401/403: ``ExecutorAuthError``; 409: ``ExecutionInDoubt``).
Plain ``http://`` is accepted only for loopback hosts.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import stamina
from loguru import logger

from validator.executor.errors import (
    ExecutionInDoubt,
    ExecutorAuthError,
    ExecutorConfigError,
    ExecutorRejected,
    ExecutorUnavailable,
)
from validator.executor.types import ExecutionReport, ExecutionRequest, WireFormatError
from common.logs import register_secret

EXECUTIONS_PATH = "v1/executions"


@dataclass(frozen=True, slots=True)
class HttpExecutorOptions:
    """Timeouts in seconds: ``connect_timeout_s`` to open a connection, ``request_timeout_s`` for one
    whole request (the bot answers when its transactions are mined); retry knobs as in the module docstring."""

    connect_timeout_s: float = 10.0
    request_timeout_s: float = 180.0
    attempts: int = 5
    retry_timeout_s: float = 600.0
    wait_initial_s: float = 1.0
    wait_max_s: float = 30.0
    wait_jitter_s: float = 1.0


class _Transient(ExecutorUnavailable):
    """One failed attempt that a retry may fix."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_base_url(url: str) -> str:
    """``url`` with a trailing slash; https required unless the host is loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ExecutorConfigError("executor URL must be http(s)://host[:port]/[path]")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ExecutorConfigError(f"executor URL must use https for non-loopback host {parts.hostname}")
    if parts.username or parts.password:
        raise ExecutorConfigError("executor URL must not carry credentials; use the API key setting")
    return url if url.endswith("/") else url + "/"


class HttpExecutor:
    """An ``Executor`` talking to the executor bot's HTTP API (see the module docstring)."""

    def __init__(self, url: str, api_key: str, options: HttpExecutorOptions | None = None) -> None:
        if not api_key:
            raise ExecutorConfigError("an executor API key is required")
        self._endpoint = checked_base_url(url) + EXECUTIONS_PATH
        self._api_key = api_key
        register_secret(api_key)
        self.options = options or HttpExecutorOptions()
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.options.request_timeout_s,
                                            sock_connect=self.options.connect_timeout_s)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def execute(self, request: ExecutionRequest) -> ExecutionReport:
        o = self.options
        try:
            async for attempt in stamina.retry_context(
                    on=_Transient, attempts=o.attempts, timeout=o.retry_timeout_s, wait_initial=o.wait_initial_s,
                    wait_max=o.wait_max_s, wait_jitter=o.wait_jitter_s):
                with attempt:
                    if attempt.num > 1:
                        logger.bind(job=request.job_id).warning(
                            "executor retry {} for {}", attempt.num, request.idempotency_key)
                    return await self._post(request)
        except _Transient as exc:
            raise ExecutorUnavailable(f"executor unavailable after retries: {exc}") from None
        raise AssertionError("stamina ended without a result or an error")  # pragma: no cover

    async def _post(self, request: ExecutionRequest) -> ExecutionReport:
        headers = {"Authorization": f"Bearer {self._api_key}", "Idempotency-Key": request.idempotency_key,
                   "Content-Type": "application/json"}
        body = json.dumps(request.to_json())
        try:
            async with self._client().post(self._endpoint, data=body, headers=headers) as response:
                text = await response.text()
                return _report(request, response.status, text)
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from None
        except TimeoutError:
            raise _Transient(f"no answer within {self.options.request_timeout_s:.0f}s") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _message(text: str) -> str:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return text[:300]
    return str(data.get("error", data))[:300] if isinstance(data, dict) else text[:300]


def _report(request: ExecutionRequest, status: int, text: str) -> ExecutionReport:
    if status == 429 or status >= 500:
        raise _Transient(f"HTTP {status}: {_message(text)}")
    if status in (401, 403):
        raise ExecutorAuthError(f"HTTP {status}: {_message(text)}", status)
    if status == 409:
        raise ExecutionInDoubt(f"HTTP 409: {_message(text)}", status)
    if status != 200:
        raise ExecutorRejected(f"HTTP {status}: {_message(text)}", status)
    try:
        report = ExecutionReport.from_json(json.loads(text))
    except (ValueError, WireFormatError) as exc:
        raise _Transient(f"unreadable report: {exc}") from None
    if report.idempotency_key != request.idempotency_key:
        raise ExecutorRejected(f"report for another key {report.idempotency_key}", status)
    return report
