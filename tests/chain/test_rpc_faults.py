"""Reads survive 429s, 5xx, timeouts, truncated and malformed JSON, dead endpoints and oversized log
ranges (a loopback proxy injects them in front of the devchain), and fail typed when nothing answers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest
from loguru import logger

from scripts.devchain.chain import Devchain
from scripts.devchain.node import free_port
from tests.chain.fault_proxy import FaultProxy
from tests.chain.support import FAST_RETRIES, generate, live_source
from validator.chain.errors import RpcUnavailable
from validator.chain.logs import fetch_pool_events
from validator.chain.rpc import RpcClient, RpcOptions, RpcStats

pytestmark = pytest.mark.chain
FAULTS = ["429", "ok", "timeout", "truncated", "ok", "malformed", "500", "short", "ok"]


async def _round_start(chain: Devchain, urls: list[str], block: int, options: RpcOptions = FAST_RETRIES
                      ) -> tuple[tuple[object, ...], RpcStats]:
    d = chain.deployment
    source = live_source(chain, urls, options)
    try:
        pool = await source.pool_state(d.pool(500).address, block)
        eoa = await source.vault_state(d.vault.eoa, "eoa", d.pool(500).address, block)
        lm = await source.vault_state(d.vault.liquidity_manager, "liquidity_manager", d.pool(500).address, block)
        events = await source.pool_events(d.pool(500).address, 0, block)
        return (pool, eoa, lm, events), source.rpc.stats
    finally:
        await source.close()


async def test_reads_through_a_proxy_injecting_every_fault_equal_the_direct_reads(devchain_clean: Devchain) -> None:
    chain = devchain_clean
    generate(chain, 120, seed=51)
    block = chain.w3.eth.block_number
    direct, _ = await _round_start(chain, [chain.rpc_url], block)
    options = replace(FAST_RETRIES, timeout_s=1.0, cooldown_s=0.01, cooldown_max_s=0.05)
    async with FaultProxy(chain.rpc_url, FAULTS, delay_s=1.5) as proxy:
        through, stats = await _round_start(chain, [proxy.url], block, options)
    assert through == direct
    assert all(proxy.seen[f] > 0 for f in set(FAULTS)), proxy.seen
    assert stats.failures == sum(proxy.seen[f] for f in set(FAULTS) - {"ok"})
    print(f"faults injected: {dict(proxy.seen)}; requests {stats.requests}, failed attempts {stats.failures}")


async def test_a_dead_first_endpoint_fails_over_to_the_next(devchain: Devchain) -> None:
    dead = f"http://127.0.0.1:{free_port()}/"
    block = devchain.w3.eth.block_number
    direct, _ = await _round_start(devchain, [devchain.rpc_url], block)
    through, stats = await _round_start(devchain, [dead, devchain.rpc_url], block)
    assert through == direct
    assert stats.failures >= 1  # the dead endpoint was tried once, then left in its cooldown
    assert stats.failures < stats.requests / 2


async def test_log_ranges_too_large_for_the_endpoint_are_halved_until_they_fit(devchain_clean: Devchain) -> None:
    chain = devchain_clean
    generate(chain, 150, seed=52, fees=(3000,))
    head = chain.w3.eth.block_number
    pool = chain.deployment.pool(3000).address
    direct = live_source(chain)
    async with FaultProxy(chain.rpc_url, max_log_range=3) as proxy:
        limited = live_source(chain, [proxy.url])
        try:
            split = await fetch_pool_events(limited.rpc, pool, 0, head, max_range=2000)
            whole = await fetch_pool_events(direct.rpc, pool, 0, head, max_range=2000)
        finally:
            await limited.close()
            await direct.close()
    assert split.events == whole.events and len(whole.events) > 100
    assert proxy.seen["range"] > 0


async def test_when_no_endpoint_answers_the_error_is_typed_and_never_shows_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "k3yK3yK3yK3yK3yK3yK3yK3y0123"
    urls = [f"http://127.0.0.1:{free_port()}/v2/{secret}", f"http://127.0.0.1:{free_port()}/?apikey={secret}"]
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level="DEBUG")
    options = RpcOptions(timeout_s=0.5, attempts=4, wait_initial_s=0.01, wait_max_s=0.02, wait_jitter_s=0.0)
    client = RpcClient(urls, options)
    try:
        with pytest.raises(RpcUnavailable) as raised:
            await client.call("eth_blockNumber", [])
    finally:
        await client.close()
        logger.remove(sink)
    assert secret not in str(raised.value) and "rpc" in str(raised.value)
    assert messages and not any(secret in m for m in messages)
    assert secret not in caplog.text  # web3's own loggers (the provider logs its URI at DEBUG)
    assert client.stats.failures == 4


async def test_requests_to_an_endpoint_wait_for_its_rate_limit(devchain: Devchain) -> None:
    client = RpcClient([devchain.rpc_url], replace(FAST_RETRIES, rate_limit_per_s=4.0))
    started = asyncio.get_running_loop().time()
    try:
        for _ in range(10):  # a burst of 4, then 4 per second: the last starts after at least 1.5 s
            await client.call("eth_blockNumber", [])
    finally:
        await client.close()
    assert asyncio.get_running_loop().time() - started >= 1.4
    assert client.stats.requests == 10
