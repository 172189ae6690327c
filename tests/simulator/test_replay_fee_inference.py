"""Slipstream swaps whose fee changed (a dynamic or custom fee module) replay exactly: the Swap event
does not carry the fee, so the replay finds the fee that reproduces each one, and nothing else."""

from __future__ import annotations

import dataclasses
import random

import pytest

from simulator.errors import ReplayMismatch
from simulator.events import SwapEvent
from simulator.pool import Pool, PoolSnapshot
from simulator.replay import replay
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick

POOL = "0xpool"
BASE_FEE = 500  # the fee the snapshot's fee() read
SPACING = 100


def _slipstream_history(seed: int, swaps: int) -> tuple[PoolSnapshot, Pool, list[SwapEvent], list[int]]:
    """A staked Slipstream pool, snapshotted, then ``swaps`` swaps of every reading at fees that change
    from block to block (as a dynamic fee module's do), some at the base fee. Returns the snapshot,
    the pool after the swaps, their events (without fees, as the chain's) and each swap's fee."""
    rng = random.Random(seed)
    chain = Pool(BASE_FEE, SPACING, get_sqrt_ratio_at_tick(0), unstaked_fee=100_000)
    chain.mint("0xlp", -2000, 2000, 10**21)
    chain.mint("0xnarrow", -300, 400, 5 * 10**21)
    chain.mint("0xgauge", -1000, 1000, 3 * 10**21)
    chain.stake(-1000, 1000, 3 * 10**21)
    snapshot = chain.snapshot(block_number=1000)
    events: list[SwapEvent] = []
    fees: list[int] = []
    fee = BASE_FEE
    for i in range(swaps):
        if i % 3 == 0:  # a new block, a new fee
            fee = rng.choice([BASE_FEE, 100, 420, 3000, 7321, 30_000, 50_000])
        zero_for_one = chain.tick > 0 if rng.random() < 0.7 else rng.random() < 0.5
        size = rng.randrange(10**15, 10**20)
        kind = rng.random()
        edge = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        if kind < 0.6:
            request = (zero_for_one, size, edge)
        elif kind < 0.9:
            request = (zero_for_one, -size // 3, edge)
        else:  # stopped by a price limit 30 ticks away
            limit = get_sqrt_ratio_at_tick(chain.tick + (-30 if zero_for_one else 30))
            request = (zero_for_one, 10**24, limit)
        result = chain.swap(*request, fee_pips=fee)
        fees.append(fee)
        events.append(SwapEvent(POOL, 1001 + i // 3, i % 3, result.amount0, result.amount1,
                                result.sqrt_price_x96, result.liquidity, result.tick))  # fmt: skip
    return snapshot, chain, events, fees


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_slipstream_replay_finds_each_swaps_fee_and_ends_in_the_chains_state(seed: int) -> None:
    snapshot, chain, events, fees = _slipstream_history(seed, 120)
    pool = Pool.from_snapshot(snapshot)
    result = replay(pool, events, from_snapshot=True)
    assert result.swaps == len(events)
    assert result.fees_inferred == sum(fee != BASE_FEE for fee in fees) > 0
    assert pool.snapshot(chain.snapshot().block_number) == chain.snapshot()
    assert (pool.gauge_fees0, pool.gauge_fees1) == (chain.gauge_fees0, chain.gauge_fees1)


def test_the_step_log_carries_the_fee_each_swap_really_paid() -> None:
    snapshot, _, events, fees = _slipstream_history(4, 30)
    log = replay(Pool.from_snapshot(snapshot), events, from_snapshot=True).step_log
    stated = [dataclasses.replace(event, fee=fee) for event, fee in zip(events, fees)]
    log_stated = replay(Pool.from_snapshot(snapshot), stated, from_snapshot=True).step_log
    assert log.fee_exact == log_stated.fee_exact and log.lp_fee_exact == log_stated.lp_fee_exact
    assert log.liquidity_exact == log_stated.liquidity_exact


def test_a_uniswap_pool_does_not_search_its_fixed_fee() -> None:
    snapshot, _, events, fees = _slipstream_history(5, 60)
    uniswap = dataclasses.replace(snapshot, unstaked_fee=None, staked_liquidity=0)
    first_other = next(i for i, fee in enumerate(fees) if fee != BASE_FEE)
    with pytest.raises(ReplayMismatch) as raised:
        replay(Pool.from_snapshot(uniswap), events, from_snapshot=True)
    assert raised.value.kind == "Swap"
    assert (raised.value.block_number, raised.value.log_index) == (
        events[first_other].block_number, events[first_other].log_index,
    )  # fmt: skip


def test_an_event_no_fee_reproduces_is_still_a_mismatch() -> None:
    snapshot, _, events, _ = _slipstream_history(6, 10)
    bad = dataclasses.replace(events[4], tick=events[4].tick + 7)
    with pytest.raises(ReplayMismatch) as raised:
        replay(Pool.from_snapshot(snapshot), [*events[:4], bad, *events[5:]], from_snapshot=True)
    assert (raised.value.kind, raised.value.log_index, raised.value.field) == ("Swap", bad.log_index, "tick")
    assert raised.value.block_number == bad.block_number


def test_fee_search_can_be_turned_off() -> None:
    snapshot, _, events, fees = _slipstream_history(7, 30)
    assert set(fees) != {BASE_FEE}
    with pytest.raises(ReplayMismatch):
        replay(Pool.from_snapshot(snapshot), events, from_snapshot=True, infer_fees=False)
