"""SwapMath.computeSwapStep against the v3-core vectors and a composition of the reference functions.

``compute_swap_step`` inlines SqrtPriceMath for speed; ``reference_step`` below is the contract's
function written plainly on top of ``sqrt_price_math``, so any drift in the inlined arithmetic shows.
"""

from __future__ import annotations

from math import isqrt

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import MathOverflow
from simulator.fullmath import MAX_UINT128, mul_div, mul_div_rounding_up
from simulator.sqrt_price_math import (
    get_amount0_delta,
    get_amount1_delta,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from simulator.swap_math import compute_swap_step
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO

E18 = 10**18


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    return isqrt(reserve1 * (1 << 192) // reserve0)


def reference_step(price: int, target: int, liquidity: int, remaining: int, fee: int) -> tuple[int, int, int, int]:
    """SwapMath.computeSwapStep as written in the contract."""
    zfo = price >= target
    exact_in = remaining >= 0
    amount_in = amount_out = 0
    if exact_in:
        less_fee = mul_div(remaining, 10**6 - fee, 10**6)
        amount_in = (
            get_amount0_delta(target, price, liquidity, True) if zfo else get_amount1_delta(price, target, liquidity, True)
        )
        q = target if less_fee >= amount_in else get_next_sqrt_price_from_input(price, liquidity, less_fee, zfo)
    else:
        amount_out = (
            get_amount1_delta(target, price, liquidity, False) if zfo else get_amount0_delta(price, target, liquidity, False)
        )
        q = target if -remaining >= amount_out else get_next_sqrt_price_from_output(price, liquidity, -remaining, zfo)
    reached = q == target
    if zfo:
        amount_in = amount_in if reached and exact_in else get_amount0_delta(q, price, liquidity, True)
        amount_out = amount_out if reached and not exact_in else get_amount1_delta(q, price, liquidity, False)
    else:
        amount_in = amount_in if reached and exact_in else get_amount1_delta(price, q, liquidity, True)
        amount_out = amount_out if reached and not exact_in else get_amount0_delta(price, q, liquidity, False)
    if not exact_in and amount_out > -remaining:
        amount_out = -remaining
    fee_amount = remaining - amount_in if exact_in and q != target else mul_div_rounding_up(amount_in, fee, 10**6 - fee)
    return q, amount_in, amount_out, fee_amount


def test_exact_in_capped_at_the_target_one_for_zero() -> None:
    target = encode_price_sqrt(101, 100)
    q, amount_in, amount_out, fee = compute_swap_step(encode_price_sqrt(1, 1), target, 2 * E18, E18, 600)
    assert (amount_in, fee, amount_out, q) == (9975124224178055, 5988667735148, 9925619580021728, target)


def test_exact_out_capped_at_the_target_one_for_zero() -> None:
    target = encode_price_sqrt(101, 100)
    q, amount_in, amount_out, fee = compute_swap_step(encode_price_sqrt(1, 1), target, 2 * E18, -E18, 600)
    assert (amount_in, fee, amount_out, q) == (9975124224178055, 5988667735148, 9925619580021728, target)


def test_exact_in_fully_spent_one_for_zero() -> None:
    price, target = encode_price_sqrt(1, 1), encode_price_sqrt(1000, 100)
    q, amount_in, amount_out, fee = compute_swap_step(price, target, 2 * E18, E18, 600)
    assert (amount_in, fee, amount_out) == (999400000000000000, 600000000000000, 666399946655997866)
    assert q < target and q == get_next_sqrt_price_from_input(price, 2 * E18, E18 - fee, False)


def test_exact_out_fully_received_one_for_zero() -> None:
    price, target = encode_price_sqrt(1, 1), encode_price_sqrt(10000, 100)
    q, amount_in, amount_out, fee = compute_swap_step(price, target, 2 * E18, -E18, 600)
    assert (amount_in, fee, amount_out) == (2 * E18, 1200720432259356, E18)
    assert q == get_next_sqrt_price_from_output(price, 2 * E18, E18, False)


def test_amount_out_is_capped_at_the_desired_amount() -> None:
    step = compute_swap_step(
        417332158212080721273783715441582, 1452870262520218020823638996, 159344665391607089467575320103, -1, 1
    )
    assert step == (417332158212080721273783715441581, 1, 1, 1)


def test_target_price_of_one_uses_partial_input() -> None:
    step = compute_swap_step(2, 1, 1, 3915081100057732413702495386755767, 1)
    assert step == (1, 39614081257132168796771975168, 0, 39614120871253040049813)


def test_entire_input_taken_as_fee() -> None:
    assert compute_swap_step(2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872) == (2413, 0, 0, 10)


def test_intermediate_insufficient_liquidity_zero_for_one_exact_output() -> None:
    price = 20282409603651670423947251286016
    target = price * 11 // 10
    assert compute_swap_step(price, target, 1024, -4, 3000) == (target, 26215, 0, 79)


def test_intermediate_insufficient_liquidity_one_for_zero_exact_output() -> None:
    price = 20282409603651670423947251286016
    target = price * 9 // 10
    assert compute_swap_step(price, target, 1024, -263000, 3000) == (target, 1, 26214, 1)


sqrt_prices = st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO)


@settings(max_examples=2000)
@given(
    sqrt_prices,
    sqrt_prices,
    st.integers(0, MAX_UINT128),
    st.integers(-(1 << 200), 1 << 200).filter(lambda x: x != 0),
    st.integers(0, 999_999),
)
def test_inlined_step_equals_the_reference(price: int, target: int, liquidity: int, remaining: int, fee: int) -> None:
    try:
        expected: tuple[int, int, int, int] | None = reference_step(price, target, liquidity, remaining, fee)
    except MathOverflow:
        expected = None
    try:
        got: tuple[int, int, int, int] | None = compute_swap_step(price, target, liquidity, remaining, fee)
    except MathOverflow:
        got = None
    assert got == expected


@settings(max_examples=500)
@given(sqrt_prices, sqrt_prices, st.integers(1, MAX_UINT128), st.integers(1, 1 << 128), st.integers(1, 100_000))
def test_exact_input_never_spends_more_than_given(price: int, target: int, liquidity: int, amount: int, fee: int) -> None:
    try:
        q, amount_in, _, fee_amount = compute_swap_step(price, target, liquidity, amount, fee)
    except MathOverflow:
        return
    assert amount_in + fee_amount <= amount
    assert min(price, target) <= q <= max(price, target)
