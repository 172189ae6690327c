"""The round batch on real events: one replay for all strategies, fees like the pool, decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.attribution import OwnPosition
from simulator.batch import RoundBatch, RoundError, StrategyStart
from simulator.csv_events import read_pool_history
from simulator.events import BurnEvent, MintEvent, PoolEvent
from simulator.pool import Pool
from simulator.portfolio import HeldPosition
from simulator.replay import pool_from_start, replay

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uniswap-v3-mainnet-day1"
POOL = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"  # USDC/WETH 0.3%, 107 swaps on day one
MANAGER = "0xc36442b4a4522e871399cd717abdd847ab11fe88"  # the NonfungiblePositionManager (owner of all)
RANGE = (192_660, 199_800)  # minted at block 12,370,671, in range all day
START, END = 12_375_800, 12_376_625
CHECKPOINTS = (12_376_000, 12_376_300, END)

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"needs the shared event data at {DATA}")


def _pool_at_start() -> tuple[Pool, list[PoolEvent]]:
    history = read_pool_history(DATA, POOL)
    pool = pool_from_start(history.metadata, history.initialize)  # type: ignore[arg-type]
    replay(pool, [e for e in history.events if e.block_number <= START])
    return pool, [e for e in history.events if START < e.block_number <= END]


def _between(events: list[PoolEvent], low: int, high: int) -> list[PoolEvent]:
    return [e for e in events if low < e.block_number <= high]


def _pool_fees(pool: Pool, before: tuple[int, int], liquidity: int) -> tuple[int, int]:
    after = pool.fee_growth_inside(*RANGE)
    return tuple(((a - b) % 2**256) * liquidity >> 128 for a, b in zip(after, before))  # type: ignore[return-value]


def _round(exact: bool) -> tuple[RoundBatch, list[PoolEvent], int, list[tuple[int, int]]]:
    """Advance a round with the real position as strategy 0 and half of it as strategy 1."""
    pool, events = _pool_at_start()
    liquidity = pool.positions[(MANAGER, *RANGE)].liquidity
    assert not [e for e in events if isinstance(e, (MintEvent, BurnEvent)) and (e.tick_lower, e.tick_upper) == RANGE]
    strategies = [
        StrategyStart(0, 0, (HeldPosition(*RANGE, liquidity),)),
        StrategyStart(0, 0, (HeldPosition(*RANGE, liquidity // 2),)),
    ]
    own = [OwnPosition(MANAGER, *RANGE, liquidity)]
    batch = RoundBatch(pool, strategies, start_block=START, from_snapshot=False, own_positions=own, exact_fees=exact)
    real: list[tuple[int, int]] = []
    previous = START
    for checkpoint in CHECKPOINTS:
        growth = pool.fee_growth_inside(*RANGE)
        batch.advance_to(checkpoint, _between(events, previous, checkpoint))
        real.append(_pool_fees(pool, growth, liquidity))
        previous = checkpoint
    return batch, events, liquidity, real


def test_the_real_position_declared_as_own_earns_exactly_what_the_pool_credits_it() -> None:
    batch, _, _, real = _round(exact=True)
    earned = batch.portfolio(0)
    assert (earned.fees_earned0, earned.fees_earned1) == tuple(map(sum, zip(*real)))
    assert earned.fees_earned0 > 0 and earned.fees_earned1 > 0


def test_float_fees_stay_within_a_wei_per_step_of_the_exact_ones() -> None:
    exact_batch, _, _, _ = _round(exact=True)
    float_batch, _, _, _ = _round(exact=False)
    for index in range(2):
        exact, approx = exact_batch.portfolio(index), float_batch.portfolio(index)
        for e, a in ((exact.fees_earned0, approx.fees_earned0), (exact.fees_earned1, approx.fees_earned1)):
            assert abs(a - e) <= 1e-9 * e + 200


def test_half_the_liquidity_earns_less_than_the_whole_but_more_than_half_of_it() -> None:
    batch, _, _, _ = _round(exact=True)
    whole, half = batch.portfolio(0), batch.portfolio(1)
    assert whole.fees_earned1 / 2 < half.fees_earned1 < whole.fees_earned1


def test_the_replay_moves_the_pool_to_the_last_swap_and_counts_every_swap() -> None:
    batch, events, _, _ = _round(exact=False)
    metrics = batch.metrics()
    swaps = [e for e in events if type(e).__name__ == "SwapEvent"]
    assert batch.sqrt_price_x96 == swaps[-1].sqrt_price_x96  # type: ignore[union-attr]
    assert metrics[0].swaps_total == len(swaps) and metrics[0].swaps_in_range == len(swaps)
    assert metrics[0].fees0 == batch.portfolio(0).fees_earned0


def test_keep_changes_nothing_and_a_1e30_allocation_is_refused_with_a_reason() -> None:
    pool, events = _pool_at_start()
    batch = RoundBatch(pool, [StrategyStart(10**10, 10**19)] * 2, start_block=START, from_snapshot=False)
    batch.advance_to(CHECKPOINTS[0], _between(events, START, CHECKPOINTS[0]))
    before = batch.state(0)
    assert batch.apply(0, None).kept
    assert batch.state(0) == before
    refused = batch.apply(1, [(194_400, 195_600, 10**30, 0)])
    assert not refused.applied and refused.reason == "allocation0_above_available"
    assert batch.state(1) == before


def test_a_rebalance_shows_in_state_and_metrics() -> None:
    pool, events = _pool_at_start()
    batch = RoundBatch(pool, [StrategyStart(10**10, 10**19)] * 2, start_block=START, from_snapshot=False)
    batch.advance_to(CHECKPOINTS[0], _between(events, START, CHECKPOINTS[0]))
    assert batch.apply(0, [(194_400, 195_600, 5 * 10**9, 5 * 10**18)]).applied
    state = batch.state(0)
    (position,) = state.positions
    assert position.liquidity > 0 and state.idle0 < 10**10 and state.rebalances == 1
    batch.advance_to(END, _between(events, CHECKPOINTS[0], END))
    managed, idle = batch.metrics()
    assert managed.rebalance_count == 1 and managed.fees0 + managed.fees1 > 0
    assert idle.fees0 == idle.fees1 == 0 and idle.pnl_vs_hodl == 0


def test_events_outside_the_advanced_blocks_are_refused() -> None:
    pool, events = _pool_at_start()
    batch = RoundBatch(pool, [StrategyStart(1, 1)], start_block=START, from_snapshot=False)
    with pytest.raises(RoundError):
        batch.advance_to(CHECKPOINTS[0], events)
    with pytest.raises(RoundError):
        batch.advance_to(START - 1, [])
    with pytest.raises(RoundError):
        batch.state(1)


WISH = st.tuples(st.integers(3_230, 3_260), st.integers(1, 40), st.integers(0, 1000), st.integers(0, 1000))


@settings(max_examples=15, deadline=None)
@given(decisions=st.lists(st.lists(st.one_of(st.none(), st.lists(WISH, max_size=5)), min_size=3, max_size=3), min_size=2, max_size=2))
def test_random_decisions_through_a_real_round_keep_the_books_straight(
    decisions: list[list[list[tuple[int, int, int, int]] | None]],
) -> None:
    pool, events = _pool_at_start()
    batch = RoundBatch(pool, [StrategyStart(10**10, 5 * 10**18)] * 3, start_block=START, from_snapshot=False)
    previous = START
    for checkpoint, per_strategy in zip(CHECKPOINTS, decisions):
        batch.advance_to(checkpoint, _between(events, previous, checkpoint))
        previous = checkpoint
        for index, wishes in enumerate(per_strategy):
            before = batch.state(index)
            earned = (batch.portfolio(index).fees_earned0, batch.portfolio(index).fees_earned1)
            positions = None if wishes is None else [
                (lower * 60, (lower + width) * 60, before.available0 * s0 // 1000 // len(wishes),
                 before.available1 * s1 // 1000 // len(wishes))
                for lower, width, s0, s1 in wishes
            ]  # fmt: skip
            result = batch.apply(index, positions)
            after = batch.state(index)
            if wishes is None or not result.applied:
                assert after == before
                assert result.applied == (wishes is None) or result.reason == "too_many_positions"
                continue
            assert after.idle0 >= 0 and after.idle1 >= 0
            assert 0 <= before.available0 - after.available0 <= len(after.positions)
            assert 0 <= before.available1 - after.available1 <= len(after.positions)
            assert (batch.portfolio(index).fees_earned0, batch.portfolio(index).fees_earned1) == earned
    batch.advance_to(END, _between(events, previous, END))
    for metrics in batch.metrics():
        assert metrics.fees0 >= 0 and metrics.fees1 >= 0 and metrics.swaps_total > 0
