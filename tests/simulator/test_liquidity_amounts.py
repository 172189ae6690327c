"""LiquidityAmounts (v3-periphery) against its test vectors, and the round-trip rounding directions."""

from __future__ import annotations

from math import isqrt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.errors import MathOverflow
from simulator.liquidity_amounts import (
    get_amounts_for_liquidity,
    get_liquidity_for_amount0,
    get_liquidity_for_amounts,
)
from simulator.liquidity_math import add_delta
from simulator.fullmath import MAX_UINT128
from simulator.sqrt_price_math import get_amount0_delta, get_amount1_delta
from simulator.tickmath import get_sqrt_ratio_at_tick


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    return isqrt(reserve1 * (1 << 192) // reserve0)


A = encode_price_sqrt(100, 110)
B = encode_price_sqrt(110, 100)


@pytest.mark.parametrize(
    ("price", "liquidity"),
    [
        (encode_price_sqrt(1, 1), 2148),
        (encode_price_sqrt(99, 110), 1048),
        (encode_price_sqrt(111, 100), 2097),
        (A, 1048),
        (B, 2097),
    ],
)
def test_liquidity_for_amounts_matches_periphery_vectors(price: int, liquidity: int) -> None:
    assert get_liquidity_for_amounts(price, A, B, 100, 200) == liquidity
    assert get_liquidity_for_amounts(price, B, A, 100, 200) == liquidity  # bounds in either order


@pytest.mark.parametrize(
    ("price", "liquidity", "amounts"),
    [
        (encode_price_sqrt(1, 1), 2148, (99, 99)),
        (encode_price_sqrt(99, 110), 1048, (99, 0)),
        (encode_price_sqrt(111, 100), 2097, (0, 199)),
        (A, 1048, (99, 0)),
        (B, 2097, (0, 199)),
    ],
)
def test_amounts_for_liquidity_matches_periphery_vectors(price: int, liquidity: int, amounts: tuple[int, int]) -> None:
    assert get_amounts_for_liquidity(price, A, B, liquidity) == amounts


def test_liquidity_beyond_uint128_reverts() -> None:
    with pytest.raises(MathOverflow):
        get_liquidity_for_amount0(get_sqrt_ratio_at_tick(0), get_sqrt_ratio_at_tick(1), 1 << 200)


def test_add_delta_reverts_ls_below_zero_and_la_above_uint128() -> None:
    assert add_delta(5, -5) == 0
    with pytest.raises(MathOverflow) as below:
        add_delta(1, -2)
    assert below.value.reason == "LS"
    with pytest.raises(MathOverflow) as above:
        add_delta(MAX_UINT128, 1)
    assert above.value.reason == "LA"


@given(
    st.integers(-200000, 200000),
    st.integers(1, 5000),
    st.integers(0, 5000),
    st.integers(0, 10**27),
    st.integers(0, 10**27),
)
def test_minting_the_liquidity_of_a_deposit_never_costs_more_than_the_deposit(
    lower: int, width: int, offset: int, amount0: int, amount1: int
) -> None:
    sa, sb = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(lower + width)
    price = get_sqrt_ratio_at_tick(lower - 10 + offset % (width + 20))
    liquidity = get_liquidity_for_amounts(price, sa, sb, amount0, amount1)
    inside = min(max(price, sa), sb)
    cost0 = get_amount0_delta(inside, sb, liquidity, True)
    cost1 = get_amount1_delta(sa, inside, liquidity, True)
    assert cost0 <= amount0 and cost1 <= amount1
    held0, held1 = get_amounts_for_liquidity(price, sa, sb, liquidity)
    assert held0 <= cost0 and held1 <= cost1  # what a burn returns never exceeds what the mint took
