"""The float64 vectorized math against the exact integer versions, with the documented error bounds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.fast_math import (
    amounts_for_liquidity,
    liquidity_for_amounts,
    sqrt_price_x96_at_tick,
    tick_at_sqrt_price_x96,
)
from simulator.liquidity_amounts import get_amounts_for_liquidity, get_liquidity_for_amounts
from simulator.tickmath import MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, get_sqrt_ratio_at_tick
from simulator.tickmath import get_tick_at_sqrt_ratio


def test_sqrt_price_at_tick_is_within_1e_12_plus_one_unit_over_the_whole_range() -> None:
    ticks = np.concatenate([np.arange(MIN_TICK, MAX_TICK + 1, 997), [MIN_TICK, 0, MAX_TICK]])
    exact = np.array([float(get_sqrt_ratio_at_tick(int(t))) for t in ticks])
    assert np.all(np.abs(sqrt_price_x96_at_tick(ticks) - exact) <= 1e-12 * exact + 1)


def test_tick_at_sqrt_price_matches_exact_away_from_boundaries() -> None:
    rng = np.random.default_rng(7)
    ticks = rng.integers(MIN_TICK, MAX_TICK, 5000)
    lows = np.array([get_sqrt_ratio_at_tick(int(t)) for t in ticks], dtype=object)
    highs = np.array([get_sqrt_ratio_at_tick(int(t) + 1) for t in ticks], dtype=object)
    mids = [(int(lo) + int(hi)) // 2 for lo, hi in zip(lows, highs)]
    got = tick_at_sqrt_price_x96(np.array([float(m) for m in mids]))
    assert np.array_equal(got, ticks)


def test_tick_at_sqrt_price_is_within_one_at_boundaries() -> None:
    ticks = np.arange(-50000, 50000, 37)
    prices = np.array([float(get_sqrt_ratio_at_tick(int(t))) for t in ticks])
    assert np.max(np.abs(tick_at_sqrt_price_x96(prices) - ticks)) <= 1


def test_tick_at_sqrt_price_clamps_to_the_tick_range() -> None:
    got = tick_at_sqrt_price_x96([float(MIN_SQRT_RATIO), float(MAX_SQRT_RATIO)])
    assert list(got) == [MIN_TICK, MAX_TICK - 1]


ranges = st.tuples(st.integers(-300000, 300000), st.integers(1, 20000), st.floats(-0.5, 1.5))


@settings(max_examples=300)
@given(ranges, st.integers(0, 10**30), st.integers(0, 10**30))
def test_liquidity_for_amounts_within_1e_9(rng: tuple[int, int, float], amount0: int, amount1: int) -> None:
    lower, width, where = rng
    sa, sb = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(lower + width)
    price = get_sqrt_ratio_at_tick(min(max(lower + int(where * width), MIN_TICK), MAX_TICK - 1))
    try:
        exact = get_liquidity_for_amounts(price, sa, sb, amount0, amount1)
    except Exception:  # liquidity beyond uint128 is not a case to compare
        return
    got = float(liquidity_for_amounts(float(price), float(sa), float(sb), float(amount0), float(amount1)))
    assert abs(got - exact) <= 1e-9 * exact + 1


@settings(max_examples=300)
@given(ranges, st.integers(0, 2**128 - 1))
def test_amounts_for_liquidity_within_1e_9_of_the_range_amount(rng: tuple[int, int, float], liquidity: int) -> None:
    lower, width, where = rng
    sa, sb = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(lower + width)
    price = get_sqrt_ratio_at_tick(min(max(lower + int(where * width), MIN_TICK), MAX_TICK - 1)) + 12345
    exact0, exact1 = get_amounts_for_liquidity(price, sa, sb, liquidity)
    full0, full1 = get_amounts_for_liquidity(sa, sa, sb, liquidity)[0], get_amounts_for_liquidity(sb, sa, sb, liquidity)[1]
    got0, got1 = amounts_for_liquidity(float(price), float(sa), float(sb), float(liquidity))
    assert abs(float(got0) - exact0) <= 1e-9 * full0 + 1
    assert abs(float(got1) - exact1) <= 1e-9 * full1 + 1


def test_functions_broadcast_over_arrays() -> None:
    ticks = np.array([-1000, 0, 1000])
    prices = sqrt_price_x96_at_tick(ticks)
    assert prices.shape == (3,)
    liquidity = liquidity_for_amounts(prices, prices[0], prices[2], 1e18, 1e18)
    amount0, amount1 = amounts_for_liquidity(prices, prices[0], prices[2], liquidity)
    assert amount0.shape == amount1.shape == (3,)
    assert amount1[0] == 0.0 and amount0[2] == 0.0
    assert get_tick_at_sqrt_ratio(int(prices[1])) == 0
