"""Telemetry: a real aiohttp server on a free loopback port, fetched with a real aiohttp client."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from validator.telemetry import QueryOutcome, Readiness, TelemetryServer, ValidatorMetrics, serve_telemetry


class _Switch:
    """A readiness callback whose answer the test flips."""

    def __init__(self) -> None:
        self.state = Readiness(False, "jobs not loaded")
        self.error: Exception | None = None
        self.delay_s = 0.0

    async def __call__(self) -> Readiness:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        return self.state


@pytest.fixture
async def served() -> AsyncIterator[tuple[TelemetryServer, ValidatorMetrics, _Switch, aiohttp.ClientSession]]:
    metrics, switch = ValidatorMetrics(), _Switch()
    async with TelemetryServer(metrics, switch, port=0, readiness_timeout_s=0.2) as server:
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{server.port}") as session:
            yield server, metrics, switch, session


async def test_healthz_answers_200_while_the_process_lives(served: tuple[TelemetryServer, ValidatorMetrics, _Switch, aiohttp.ClientSession]) -> None:
    _, _, _, session = served
    async with session.get("/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "alive"}


async def test_readyz_follows_the_readiness_callback(served: tuple[TelemetryServer, ValidatorMetrics, _Switch, aiohttp.ClientSession]) -> None:
    _, _, switch, session = served
    async with session.get("/readyz") as response:
        assert response.status == 503
        assert await response.json() == {"status": "not ready", "reason": "jobs not loaded"}
    switch.state = Readiness(True)
    async with session.get("/readyz") as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ready"


async def test_readyz_is_503_when_the_check_raises_or_hangs(served: tuple[TelemetryServer, ValidatorMetrics, _Switch, aiohttp.ClientSession]) -> None:
    _, _, switch, session = served
    switch.state = Readiness(True)
    switch.error = ConnectionRefusedError("database down")
    async with session.get("/readyz") as response:
        assert response.status == 503
        assert "database down" in (await response.json())["reason"]
    switch.error, switch.delay_s = None, 5.0
    async with session.get("/readyz") as response:
        assert response.status == 503
        assert "longer than 0.2 s" in (await response.json())["reason"]


async def test_metrics_serves_the_prometheus_text_with_recorded_values(served: tuple[TelemetryServer, ValidatorMetrics, _Switch, aiohttp.ClientSession]) -> None:
    _, metrics, _, session = served
    metrics.rounds_started.labels(job="j1", round_type="evaluation").inc()
    metrics.rounds_failed.labels(job="j1", round_type="evaluation", reason="pool_unreadable").inc()
    metrics.record_query("evaluation", QueryOutcome.OK, 0.02)
    metrics.record_query("evaluation", QueryOutcome.REJECTED, 0.03, reason="tick_out_of_bounds")
    metrics.record_query("evaluation", QueryOutcome.REJECTED, 0.03, reason="made-up reason")
    metrics.record_query("evaluation", QueryOutcome.TIMEOUT, 60.0, reason="ignored for timeouts")
    metrics.record_weights(True, block=4_321)
    metrics.active_jobs.set(2)
    async with session.get("/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    ev = ("round_type", "evaluation")
    assert samples[("sn98_validator_rounds_started_total", (("job", "j1"), ev))] == 1
    assert samples[("sn98_validator_rounds_failed_total", (("job", "j1"), ("reason", "pool_unreadable"), ev))] == 1
    queries = "sn98_validator_miner_queries_total"
    assert samples[(queries, (("outcome", "ok"), ("reason", ""), ev))] == 1
    assert samples[(queries, (("outcome", "rejected"), ("reason", "tick_out_of_bounds"), ev))] == 1
    assert samples[(queries, (("outcome", "rejected"), ("reason", "other"), ev))] == 1
    assert samples[(queries, (("outcome", "timeout"), ("reason", ""), ev))] == 1
    assert samples[("sn98_validator_miner_query_latency_seconds_count", (ev,))] == 4
    assert samples[("sn98_validator_weights_last_set_block", ())] == 4_321
    assert samples[("sn98_validator_weights_last_success", ())] == 1
    assert samples[("sn98_validator_active_jobs", ())] == 2


def test_metrics_live_in_their_own_registry_so_two_instances_do_not_collide() -> None:
    first, second = ValidatorMetrics(), ValidatorMetrics()
    first.rpc_errors.labels(service="subtensor").inc()
    assert b'sn98_validator_rpc_errors_total{service="subtensor"} 1.0' in first.render()
    assert b'service="subtensor"' not in second.render()
    assert REGISTRY.get_sample_value("sn98_validator_rpc_errors_total", {"service": "subtensor"}) is None


async def test_the_server_binds_loopback_only_and_frees_the_port_on_exit() -> None:
    async with TelemetryServer(ValidatorMetrics(), _Switch(), port=0) as server:
        port = server.port
        assert port is not None
        with pytest.raises(ConnectionRefusedError):  # a 0.0.0.0 bind would accept on 127.0.0.2 too
            socket.create_connection(("127.0.0.2", port), timeout=1.0).close()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session:
            await session.get(f"http://127.0.0.1:{port}/healthz")


async def test_a_busy_port_fails_at_start() -> None:
    async with TelemetryServer(ValidatorMetrics(), _Switch(), port=0) as server:
        assert server.port is not None
        with pytest.raises(OSError):
            await TelemetryServer(ValidatorMetrics(), _Switch(), port=server.port).start()


async def test_no_port_means_no_server() -> None:
    async with serve_telemetry(ValidatorMetrics(), _Switch(), None) as server:
        assert server is None


def test_metrics_port_is_off_by_default_and_set_by_its_flag() -> None:
    from common.settings_cli import ConfigError, settings_from_namespace
    from validator.cli import build_parser
    from validator.config import ValidatorSettings

    def settings(argv: list[str]) -> ValidatorSettings:
        return settings_from_namespace(ValidatorSettings, build_parser().parse_args(argv), None)

    assert settings([]).metrics_port is None
    assert settings(["--metrics.port", "9105"]).metrics_port == 9105
    with pytest.raises(ConfigError, match="--metrics.port"):
        settings(["--metrics.port", "70000"])
