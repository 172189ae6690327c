"""Exact replay of every pool of the first day of Uniswap V3 mainnet, and what a mismatch looks like."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from simulator.csv_events import PoolHistory, read_event_tables
from simulator.errors import ReplayMismatch
from simulator.events import BurnEvent, FeeProtocolChange, MintEvent, SwapEvent
from simulator.pool import Pool
from simulator.replay import pool_from_start, replay

DAY1 = Path(__file__).resolve().parents[3] / "shared" / "data" / "uniswap-v3-mainnet-day1"
USDC_WETH = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"

pytestmark = pytest.mark.skipif(not DAY1.is_dir(), reason=f"shared event data not found at {DAY1}")


@pytest.fixture(scope="module")
def histories() -> dict[str, PoolHistory]:
    return read_event_tables(DAY1)


def replayable(histories: dict[str, PoolHistory]) -> list[PoolHistory]:
    return [h for h in histories.values() if h.initialize is not None]


def test_every_pool_reproduces_all_1001_swaps_and_987_mints_and_burns(histories: dict[str, PoolHistory]) -> None:
    swaps = mints_burns = 0
    readings: Counter[str] = Counter()
    for history in replayable(histories):
        assert history.initialize is not None
        result = replay(pool_from_start(history.metadata, history.initialize), history.events)
        swaps += result.swaps
        mints_burns += result.mints + result.burns
        readings.update(result.swap_readings)
    assert (swaps, mints_burns) == (1001, 987)
    # the split the replay module's docstring and scripts/bench_replay.py quote
    assert readings == {"exact_input": 873, "exact_output": 122, "to_price": 6}


def test_pools_without_initialize_have_no_events(histories: dict[str, PoolHistory]) -> None:
    assert all(not h.events for h in histories.values() if h.initialize is None)


def usdc_weth(histories: dict[str, PoolHistory]) -> tuple[Pool, PoolHistory]:
    history = histories[USDC_WETH]
    assert history.initialize is not None
    return pool_from_start(history.metadata, history.initialize), history


def replay_tampered(
    histories: dict[str, PoolHistory], kind: type, skip: int, change: Callable[[Any], dict[str, int]]
) -> tuple[Any, Any, ReplayMismatch]:
    """Replay USDC/WETH with the ``skip``-th event of ``kind`` changed; (original, tampered, mismatch)."""
    pool, history = usdc_weth(histories)
    events = list(history.events)
    index = [i for i, e in enumerate(events) if isinstance(e, kind)][skip]
    original = events[index]
    events[index] = dataclasses.replace(original, **change(original))
    with pytest.raises(ReplayMismatch) as info:
        replay(pool, events)
    return original, events[index], info.value


def test_a_tampered_swap_raises_a_mismatch_naming_the_event(histories: dict[str, PoolHistory]) -> None:
    original, tampered, mismatch = replay_tampered(histories, SwapEvent, 20, lambda e: {"amount1": e.amount1 - 1})
    assert (mismatch.kind, mismatch.block_number, mismatch.log_index) == ("Swap", original.block_number, original.log_index)
    assert mismatch.tx_hash == original.tx_hash
    assert mismatch.field in ("amount0", "amount1", "sqrt_price_x96", "tick", "liquidity")
    assert mismatch.expected == getattr(tampered, mismatch.field) != mismatch.got
    assert original.tx_hash in str(mismatch)


def test_a_tampered_price_is_reported_as_the_price_field(histories: dict[str, PoolHistory]) -> None:
    original, _, mismatch = replay_tampered(histories, SwapEvent, 0, lambda e: {"sqrt_price_x96": e.sqrt_price_x96 + 1})
    assert (mismatch.field, mismatch.expected) == ("sqrt_price_x96", original.sqrt_price_x96 + 1)


def test_a_tampered_mint_amount_raises_a_mismatch(histories: dict[str, PoolHistory]) -> None:
    original, _, mismatch = replay_tampered(histories, MintEvent, 0, lambda e: {"amount0": e.amount0 + 1})
    assert (mismatch.kind, mismatch.field, mismatch.got) == ("Mint", "amount0", original.amount0)


def test_a_burn_of_more_than_the_position_holds_is_a_revert_mismatch(histories: dict[str, PoolHistory]) -> None:
    _, _, mismatch = replay_tampered(histories, BurnEvent, 0, lambda e: {"liquidity": e.liquidity * 1000 + 1})
    assert (mismatch.kind, mismatch.field) == ("Burn", "revert")


def test_step_log_is_consistent_with_the_swaps(histories: dict[str, PoolHistory]) -> None:
    pool, history = usdc_weth(histories)
    log = replay(pool, history.events).step_log
    swaps = [e for e in history.events if isinstance(e, SwapEvent)]
    assert log.n_swaps == len(swaps) == 107
    assert log.n_steps >= log.n_swaps
    assert np.all(np.diff(log.swap_index) >= 0) and set(log.swap_index.tolist()) == set(range(107))
    assert log.swap_block_number.tolist() == [s.block_number for s in swaps]
    assert list(log.swap_sqrt_price_exact) == [s.sqrt_price_x96 for s in swaps]
    assert log.swap_tick.tolist() == [s.tick for s in swaps]
    last_step = np.r_[np.nonzero(np.diff(log.swap_index))[0], log.n_steps - 1]
    assert [log.sqrt_price_end_exact[i] for i in last_step] == [s.sqrt_price_x96 for s in swaps]
    assert log.tick_end[last_step].tolist() == [s.tick for s in swaps]
    starts = np.array(log.sqrt_price_start_exact, dtype=object)
    ends = np.array(log.sqrt_price_end_exact, dtype=object)
    zfo = log.zero_for_one
    assert np.all(ends[zfo] <= starts[zfo]) and np.all(ends[~zfo] >= starts[~zfo])
    assert np.array_equal(log.sqrt_price_start, np.array([float(x) for x in log.sqrt_price_start_exact]))
    assert np.array_equal(log.lp_fee, np.array([float(x) for x in log.lp_fee_exact]))
    assert log.lp_fee_exact == log.fee_exact  # no protocol fee on day 1


def test_fees_in_the_step_log_add_up_to_the_swaps_input_less_the_curve_amounts(
    histories: dict[str, PoolHistory],
) -> None:
    pool, history = usdc_weth(histories)
    log = replay(pool, history.events).step_log
    for k in range(log.n_swaps):
        steps = np.nonzero(log.swap_index == k)[0]
        paid_in = log.swap_amount0_exact[k] if log.swap_zero_for_one[k] else log.swap_amount1_exact[k]
        assert paid_in == sum(log.amount_in_exact[i] + log.fee_exact[i] for i in steps)


def test_protocol_fee_takes_its_share_without_changing_amounts(histories: dict[str, PoolHistory]) -> None:
    pool, history = usdc_weth(histories)
    first = history.events[0]
    change = FeeProtocolChange(USDC_WETH, first.block_number, first.log_index - 1, 4, 5)
    result = replay(pool, [change, *history.events])
    log = result.step_log
    assert result.fee_protocol_changes == 1 and result.swaps == 107
    for fee, lp_fee, zfo in zip(log.fee_exact, log.lp_fee_exact, log.zero_for_one):
        assert lp_fee == fee - fee // (4 if zfo else 5)
    protocol0 = sum(f // 4 for f, z in zip(log.fee_exact, log.zero_for_one) if z)
    protocol1 = sum(f // 5 for f, z in zip(log.fee_exact, log.zero_for_one) if not z)
    assert (result.pool.protocol_fees0, result.pool.protocol_fees1) == (protocol0, protocol1)


def test_replay_continues_exactly_from_a_mid_history_snapshot(histories: dict[str, PoolHistory]) -> None:
    pool, history = usdc_weth(histories)
    split = len(history.events) // 2
    replay(pool, history.events[:split])
    resumed = Pool.from_snapshot(pool.snapshot())
    rest = replay(resumed, history.events[split:], from_snapshot=True)
    whole_pool, _ = usdc_weth(histories)
    whole = replay(whole_pool, history.events)
    assert rest.swaps + sum(isinstance(e, SwapEvent) for e in history.events[:split]) == whole.swaps
    assert (resumed.sqrt_price_x96, resumed.tick, resumed.liquidity) == (
        whole_pool.sqrt_price_x96, whole_pool.tick, whole_pool.liquidity,
    )  # fmt: skip
    assert resumed.fee_growth_global0_x128 == whole_pool.fee_growth_global0_x128
    assert {t: i.liquidity_net for t, i in resumed.ticks.items()} == {
        t: i.liquidity_net for t, i in whole_pool.ticks.items()
    }


def test_log_from_block_keeps_earlier_swaps_out_of_the_log(histories: dict[str, PoolHistory]) -> None:
    pool, history = usdc_weth(histories)
    result = replay(pool, history.events, log_from_block=12376000)
    later = [e for e in history.events if isinstance(e, SwapEvent) and e.block_number >= 12376000]
    assert result.swaps == 107 and result.step_log.n_swaps == len(later) > 0
    assert int(result.step_log.block_number.min()) >= 12376000
