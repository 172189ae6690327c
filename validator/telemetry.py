"""Prometheus metrics and the health endpoint of the daemon (``--metrics.port``; off by default).

``ValidatorMetrics`` holds every metric in its own ``CollectorRegistry`` (never the process-global
default, so tests and several daemons in one process do not collide). ``TelemetryServer`` serves,
on 127.0.0.1 only:

- ``/healthz``: 200 while the process and its event loop answer (liveness);
- ``/readyz``: 200 when the readiness callback says so (DB reachable, jobs loaded), else 503 with a
  JSON reason; a callback that raises or takes longer than its timeout reads as not ready;
- ``/metrics``: the Prometheus text format.

Usage::

    metrics = ValidatorMetrics()
    async with TelemetryServer(metrics, readiness=check, port=settings.metrics_port) as server:
        metrics.rounds_started.labels(job="j1", round_type="evaluation").inc()
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web
from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from protocol.decisions import ReasonCode

LOOPBACK = "127.0.0.1"
NAMESPACE = "sn98_validator"
# Checkpoint work and miner latency in seconds: loopback replies (~20 ms) up to the 60 s query timeout.
LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
_REASONS = frozenset(code.value for code in ReasonCode)


class QueryOutcome(enum.StrEnum):
    """How one miner query ended, as counted in ``miner_queries_total``."""

    OK = "ok"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    REJECTED = "rejected"
    ERROR = "error"


class ValidatorMetrics:
    """Counters, histograms and gauges of the daemon, registered in ``self.registry``.

    Labels: ``job`` (job id), ``round_type`` ('evaluation' | 'live'), ``reason`` (a failure reason;
    for rejected answers a ``protocol.ReasonCode`` value, anything else is counted as 'other').
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._query_children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}
        self._round_metrics()
        self._miner_metrics()
        self._infrastructure_metrics()

    def _round_metrics(self) -> None:
        labels = ("job", "round_type")
        self.rounds_started = self._counter("rounds_started", "Rounds started.", labels)
        self.rounds_completed = self._counter("rounds_completed", "Rounds completed with scores.", labels)
        self.rounds_failed = self._counter("rounds_failed", "Rounds ended without scores, by reason.",
                                           (*labels, "reason"))
        self.checkpoint_duration = self._histogram(
            "checkpoint_duration_seconds", "Wall time of one checkpoint (queries, validation, simulation).", labels)
        self.active_jobs = self._gauge("active_jobs", "Jobs with a running task (counted at every job refresh).")

    def _miner_metrics(self) -> None:
        self.miner_queries = self._counter("miner_queries", "Miner queries by outcome (and rejection reason).",
                                           ("round_type", "outcome", "reason"))
        self.query_latency = self._histogram("miner_query_latency_seconds", "Time until a miner's reply or timeout.",
                                             ("round_type",))
        self.miners_known = self._gauge("miners_known", "Miners in the directory after the last good sync.")

    def _infrastructure_metrics(self) -> None:
        self.weights_last_set_block = self._gauge("weights_last_set_block",
                                                  "Subtensor block of the last successful set_weights.")
        self.weights_last_success = self._gauge("weights_last_success",
                                                "1 if the last set_weights attempt succeeded, else 0.")
        self.weights_attempts = self._counter("weights_attempts", "set_weights attempts by result.", ("result",))
        self.rpc_errors = self._counter("rpc_errors", "RPC errors by service ('base', 'subtensor').", ("service",))

    def _counter(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(name, doc, labels, namespace=NAMESPACE, registry=self.registry)

    def _gauge(self, name: str, doc: str) -> Gauge:
        return Gauge(name, doc, namespace=NAMESPACE, registry=self.registry)

    def _histogram(self, name: str, doc: str, labels: tuple[str, ...]) -> Histogram:
        return Histogram(name, doc, labels, namespace=NAMESPACE, registry=self.registry, buckets=LATENCY_BUCKETS_S)

    def record_query(self, round_type: str, outcome: QueryOutcome, latency_s: float, reason: str | None = None) -> None:
        """Count one miner query; ``reason`` only for ``REJECTED`` (a ``ReasonCode`` value).
        Called per miner per checkpoint, so the labelled children are cached."""
        label = "" if outcome is not QueryOutcome.REJECTED else (reason if reason in _REASONS else "other")
        key = (round_type, outcome.value, label)
        children = self._query_children.get(key)
        if children is None:
            children = (self.miner_queries.labels(round_type=round_type, outcome=outcome.value, reason=label),
                        self.query_latency.labels(round_type=round_type))
            self._query_children[key] = children
        children[0].inc()
        children[1].observe(latency_s)

    def record_weights(self, success: bool, block: int | None) -> None:
        """Count one set_weights attempt; a success moves ``weights_last_set_block`` to ``block``."""
        self.weights_attempts.labels(result="success" if success else "failure").inc()
        self.weights_last_success.set(1 if success else 0)
        if success and block is not None:
            self.weights_last_set_block.set(block)

    def render(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


@dataclass(frozen=True, slots=True)
class Readiness:
    """The daemon's answer to "can you do your job": ``reason`` says what is missing when not ready."""

    ready: bool
    reason: str = ""


ReadinessCheck = Callable[[], Awaitable[Readiness]]


class TelemetryServer:
    """An aiohttp server on 127.0.0.1:``port`` (0 picks a free port; see ``.port``), an async context manager."""

    def __init__(self, metrics: ValidatorMetrics, readiness: ReadinessCheck, *, port: int,
                 readiness_timeout_s: float = 2.0) -> None:
        self._metrics = metrics
        self._readiness = readiness
        self._requested_port = port
        self._readiness_timeout_s = readiness_timeout_s
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def __aenter__(self) -> TelemetryServer:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_page)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, LOOPBACK, self._requested_port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = _bound_port(runner)
        logger.info("telemetry on http://{}:{} (/healthz /readyz /metrics)", LOOPBACK, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _readyz(self, request: web.Request) -> web.Response:
        readiness = await self._check_readiness()
        if readiness.ready:
            return web.json_response({"status": "ready"})
        return web.json_response({"status": "not ready", "reason": readiness.reason}, status=503)

    async def _check_readiness(self) -> Readiness:
        try:
            async with asyncio.timeout(self._readiness_timeout_s):
                return await self._readiness()
        except TimeoutError:
            return Readiness(False, f"readiness check took longer than {self._readiness_timeout_s} s")
        except Exception as exc:  # a broken check must answer 503, not crash the endpoint
            logger.warning("readiness check raised: {!r}", exc)
            return Readiness(False, f"readiness check failed: {type(exc).__name__}: {exc}")

    async def _metrics_page(self, request: web.Request) -> web.Response:
        return web.Response(body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


@contextlib.asynccontextmanager
async def serve_telemetry(metrics: ValidatorMetrics, readiness: ReadinessCheck,
                          port: int | None) -> AsyncIterator[TelemetryServer | None]:
    """The server when ``port`` is set (``--metrics.port``), nothing when it is None."""
    if port is None:
        yield None
        return
    async with TelemetryServer(metrics, readiness, port=port) as server:
        yield server


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    raise RuntimeError("the telemetry server has no bound TCP address")
