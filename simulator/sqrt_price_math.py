"""SqrtPriceMath: token deltas between sqrt prices and the price after adding or removing a token.

Exact ports of the v3-core library with its rounding directions: amounts the pool *receives* round
up, amounts it *pays* round down, and the next price rounds so that the pool never gives away more
than it was paid. Prices are Q64.96 sqrt prices, liquidity is uint128, amounts are raw token units.
"""

from __future__ import annotations

from simulator.errors import MathOverflow
from simulator.fullmath import MAX_UINT160, MAX_UINT256, Q96, to_int256


def get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96: int, liquidity: int, amount: int, add: bool) -> int:
    """Price after adding (``add``) or removing ``amount`` of token0, rounded up.

    Uses ``L * P / (L +- amount * P)`` when the product fits in uint256, else ``L / (L / P +- amount)``,
    as the contract does (the two can differ by rounding, so the branch matters).
    """
    if amount == 0:
        return sqrt_px96
    numerator1 = liquidity << 96
    product = amount * sqrt_px96
    if add:
        if product <= MAX_UINT256:
            denominator = numerator1 + product
            if denominator <= MAX_UINT256:
                return -(-(numerator1 * sqrt_px96) // denominator)
        denominator1 = numerator1 // sqrt_px96 + amount
        if denominator1 > MAX_UINT256:
            raise MathOverflow("next price from amount0: denominator overflow")
        result = -(-numerator1 // denominator1)
    else:
        if product > MAX_UINT256 or numerator1 <= product:
            raise MathOverflow("next price from amount0: output exceeds reserves")
        result = -(-(numerator1 * sqrt_px96) // (numerator1 - product))
    if result > MAX_UINT160:
        raise MathOverflow("next price from amount0 exceeds uint160")
    return result


def get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96: int, liquidity: int, amount: int, add: bool) -> int:
    """Price after adding (``add``) or removing ``amount`` of token1, rounded down: ``P +- amount / L``."""
    if add:
        quotient = (amount << 96) // liquidity
        if quotient > MAX_UINT256:
            raise MathOverflow("next price from amount1: quotient overflow")
        result = sqrt_px96 + quotient
        if result > MAX_UINT160:
            raise MathOverflow("next price from amount1 exceeds uint160")
        return result
    quotient = -(-(amount << 96) // liquidity)
    if quotient > MAX_UINT256 or sqrt_px96 <= quotient:
        raise MathOverflow("next price from amount1: output exceeds reserves")
    return sqrt_px96 - quotient


def get_next_sqrt_price_from_input(sqrt_px96: int, liquidity: int, amount_in: int, zero_for_one: bool) -> int:
    """Price after ``amount_in`` of the input token enters at ``liquidity`` (never passes the target)."""
    if sqrt_px96 <= 0 or liquidity <= 0:
        raise MathOverflow("next price from input needs a positive price and liquidity")
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_in, True)
    return get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96, liquidity, amount_in, True)


def get_next_sqrt_price_from_output(sqrt_px96: int, liquidity: int, amount_out: int, zero_for_one: bool) -> int:
    """Price after ``amount_out`` of the output token leaves at ``liquidity`` (always reaches the target)."""
    if sqrt_px96 <= 0 or liquidity <= 0:
        raise MathOverflow("next price from output needs a positive price and liquidity")
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96, liquidity, amount_out, False)
    return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_out, False)


def get_amount0_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """token0 between two prices (either order): ``L * (sqrt(B) - sqrt(A)) / (sqrt(A) * sqrt(B))``."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        raise MathOverflow("amount0 delta needs a positive price")
    numerator = (liquidity << 96) * (sqrt_ratio_b_x96 - sqrt_ratio_a_x96)
    if round_up:
        return -(-(-(-numerator // sqrt_ratio_b_x96)) // sqrt_ratio_a_x96)
    return numerator // sqrt_ratio_b_x96 // sqrt_ratio_a_x96


def get_amount1_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """token1 between two prices (either order): ``L * (sqrt(B) - sqrt(A))``."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    product = liquidity * (sqrt_ratio_b_x96 - sqrt_ratio_a_x96)
    if round_up:
        return -(-product // Q96)
    return product >> 96


def get_amount0_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Signed token0 for a liquidity change: added liquidity rounds up, removed rounds down (negative)."""
    if liquidity < 0:
        return -to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))


def get_amount1_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Signed token1 for a liquidity change: added liquidity rounds up, removed rounds down (negative)."""
    if liquidity < 0:
        return -to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))
