"""SwapMath.computeSwapStep: one step of a swap inside a single liquidity range.

This is the innermost call of every replayed swap, so the SqrtPriceMath token deltas and the token1
price move are written inline here: the same integer expressions and the same rounding
(``-(-a // b)`` is ``ceil(a / b)``, and ``ceil(ceil(a / b) / c)`` is written ``-((-a // b) // c)``,
which is the same integer), without the function calls; the token0 price move (once per
swap, at most) calls ``sqrt_price_math``. ``tests/simulator/test_swap_math.py`` holds it against the v3-core
test vectors and against a composition of the reference functions in ``sqrt_price_math``.
"""

from __future__ import annotations

from simulator.errors import MathOverflow
from simulator.fullmath import MAX_UINT160
from simulator.sqrt_price_math import get_next_sqrt_price_from_amount0_rounding_up

_PIPS = 1_000_000
_Q96_LESS_ONE = (1 << 96) - 1  # ceil(x / 2**96) == (x + 2**96 - 1) >> 96


def compute_swap_step(  # noqa: C901 - SwapMath.computeSwapStep with SqrtPriceMath inlined (hot path)
    sqrt_px96: int, sqrt_target_x96: int, liquidity: int, amount_remaining: int, fee_pips: int
) -> tuple[int, int, int, int]:
    """Swap from ``sqrt_px96`` toward ``sqrt_target_x96`` at constant ``liquidity``.

    ``amount_remaining`` > 0 is input still to pay (fee included), < 0 is output still to receive.
    ``fee_pips`` is the fee in hundredths of a bip (3000 = 0.3%). The direction is zero-for-one when
    the target is not above the start. Returns ``(sqrt_price_after, amount_in, amount_out, fee_amount)``
    in raw units of the input / output token; the fee is taken from the input on top of ``amount_in``.
    """
    zero_for_one = sqrt_px96 >= sqrt_target_x96
    numerator1 = liquidity << 96
    if zero_for_one:
        lo, hi = sqrt_target_x96, sqrt_px96
    else:
        lo, hi = sqrt_px96, sqrt_target_x96
    if lo <= 0:
        raise MathOverflow("swap step needs a positive price")
    diff = hi - lo
    if amount_remaining >= 0:
        remaining_less_fee = amount_remaining * (_PIPS - fee_pips) // _PIPS
        if zero_for_one:
            amount_in = -((-(numerator1 * diff) // hi) // lo)
        else:
            amount_in = (liquidity * diff + _Q96_LESS_ONE) >> 96
        if remaining_less_fee < amount_in:
            # the input runs out inside the range: the price moves by the input less fee
            if zero_for_one:
                sqrt_q = get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, remaining_less_fee, True)
            else:
                sqrt_q = sqrt_px96 + (remaining_less_fee << 96) // liquidity
                if sqrt_q > MAX_UINT160:
                    raise MathOverflow("next price from amount1 exceeds uint160")
        else:
            sqrt_q = sqrt_target_x96
        if sqrt_q == sqrt_target_x96:  # the contract's `max`: the fee is charged on amount_in
            amount_out = (liquidity * diff) >> 96 if zero_for_one else numerator1 * diff // hi // lo
            return sqrt_q, amount_in, amount_out, -(-(amount_in * fee_pips) // (_PIPS - fee_pips))
        if zero_for_one:
            amount_in = -((-(numerator1 * (sqrt_px96 - sqrt_q)) // sqrt_px96) // sqrt_q)
            amount_out = (liquidity * (sqrt_px96 - sqrt_q)) >> 96
        else:
            amount_in = (liquidity * (sqrt_q - sqrt_px96) + _Q96_LESS_ONE) >> 96
            amount_out = numerator1 * (sqrt_q - sqrt_px96) // sqrt_q // sqrt_px96
        return sqrt_q, amount_in, amount_out, amount_remaining - amount_in
    wanted = -amount_remaining
    if zero_for_one:
        amount_out = (liquidity * diff) >> 96
    else:
        amount_out = numerator1 * diff // hi // lo
    if wanted >= amount_out:
        sqrt_q = sqrt_target_x96
        if zero_for_one:
            amount_in = -((-(numerator1 * diff) // hi) // lo)
        else:
            amount_in = (liquidity * diff + _Q96_LESS_ONE) >> 96
    else:
        # the output is reached inside the range: the price moves just far enough to pay it
        if zero_for_one:
            quotient = -(-(wanted << 96) // liquidity)
            if sqrt_px96 <= quotient:
                raise MathOverflow("next price from amount1: output exceeds reserves")
            sqrt_q = sqrt_px96 - quotient
            amount_in = -((-(numerator1 * (sqrt_px96 - sqrt_q)) // sqrt_px96) // sqrt_q)
            amount_out = (liquidity * (sqrt_px96 - sqrt_q)) >> 96
        else:
            sqrt_q = get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, wanted, False)
            amount_in = (liquidity * (sqrt_q - sqrt_px96) + _Q96_LESS_ONE) >> 96
            amount_out = numerator1 * (sqrt_q - sqrt_px96) // sqrt_q // sqrt_px96
        if amount_out > wanted:
            amount_out = wanted
    return sqrt_q, amount_in, amount_out, -(-(amount_in * fee_pips) // (_PIPS - fee_pips))

