"""Live pool snapshots on the devchain: equal to the pool's real state, and exact to replay from."""

from __future__ import annotations

import pytest

from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import calldata
from scripts.devchain.rpc import Tx
from simulator.events import SwapEvent
from simulator.pool import Pool
from simulator.replay import replay
from tests.chain.support import direct_pool_read, generate, live_source
from tests.devchain.pool_logs import implied_state, read_pool_logs

pytestmark = pytest.mark.chain


@pytest.mark.parametrize("fee", [500, 3000])
async def test_snapshot_equals_the_pools_state_read_through_web3_at_the_same_block(
    devchain_clean: Devchain, fee: int
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(fee)
    before = chain.w3.eth.block_number
    generate(chain, 150, seed=21)
    source = live_source(chain)
    try:
        for block in (before, chain.w3.eth.block_number):
            state = await source.pool_state(pool.address, block)
            curve = implied_state([log for log in read_pool_logs(chain.w3, pool.address) if log.block <= block])
            direct = direct_pool_read(chain, pool.address, block, sorted(curve.liquidity_net))
            snap = state.snapshot
            assert (snap.sqrt_price_x96, snap.tick, snap.liquidity, snap.fee_protocol) == (
                direct["sqrt_price_x96"], direct["tick"], direct["liquidity"], direct["fee_protocol"])
            assert (snap.fee_growth_global0_x128, snap.fee_growth_global1_x128) == (
                direct["fee_growth_global0_x128"], direct["fee_growth_global1_x128"])
            initialized = {t: v for t, v in direct["ticks"].items() if v[0] > 0}
            assert {t: (s.liquidity_gross, s.liquidity_net, s.fee_growth_outside0_x128, s.fee_growth_outside1_x128)
                    for t, s in snap.ticks.items()} == initialized
            assert (snap.fee, snap.tick_spacing, state.info.fee, state.info.kind) == (fee, pool.tick_spacing, fee,
                                                                                     "uniswap-v3")
            assert (state.info.token0, state.info.token1) == (pool.token0, pool.token1)
            assert {state.info.decimals0, state.info.decimals1} == {6, 18}
            assert state.block_timestamp == chain.w3.eth.get_block(block)["timestamp"]
    finally:
        await source.close()


async def test_replaying_later_events_from_a_snapshot_reproduces_every_swap_and_the_final_state(
    devchain_clean: Devchain,
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(500)
    generate(chain, 80, seed=31, fees=(500,))
    source = live_source(chain)
    try:
        start = await source.pool_state(pool.address, chain.w3.eth.block_number)
        report = generate(chain, 400, seed=32, fees=(500,))
        head = chain.w3.eth.block_number
        events = await source.pool_events(pool.address, start.block_number + 1, head)
        end = await source.pool_state(pool.address, head)
    finally:
        await source.close()
    result = replay(Pool.from_snapshot(start.snapshot), events, from_snapshot=True)  # raises on any mismatch
    assert result.swaps == sum(isinstance(e, SwapEvent) for e in events) == report.swaps >= 300
    assert result.swap_readings.get("exact_output", 0) > 0
    assert result.pool.snapshot(head) == end.snapshot


async def test_protocol_fee_is_read_from_slot0_and_replays_exactly_after_it_is_switched_on(
    devchain_clean: Devchain,
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(3000)
    data = calldata("UniswapV3Pool", "setFeeProtocol", 4, 6)
    chain.rpc.send_all([Tx(chain.deployment.accounts.deployer, pool.address, data, gas=200_000)])
    generate(chain, 60, seed=33, fees=(3000,))
    source = live_source(chain)
    try:
        start = await source.pool_state(pool.address, chain.w3.eth.block_number)
        generate(chain, 150, seed=34, fees=(3000,))
        head = chain.w3.eth.block_number
        events = await source.pool_events(pool.address, start.block_number + 1, head)
        end = await source.pool_state(pool.address, head)
    finally:
        await source.close()
    assert start.snapshot.fee_protocol == 4 + (6 << 4)
    assert start.snapshot.protocol_fees0 > 0 or start.snapshot.protocol_fees1 > 0
    result = replay(Pool.from_snapshot(start.snapshot), events, from_snapshot=True)
    assert result.pool.snapshot(head) == end.snapshot
    assert end.snapshot.protocol_fees0 + end.snapshot.protocol_fees1 > (
        start.snapshot.protocol_fees0 + start.snapshot.protocol_fees1)


async def test_a_second_read_of_a_pool_is_the_same_state_without_reading_its_token_decimals_again(
    devchain: Devchain,
) -> None:
    pool = devchain.deployment.pool(500)
    block = devchain.w3.eth.block_number
    source = live_source(devchain)
    try:
        first = await source.pool_state(pool.address, block)
        requests = source.rpc.stats.requests
        second = await source.pool_state(pool.address, block)
    finally:
        await source.close()
    assert second == first
    assert source.rpc.stats.requests - requests == requests - 1  # the decimals batch is left out
