"""TickMath: the contract's bounds, every power-of-two tick against 60-digit math, and round trips."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.errors import InvalidTick
from simulator.tickmath import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

POWER_OF_TWO_TICKS = [1 << i for i in range(20)]  # 2**19 = 524288 is the largest below MAX_TICK


def true_sqrt_ratio(tick: int) -> Decimal:
    """sqrt(1.0001 ** tick) * 2**96 to 80 significant digits (the ideal value the contract rounds)."""
    with localcontext() as ctx:
        ctx.prec = 80
        return (Decimal("1.0001") ** tick).sqrt() * (Decimal(2) ** 96)


def test_bounds_equal_the_contract_constants() -> None:
    assert get_sqrt_ratio_at_tick(MIN_TICK) == MIN_SQRT_RATIO == 4295128739
    assert get_sqrt_ratio_at_tick(MAX_TICK) == MAX_SQRT_RATIO == 1461446703485210103287273052203988822378723970342


def test_ticks_next_to_the_bounds_match_the_v3_core_vectors() -> None:
    assert get_sqrt_ratio_at_tick(MIN_TICK + 1) == 4295343490
    assert get_sqrt_ratio_at_tick(MAX_TICK - 1) == 1461373636630004318706518188784493106690254656249


def test_tick_zero_is_exactly_one() -> None:
    assert get_sqrt_ratio_at_tick(0) == 1 << 96


@pytest.mark.parametrize("tick", POWER_OF_TWO_TICKS + [-t for t in POWER_OF_TWO_TICKS] + [MIN_TICK, MAX_TICK])
def test_power_of_two_ticks_match_the_ideal_price_within_the_contracts_precision(tick: int) -> None:
    got = get_sqrt_ratio_at_tick(tick)
    ideal = true_sqrt_ratio(tick)
    # the contract is within one unit of Q64.96 for moderate ticks; its truncated 128-bit constants
    # compound to ~3e-20 relative error at the extremes (measured: 2.9e-20 at MAX_TICK)
    assert abs(Decimal(got) - ideal) <= max(Decimal(1), ideal * Decimal("1e-19"))
    if abs(tick) <= 1 << 16:
        assert 0 <= Decimal(got) - ideal < 1  # rounded up from the ideal value


@pytest.mark.parametrize("tick", POWER_OF_TWO_TICKS + [-t for t in POWER_OF_TWO_TICKS] + [MIN_TICK, MAX_TICK - 1])
def test_get_tick_at_sqrt_ratio_inverts_at_power_of_two_ticks(tick: int) -> None:
    price = get_sqrt_ratio_at_tick(tick)
    assert get_tick_at_sqrt_ratio(price) == tick
    if tick > MIN_TICK:
        assert get_tick_at_sqrt_ratio(price - 1) == tick - 1


def test_max_sqrt_ratio_minus_one_is_the_last_tick() -> None:
    assert get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - 1) == MAX_TICK - 1


def test_v3_core_tick_at_ratio_vector() -> None:
    # TickMath spec: a price between ticks maps to the tick below it
    assert get_tick_at_sqrt_ratio(get_sqrt_ratio_at_tick(-221819) + 1) == -221819


@pytest.mark.parametrize("tick", [MIN_TICK - 1, MAX_TICK + 1])
def test_ticks_outside_the_range_revert_with_t(tick: int) -> None:
    with pytest.raises(InvalidTick) as info:
        get_sqrt_ratio_at_tick(tick)
    assert info.value.reason == "T"


@pytest.mark.parametrize("price", [MIN_SQRT_RATIO - 1, MAX_SQRT_RATIO, 0])
def test_prices_outside_the_range_revert_with_r(price: int) -> None:
    with pytest.raises(InvalidTick) as info:
        get_tick_at_sqrt_ratio(price)
    assert info.value.reason == "R"


@given(st.integers(MIN_TICK, MAX_TICK))
def test_random_ticks_round_trip(tick: int) -> None:
    price = get_sqrt_ratio_at_tick(tick)
    assert get_tick_at_sqrt_ratio(min(price, MAX_SQRT_RATIO - 1)) == min(tick, MAX_TICK - 1)


@given(st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1))
def test_random_prices_map_to_the_greatest_tick_not_above_them(price: int) -> None:
    tick = get_tick_at_sqrt_ratio(price)
    assert get_sqrt_ratio_at_tick(tick) <= price
    assert tick == MAX_TICK - 1 or get_sqrt_ratio_at_tick(tick + 1) > price


@given(st.integers(MIN_TICK, MAX_TICK - 1))
def test_sqrt_ratio_is_strictly_increasing(tick: int) -> None:
    assert get_sqrt_ratio_at_tick(tick) < get_sqrt_ratio_at_tick(tick + 1)
