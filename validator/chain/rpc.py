"""JSON-RPC over several endpoints: failover by health, retries, rate limits, timeouts, batches.

Usage::

    rpc = RpcClient(["https://base.example/v2/KEY", "https://backup.example"], RpcOptions())
    head = int(await rpc.call("eth_blockNumber", []), 16)
    results = await rpc.batch([("eth_call", [tx, "0x10"]), ...])   # one HTTP request per batch_size calls
    await rpc.close()

Each endpoint is a web3 ``AsyncHTTPProvider`` (only its batch requests are used) sharing one
keep-alive aiohttp session. Every HTTP request waits for its endpoint's ``aiolimiter`` slot
(``rate_limit_per_s`` requests per second; a batch is one request) and runs under ``timeout_s``. Timeouts, HTTP 429 and
5xx, connection errors, malformed or truncated JSON and rate-limit payloads are retried by
``stamina`` with exponential backoff and jitter (wait ``min(wait_max_s, wait_initial_s * 2**n) +
U(0, wait_jitter_s)``), each attempt on the healthiest endpoint: a failed endpoint is skipped for a
cooldown that doubles with each consecutive failure. Per-call errors that retrying cannot fix (a
revert, an oversized log range, an unknown method) come back to the caller typed. Logs and errors
name endpoints ``rpc1(host)``: URLs, which may hold keys, are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import stamina
from aiolimiter import AsyncLimiter
from loguru import logger
from web3 import AsyncHTTPProvider
from web3.types import RPCEndpoint

from validator.chain._rpc_errors import (
    Transient,
    connection_failure,
    endpoint_label,
    http_failure,
    item_error,
    malformed,
    timeout_failure,
)
from validator.chain.errors import ChainError, RpcUnavailable

Call = tuple[str, list[Any]]
# web3 logs the endpoint URI at DEBUG (requests, session caching): those records get the label instead.
_WEB3_LOGGERS = ("web3.providers.AsyncHTTPProvider", "web3._utils.http_session_manager.HTTPSessionManager")


class _UrlMask(logging.Filter):
    """Replaces each endpoint URL by its label in web3's log records (URLs may hold API keys)."""

    def __init__(self, labels: dict[str, str]) -> None:
        super().__init__()
        self.labels = labels

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = message
        for url, label in self.labels.items():
            masked = masked.replace(url, label)
        if masked != message:
            record.msg, record.args = masked, None
        return True


@dataclass(frozen=True, slots=True)
class RpcOptions:
    """Knobs of ``RpcClient`` (seconds, requests per second, calls per batch)."""

    timeout_s: float = 10.0
    attempts: int = 6
    retry_timeout_s: float = 90.0
    wait_initial_s: float = 0.2
    wait_max_s: float = 5.0
    wait_jitter_s: float = 0.3
    rate_limit_per_s: float = 25.0
    batch_size: int = 100
    max_concurrency: int = 4
    cooldown_s: float = 2.0
    cooldown_max_s: float = 120.0


@dataclass(slots=True)
class RpcStats:
    """What went over the wire: HTTP requests, JSON-RPC calls inside them, and failed attempts."""

    requests: int = 0
    calls: int = 0
    failures: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


class Endpoint:
    """One RPC URL with its web3 provider, rate limiter and health."""

    def __init__(self, index: int, url: str, options: RpcOptions) -> None:
        self.index = index
        self.label = endpoint_label(index, url)
        timeout = aiohttp.ClientTimeout(total=options.timeout_s)
        self.provider = AsyncHTTPProvider(url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
        self.limiter = AsyncLimiter(options.rate_limit_per_s, 1.0)
        self.failures = 0
        self.down_until = 0.0

    def record_failure(self, options: RpcOptions) -> None:
        self.failures += 1
        cooldown = min(options.cooldown_max_s, options.cooldown_s * 2 ** (self.failures - 1))
        self.down_until = time.monotonic() + cooldown

    def record_success(self) -> None:
        self.failures = 0
        self.down_until = 0.0


class RpcClient:
    """JSON-RPC client over several endpoints (see the module docstring)."""

    def __init__(self, urls: Sequence[str], options: RpcOptions | None = None) -> None:
        if not urls:
            raise RpcUnavailable("no RPC URL configured")
        self.options = options or RpcOptions()
        self.endpoints = [Endpoint(i, url, self.options) for i, url in enumerate(urls)]
        self.stats = RpcStats()
        self._session: aiohttp.ClientSession | None = None
        self._semaphore = asyncio.Semaphore(self.options.max_concurrency)
        self._mask = _UrlMask({url: e.label for url, e in zip(urls, self.endpoints)})
        for name in _WEB3_LOGGERS:
            logging.getLogger(name).addFilter(self._mask)

    async def _ensure_session(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=32, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(connector=connector)
            for endpoint in self.endpoints:
                await endpoint.provider.cache_async_session(self._session)

    async def close(self) -> None:
        """Close the shared session (idempotent)."""
        for name in _WEB3_LOGGERS:
            logging.getLogger(name).removeFilter(self._mask)
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def pick(self) -> Endpoint:
        """The endpoint to try next: a healthy one (fewest recent failures, then config order), else
        the one whose cooldown ends first."""
        now = time.monotonic()
        healthy = [e for e in self.endpoints if e.down_until <= now]
        if healthy:
            return min(healthy, key=lambda e: (e.failures, e.index))
        return min(self.endpoints, key=lambda e: e.down_until)

    async def call(self, method: str, params: list[Any]) -> Any:
        """One call; its result, or its typed error raised."""
        (result,) = await self.batch([(method, params)])
        return result

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Results of ``calls`` in order; the first per-call error is raised."""
        outcomes = await self.batch_outcomes(calls)
        for outcome in outcomes:
            if isinstance(outcome, ChainError):
                raise outcome
        return outcomes

    async def batch_outcomes(self, calls: Sequence[Call]) -> list[Any]:
        """Per call: its result, or the ``ChainError`` it got (reverts, log ranges too large).

        Calls go out in batches of ``batch_size``, at most ``max_concurrency`` at a time.
        """
        size = self.options.batch_size
        chunks = [list(calls[i:i + size]) for i in range(0, len(calls), size)]
        results = await asyncio.gather(*(self._chunk(chunk) for chunk in chunks))
        return [outcome for chunk in results for outcome in chunk]

    async def _chunk(self, calls: list[Call]) -> list[Any]:
        o = self.options
        try:
            async for attempt in stamina.retry_context(
                on=Transient, attempts=o.attempts, timeout=o.retry_timeout_s, wait_initial=o.wait_initial_s,
                wait_max=o.wait_max_s, wait_jitter=o.wait_jitter_s,
            ):
                with attempt:
                    async with self._semaphore:
                        return await self._attempt(calls)
        except Transient as exc:
            raise exc.public from None
        raise AssertionError("stamina ended without a result or an error")  # pragma: no cover

    async def _attempt(self, calls: list[Call]) -> list[Any]:
        endpoint = self.pick()
        try:
            responses = await self._post(endpoint, calls)
            outcomes = [_outcome(endpoint.label, method, r) for (method, _), r in zip(calls, responses)]
            for outcome in outcomes:
                if isinstance(outcome, Transient):
                    raise outcome
        except Transient as exc:
            endpoint.record_failure(self.options)
            self.stats.failures += 1
            logger.warning("{} (attempt failed; {} consecutive on this endpoint)", exc, endpoint.failures)
            raise
        endpoint.record_success()
        return outcomes

    async def _post(self, endpoint: Endpoint, calls: list[Call]) -> list[dict[str, Any]]:
        await self._ensure_session()
        await endpoint.limiter.acquire()
        self.stats.requests += 1
        self.stats.calls += len(calls)
        for method, _ in calls:
            self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
        requests = [(RPCEndpoint(method), params) for method, params in calls]
        try:
            async with asyncio.timeout(self.options.timeout_s):
                raw = await endpoint.provider.make_batch_request(requests)
        except TimeoutError:
            raise timeout_failure(endpoint.label, self.options.timeout_s) from None
        except aiohttp.ClientResponseError as exc:
            raise http_failure(endpoint.label, exc.status) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise connection_failure(endpoint.label, exc) from None
        except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
            raise malformed(endpoint.label, f"{type(exc).__name__} (truncated or invalid JSON)") from None
        return _check_shape(endpoint.label, raw, len(calls))


def _check_shape(label: str, raw: Any, expected: int) -> list[dict[str, Any]]:
    """A batch answer must be a list of ``expected`` objects in request order (sorted by id)."""
    if isinstance(raw, dict):
        error = raw.get("error")
        outcome = item_error(label, "batch", error)
        raise outcome if isinstance(outcome, Transient) else Transient(outcome)
    if not isinstance(raw, list) or len(raw) != expected:
        count = len(raw) if isinstance(raw, list) else type(raw).__name__
        raise malformed(label, f"{count} answers to a batch of {expected}")
    if not all(isinstance(r, dict) and ("result" in r or "error" in r) for r in raw):
        raise malformed(label, "an answer without result or error")
    return raw


def _outcome(label: str, method: str, response: dict[str, Any]) -> Any:
    if "error" in response and response["error"] is not None:
        return item_error(label, method, response["error"])
    return response["result"]
