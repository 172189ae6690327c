"""The executor bot acting on the devchain's real EOA vault through the real NPM, driven by HttpExecutor.

Failure paths use real parts too: a port nothing listens on (bot down), a client timeout shorter than
the real execution (bot slow), a loopback HTTP front that answers 503 before passing requests on
(bot answering errors), a wrong API key. Every one must leave the vault executed at most once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from protocol.decisions import PositionSpec
from scripts.devchain.chain import Devchain
from simulator.liquidity_amounts import get_liquidity_for_amounts
from simulator.tickmath import get_sqrt_ratio_at_tick
from tests.executor._support import API_KEY, bot_on_devchain, free_port, pool_price, vault_npm_positions
from validator.executor import (
    ExecutionRequest,
    ExecutorAuthError,
    ExecutorRejected,
    ExecutorUnavailable,
    HttpExecutor,
    HttpExecutorOptions,
    idempotency_key,
)

pytestmark = pytest.mark.chain

FAST_RETRIES = HttpExecutorOptions(request_timeout_s=30, attempts=4, wait_initial_s=0.05, wait_max_s=0.1,
                                   wait_jitter_s=0.0, retry_timeout_s=20)


def _request(devchain: Devchain, positions: tuple[PositionSpec, ...], block: int = 100) -> ExecutionRequest:
    d = devchain.deployment
    return ExecutionRequest(idempotency_key=idempotency_key("job-a:live:1", block, "5Hotkey"), job_id="job-a",
                            round_id="job-a:live:1", block_number=block, miner_hotkey="5Hotkey", miner_uid=3,
                            chain_id=d.chain_id, vault=d.vault.eoa, vault_kind="eoa", pool=d.pool(500).address,
                            positions=positions)


def _centered(devchain: Devchain, half_width: int, amount_dev: int, amount_dusd: int) -> PositionSpec:
    _, tick = pool_price(devchain)
    lower, upper = (tick - half_width) // 10 * 10, (tick + half_width) // 10 * 10
    pool = devchain.deployment.pool(500)
    dev_is_0 = pool.token0 == devchain.deployment.token18
    a0, a1 = (amount_dev, amount_dusd) if dev_is_0 else (amount_dusd, amount_dev)
    return PositionSpec(lower, upper, a0, a1)


def _expected_liquidity(devchain: Devchain, p: PositionSpec) -> int:
    sqrt_price, _ = pool_price(devchain)
    return get_liquidity_for_amounts(sqrt_price, get_sqrt_ratio_at_tick(p.tick_lower),
                                     get_sqrt_ratio_at_tick(p.tick_upper), p.allocation0, p.allocation1)


async def test_a_decision_replaces_the_vault_positions_once_even_when_repeated(
        devchain_clean: Devchain, tmp_path: Path) -> None:
    wanted = _centered(devchain_clean, 1000, 300 * 10**18, 600_000 * 10**6)
    liquidity = _expected_liquidity(devchain_clean, wanted)
    before = vault_npm_positions(devchain_clean)
    assert len(before) == 2
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3") as (bot, url):
        executor = HttpExecutor(url, API_KEY, FAST_RETRIES)
        request = _request(devchain_clean, (wanted,))
        report = await executor.execute(request)
        again = await executor.execute(request)
        await executor.close()
    assert report.status == "confirmed", report.error
    assert len(report.tx_hashes) == 2 and report.gas_used > 0  # burn multicall + mint multicall
    assert again == report and bot.executions == 1
    after = vault_npm_positions(devchain_clean)
    assert after == [(report.token_ids[0], wanted.tick_lower, wanted.tick_upper, liquidity)]
    receipts = devchain_clean.rpc.receipts(list(report.tx_hashes))
    assert sum(int(r["gasUsed"], 16) for r in receipts) == report.gas_used


async def test_a_client_timeout_shorter_than_the_execution_never_executes_twice(
        devchain_clean: Devchain, tmp_path: Path) -> None:
    wanted = _centered(devchain_clean, 600, 100 * 10**18, 200_000 * 10**6)
    slow_client = HttpExecutorOptions(request_timeout_s=0.05, attempts=40, wait_initial_s=0.1, wait_max_s=0.3,
                                      wait_jitter_s=0.0, retry_timeout_s=30)
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3") as (bot, url):
        executor = HttpExecutor(url, API_KEY, slow_client)
        report = await executor.execute(_request(devchain_clean, (wanted,)))
        await executor.close()
    assert report.status == "confirmed" and bot.executions == 1
    assert [(p[1], p[2]) for p in vault_npm_positions(devchain_clean)] == [(wanted.tick_lower, wanted.tick_upper)]


async def test_an_unreachable_bot_raises_unavailable_after_the_retries(devchain_clean: Devchain) -> None:
    executor = HttpExecutor(f"http://127.0.0.1:{free_port()}/", API_KEY, FAST_RETRIES)
    with pytest.raises(ExecutorUnavailable):
        await executor.execute(_request(devchain_clean, ()))
    await executor.close()


@asynccontextmanager
async def _flaky_front(target: str, failures: int, seen: list[tuple[dict[str, str], bytes]]) -> AsyncIterator[str]:
    """A loopback HTTP server answering 503 to the first ``failures`` posts, then passing them to ``target``."""
    count = {"n": 0}

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append((dict(request.headers), body))
        count["n"] += 1
        if count["n"] <= failures:
            return web.json_response({"error": "overloaded"}, status=503)
        async with aiohttp.ClientSession() as session:
            async with session.post(target + "v1/executions", data=body, headers={
                    k: v for k, v in request.headers.items() if k in ("Authorization", "Idempotency-Key")}) as r:
                return web.Response(status=r.status, body=await r.read(), content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/executions", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def test_5xx_answers_are_retried_and_the_key_travels_only_in_the_header(
        devchain_clean: Devchain, tmp_path: Path) -> None:
    wanted = _centered(devchain_clean, 600, 100 * 10**18, 200_000 * 10**6)
    seen: list[tuple[dict[str, str], bytes]] = []
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3") as (bot, url):
        async with _flaky_front(url, 2, seen) as front:
            executor = HttpExecutor(front, API_KEY, FAST_RETRIES)
            report = await executor.execute(_request(devchain_clean, (wanted,)))
            await executor.close()
    assert report.status == "confirmed" and bot.executions == 1 and len(seen) == 3
    for headers, body in seen:
        assert headers["Authorization"] == f"Bearer {API_KEY}"
        assert API_KEY.encode() not in body
        decoded = json.loads(body)
        assert decoded["positions"][0]["allocation0"] == str(wanted.allocation0)  # exact decimal strings
        assert decoded["miner_uid"] == 3 and decoded["round_id"] == "job-a:live:1"


async def test_persistent_5xx_ends_unavailable_without_any_execution(devchain_clean: Devchain, tmp_path: Path) -> None:
    seen: list[tuple[dict[str, str], bytes]] = []
    before = vault_npm_positions(devchain_clean)
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3") as (bot, url):
        async with _flaky_front(url, 100, seen) as front:
            executor = HttpExecutor(front, API_KEY, FAST_RETRIES)
            with pytest.raises(ExecutorUnavailable, match="503"):
                await executor.execute(_request(devchain_clean, ()))
            await executor.close()
    assert len(seen) == FAST_RETRIES.attempts and bot.executions == 0
    assert vault_npm_positions(devchain_clean) == before


async def test_a_wrong_api_key_is_refused_once_and_nothing_is_executed(devchain_clean: Devchain, tmp_path: Path) -> None:
    before = vault_npm_positions(devchain_clean)
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3") as (bot, url):
        executor = HttpExecutor(url, "not-the-key", FAST_RETRIES)
        with pytest.raises(ExecutorAuthError):
            await executor.execute(_request(devchain_clean, ()))
        await executor.close()
    assert bot.executions == 0 and vault_npm_positions(devchain_clean) == before


async def test_a_key_reused_for_another_decision_is_rejected(devchain_clean: Devchain, tmp_path: Path) -> None:
    wanted = _centered(devchain_clean, 600, 100 * 10**18, 200_000 * 10**6)
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3") as (bot, url):
        executor = HttpExecutor(url, API_KEY, FAST_RETRIES)
        await executor.execute(_request(devchain_clean, (wanted,)))
        with pytest.raises(ExecutorRejected) as caught:
            await executor.execute(_request(devchain_clean, ()))
        await executor.close()
    assert caught.value.status == 422 and bot.executions == 1


async def test_dry_run_reports_without_touching_the_chain(devchain_clean: Devchain, tmp_path: Path) -> None:
    wanted = _centered(devchain_clean, 600, 100 * 10**18, 200_000 * 10**6)
    before = vault_npm_positions(devchain_clean)
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3", dry_run=True) as (_, url):
        executor = HttpExecutor(url, API_KEY, FAST_RETRIES)
        report = await executor.execute(_request(devchain_clean, (wanted,)))
        await executor.close()
    assert report.status == "confirmed" and report.dry_run and report.tx_hashes == ()
    assert vault_npm_positions(devchain_clean) == before


async def test_a_dead_rpc_is_reported_failed_and_the_key_is_not_run_again(devchain_clean: Devchain,
                                                                          tmp_path: Path) -> None:
    dead_rpc = f"http://127.0.0.1:{free_port()}"
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3", rpc_url=dead_rpc) as (bot, url):
        executor = HttpExecutor(url, API_KEY, FAST_RETRIES)
        request = _request(devchain_clean, ())
        report = await executor.execute(request)
        again = await executor.execute(request)
        await executor.close()
    assert report.status == "failed" and report.error and again == report and bot.executions == 1
