"""Slippage floors hold anywhere in the price band: what the NPM would give or take never falls below them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.decisions import PositionSpec
from simulator.portfolio import HeldPosition, burn_amounts
from simulator.tickmath import get_sqrt_ratio_at_tick
from validator.executor_bot.plan import burn_floor, mint_floor, mint_used, price_band

SPACING = 10
ticks = st.integers(-20_000, 20_000).map(lambda t: t * SPACING)
amounts = st.integers(0, 10**30)
bps = st.integers(1, 1000)
where = st.floats(0.0, 1.0)


def _inside(low: int, high: int, share: float) -> int:
    return low + int((high - low) * share)


@settings(max_examples=400, deadline=None)
@given(ticks, st.integers(1, 4000), amounts, amounts, st.integers(-200_000, 200_000), bps, where)
def test_mint_never_takes_less_than_the_floor_within_the_band(lower: int, width: int, a0: int, a1: int, tick: int,
                                                             slippage: int, share: float) -> None:
    position = PositionSpec(lower, lower + width * SPACING, a0, a1)
    price = get_sqrt_ratio_at_tick(tick)
    floor0, floor1 = mint_floor(position, price, slippage)
    moved = _inside(*price_band(price, slippage), share)
    used0, used1 = mint_used(position, moved)
    assert used0 >= floor0 and used1 >= floor1
    assert floor0 <= a0 and floor1 <= a1


@settings(max_examples=400, deadline=None)
@given(ticks, st.integers(1, 4000), st.integers(1, 2**100), st.integers(-200_000, 200_000), bps, where)
def test_a_burn_never_pays_less_than_the_floor_within_the_band(lower: int, width: int, liquidity: int, tick: int,
                                                              slippage: int, share: float) -> None:
    upper = lower + width * SPACING
    price = get_sqrt_ratio_at_tick(tick)
    floor0, floor1 = burn_floor(lower, upper, liquidity, price, slippage)
    moved = _inside(*price_band(price, slippage), share)
    got0, got1 = burn_amounts(HeldPosition(lower, upper, liquidity), moved)
    assert got0 >= floor0 and got1 >= floor1


def test_the_band_is_the_price_moved_by_the_slippage_either_way() -> None:
    price = 2**96 * 10
    low, high = price_band(price, 100)
    assert low * low <= price * price * 99 // 100 + 2 * low and high * high <= price * price * 101 // 100
    assert (low * low) / (price * price) > 0.9899 and (high * high) / (price * price) > 1.0099
