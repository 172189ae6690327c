"""ReplayChainSource over real mainnet history: exact pool state on a virtual clock, typed exhaustion."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simulator.csv_events import PoolHistory, read_event_tables
from simulator.events import SwapEvent
from simulator.replay import pool_from_start, replay
from validator.chain.errors import ChainError, ReplayExhausted
from validator.chain.replay import ReplayChainSource, ReplayDataError
from validator.chain.types import VaultState

USDC_WETH = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"


@pytest.fixture(scope="module")
def history(shared_data: Path) -> PoolHistory:
    return read_event_tables(shared_data / "uniswap-v3-mainnet-day1", USDC_WETH)[USDC_WETH]


def _window(history: PoolHistory) -> tuple[int, int]:
    swaps = [e.block_number for e in history.events if isinstance(e, SwapEvent)]
    return swaps[len(swaps) // 2], swaps[-1]


async def test_pool_state_at_a_block_is_the_exact_replay_of_every_event_up_to_it(history: PoolHistory) -> None:
    start, end = _window(history)
    source = ReplayChainSource({USDC_WETH: history}, start_block=start, end_block=end)
    assert history.initialize is not None
    for block in (start, (start + end) // 2, end):
        expected = pool_from_start(history.metadata, history.initialize)
        replay(expected, [e for e in history.events if e.block_number <= block])
        state = await source.pool_state(USDC_WETH, block)
        assert state.snapshot == expected.snapshot(block)
        assert state.info.fee == 3000 and state.info.tick_spacing == 60
    events = await source.pool_events(USDC_WETH, start + 1, end)
    assert events == [e for e in history.events if start < e.block_number <= end]


async def test_the_virtual_clock_advances_at_once_or_at_the_speed_factor_and_ends_with_the_window(
    history: PoolHistory,
) -> None:
    start, end = _window(history)
    fast = ReplayChainSource({USDC_WETH: history}, start_block=start, end_block=end)
    assert await fast.head_block() == start
    assert await fast.wait_for_block(end) == end == await fast.head_block()
    with pytest.raises(ReplayExhausted):
        await fast.wait_for_block(end + 1)
    with pytest.raises(ReplayExhausted):
        await fast.pool_state(USDC_WETH, end + 1)
    paced = ReplayChainSource({USDC_WETH: history}, start_block=start, end_block=end, speed=100.0, block_time_s=1.0)
    began = time.monotonic()
    await paced.wait_for_block(start + 20)  # 20 blocks of 1 s at 100x: at least 0.2 s
    assert time.monotonic() - began >= 0.2


async def test_vaults_come_from_the_given_states_or_a_default_inventory_else_a_typed_error(
    history: PoolHistory,
) -> None:
    start, end = _window(history)
    vault = VaultState(address="0x" + "aa" * 20, kind="eoa", pool=USDC_WETH, block_number=0, positions=(),
                       idle0=5, idle1=7)
    source = ReplayChainSource({USDC_WETH: history}, start_block=start, end_block=end, vaults={vault.address: vault})
    assert await source.vault_state(vault.address, "eoa", USDC_WETH, end) == VaultState(
        vault.address, "eoa", USDC_WETH, end, (), 5, 7)
    with pytest.raises(ReplayDataError):
        await source.vault_state("0x" + "bb" * 20, "eoa", USDC_WETH, end)
    defaulted = ReplayChainSource({USDC_WETH: history}, start_block=start, end_block=end, default_idle=(1, 2))
    assert (await defaulted.vault_state("0x" + "bb" * 20, "eoa", USDC_WETH, end)).idle1 == 2
    with pytest.raises(ChainError):
        await source.pool_state("0x" + "cc" * 20, end)


async def test_events_and_block_times_of_any_window_are_those_of_the_stored_history(history: PoolHistory) -> None:
    start, end = _window(history)
    source = ReplayChainSource({USDC_WETH: history}, start_block=start, end_block=end, block_time_s=12.0)
    blocks = sorted({e.block_number for e in history.events if e.block_number <= end})
    edges = [blocks[0] - 1, blocks[0], blocks[1], (start + end) // 2, end - 1, end]
    for low in edges:
        for high in edges:
            assert await source.pool_events(USDC_WETH, low, high) == [
                e for e in history.events if low <= e.block_number <= high]
    for block in edges[1:]:
        last = [e for e in history.events if e.block_number <= block][-1]
        assert await source.block_timestamp(block) == last.timestamp + round((block - last.block_number) * 12.0)
    with pytest.raises(ChainError):
        await source.block_timestamp(blocks[0] - 1)  # before every stored event: no time known
