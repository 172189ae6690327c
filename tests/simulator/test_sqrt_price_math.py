"""SqrtPriceMath against the v3-core test vectors, its revert conditions and its rounding directions."""

from __future__ import annotations

from fractions import Fraction
from math import isqrt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.errors import MathOverflow
from simulator.fullmath import MAX_UINT128, MAX_UINT160, MAX_UINT256
from simulator.sqrt_price_math import (
    get_amount0_delta,
    get_amount0_delta_signed,
    get_amount1_delta,
    get_amount1_delta_signed,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)

E18 = 10**18
Q96 = 1 << 96


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    """floor(sqrt(reserve1 / reserve0) * 2**96), the v3-core tests' encodePriceSqrt."""
    return isqrt(reserve1 * (1 << 192) // reserve0)


def test_next_price_from_input_matches_v3_core_vectors() -> None:
    price = encode_price_sqrt(1, 1)
    assert get_next_sqrt_price_from_input(price, E18, E18 // 10, False) == 87150978765690771352898345369
    assert get_next_sqrt_price_from_input(price, E18, E18 // 10, True) == 72025602285694852357767227579


def test_next_price_from_output_matches_v3_core_vectors() -> None:
    price = encode_price_sqrt(1, 1)
    assert get_next_sqrt_price_from_output(price, E18, E18 // 10, False) == 88031291682515930659493278152
    assert get_next_sqrt_price_from_output(price, E18, E18 // 10, True) == 71305346262837903834189555302


def test_zero_input_returns_the_input_price() -> None:
    price = encode_price_sqrt(1, 1)
    assert get_next_sqrt_price_from_input(price, E18, 0, True) == price
    assert get_next_sqrt_price_from_input(price, E18, 0, False) == price


def test_max_input_reaches_the_minimum_price_without_overflow() -> None:
    liquidity = MAX_UINT128
    max_amount = MAX_UINT256 - (liquidity << 96) // MAX_UINT160
    assert get_next_sqrt_price_from_input(MAX_UINT160, liquidity, max_amount, True) == 1


def test_any_input_amount_cannot_underflow_the_price() -> None:
    assert get_next_sqrt_price_from_input(1, 1, 1 << 255, True) == 1


def test_input_that_overflows_the_price_reverts() -> None:
    with pytest.raises(MathOverflow):
        get_next_sqrt_price_from_input(MAX_UINT160 - 1, 1024, 1024, False)


@pytest.mark.parametrize("function", [get_next_sqrt_price_from_input, get_next_sqrt_price_from_output])
def test_zero_price_or_zero_liquidity_reverts(function: object) -> None:
    assert callable(function)
    with pytest.raises(MathOverflow):
        function(0, 1, E18 // 10, False)
    with pytest.raises(MathOverflow):
        function(1, 0, E18 // 10, True)


def test_output_equal_to_the_virtual_reserves_reverts() -> None:
    price = 20282409603651670423947251286016  # 256 * 2**96: reserves of token0 = 4, token1 = 262144
    with pytest.raises(MathOverflow):
        get_next_sqrt_price_from_output(price, 1024, 4, False)
    with pytest.raises(MathOverflow):
        get_next_sqrt_price_from_output(price, 1024, 262144, True)
    assert get_next_sqrt_price_from_output(price, 1024, 262143, True) == 77371252455336267181195264
    assert get_next_sqrt_price_from_output(price, 1024, 3, False) > price


def test_amount_deltas_match_v3_core_vectors() -> None:
    low, high = encode_price_sqrt(1, 1), encode_price_sqrt(121, 100)
    assert get_amount0_delta(low, high, E18, True) == 90909090909090910
    assert get_amount0_delta(low, high, E18, False) == 90909090909090909
    assert get_amount1_delta(low, high, E18, True) == 100000000000000000
    assert get_amount1_delta(low, high, E18, False) == 99999999999999999


def test_amount_deltas_are_zero_for_zero_liquidity_or_equal_prices() -> None:
    price = encode_price_sqrt(1, 1)
    assert get_amount0_delta(price, encode_price_sqrt(2, 1), 0, True) == 0
    assert get_amount1_delta(price, price, E18, True) == 0


def test_amount0_delta_works_where_the_product_overflows_uint256() -> None:
    low, high = encode_price_sqrt(2**90, 1), encode_price_sqrt(2**96, 1)
    up = get_amount0_delta(low, high, E18, True)
    assert up == get_amount0_delta(low, high, E18, False) + 1


prices = st.integers(1 << 32, MAX_UINT160)
liquidities = st.integers(0, MAX_UINT128)


@given(prices, prices, liquidities)
def test_deltas_round_the_exact_value_up_and_down(a: int, b: int, liquidity: int) -> None:
    lo, hi = min(a, b), max(a, b)
    exact0 = Fraction(liquidity * Q96 * (hi - lo), hi * lo)
    exact1 = Fraction(liquidity * (hi - lo), Q96)
    assert get_amount0_delta(a, b, liquidity, False) <= exact0 <= get_amount0_delta(a, b, liquidity, True)
    assert get_amount1_delta(a, b, liquidity, False) <= exact1 <= get_amount1_delta(a, b, liquidity, True)
    assert get_amount0_delta(a, b, liquidity, True) - get_amount0_delta(a, b, liquidity, False) in (0, 1, 2)
    assert get_amount1_delta(a, b, liquidity, True) - get_amount1_delta(a, b, liquidity, False) in (0, 1)


@given(prices, prices, st.integers(-(1 << 127) + 1, (1 << 127) - 1))
def test_signed_deltas_charge_up_and_pay_down(a: int, b: int, liquidity: int) -> None:
    if liquidity >= 0:
        assert get_amount0_delta_signed(a, b, liquidity) == get_amount0_delta(a, b, liquidity, True)
        assert get_amount1_delta_signed(a, b, liquidity) == get_amount1_delta(a, b, liquidity, True)
    else:
        assert get_amount0_delta_signed(a, b, liquidity) == -get_amount0_delta(a, b, -liquidity, False)
        assert get_amount1_delta_signed(a, b, liquidity) == -get_amount1_delta(a, b, -liquidity, False)


@given(st.integers(1 << 80, 1 << 120), st.integers(1, MAX_UINT128), st.integers(1, 1 << 100), st.booleans())
def test_input_never_moves_the_price_past_what_it_pays_for(price: int, liquidity: int, amount: int, zfo: bool) -> None:
    try:
        after = get_next_sqrt_price_from_input(price, liquidity, amount, zfo)
    except MathOverflow:
        return
    if zfo:
        assert after <= price and get_amount0_delta(after, price, liquidity, True) <= amount
    else:
        assert after >= price and get_amount1_delta(price, after, liquidity, True) <= amount
