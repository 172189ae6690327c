"""LiquidityAmounts (v3-periphery): liquidity for token amounts and amounts for liquidity.

These are the rounding-down helpers the position manager uses to turn a deposit into liquidity (the
amounts the pool then *takes* come from ``sqrt_price_math`` and round up). Prices are Q64.96 sqrt
prices; the range bounds may be passed in either order, as in the library.
"""

from __future__ import annotations

from simulator.errors import MathOverflow
from simulator.fullmath import MAX_UINT128, Q96, mul_div


def _to_uint128(x: int) -> int:
    if x > MAX_UINT128:
        raise MathOverflow(f"liquidity {x} does not fit in uint128")
    return x


def get_liquidity_for_amount0(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, amount0: int) -> int:
    """Liquidity that ``amount0`` of token0 buys over the range (all token0), rounded down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    intermediate = mul_div(sqrt_ratio_a_x96, sqrt_ratio_b_x96, Q96)
    return _to_uint128(mul_div(amount0, intermediate, sqrt_ratio_b_x96 - sqrt_ratio_a_x96))


def get_liquidity_for_amount1(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, amount1: int) -> int:
    """Liquidity that ``amount1`` of token1 buys over the range (all token1), rounded down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return _to_uint128(mul_div(amount1, Q96, sqrt_ratio_b_x96 - sqrt_ratio_a_x96))


def get_liquidity_for_amounts(
    sqrt_price_x96: int, sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, amount0: int, amount1: int
) -> int:
    """Most liquidity both amounts can fund at the current price (the binding token decides)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_price_x96 <= sqrt_ratio_a_x96:
        return get_liquidity_for_amount0(sqrt_ratio_a_x96, sqrt_ratio_b_x96, amount0)
    if sqrt_price_x96 < sqrt_ratio_b_x96:
        liquidity0 = get_liquidity_for_amount0(sqrt_price_x96, sqrt_ratio_b_x96, amount0)
        liquidity1 = get_liquidity_for_amount1(sqrt_ratio_a_x96, sqrt_price_x96, amount1)
        return min(liquidity0, liquidity1)
    return get_liquidity_for_amount1(sqrt_ratio_a_x96, sqrt_ratio_b_x96, amount1)


def get_amount0_for_liquidity(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """token0 worth of ``liquidity`` over the whole range, rounded down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return mul_div(liquidity << 96, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_for_liquidity(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """token1 worth of ``liquidity`` over the whole range, rounded down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def get_amounts_for_liquidity(
    sqrt_price_x96: int, sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int
) -> tuple[int, int]:
    """(amount0, amount1) that ``liquidity`` holds at the current price, both rounded down."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_price_x96 <= sqrt_ratio_a_x96:
        return get_amount0_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity), 0
    if sqrt_price_x96 < sqrt_ratio_b_x96:
        return (
            get_amount0_for_liquidity(sqrt_price_x96, sqrt_ratio_b_x96, liquidity),
            get_amount1_for_liquidity(sqrt_ratio_a_x96, sqrt_price_x96, liquidity),
        )
    return 0, get_amount1_for_liquidity(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity)
