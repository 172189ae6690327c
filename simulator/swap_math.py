"""SwapMath.computeSwapStep: one step of a swap inside a single liquidity range.

This is the innermost call of every replayed swap, so the token deltas of ``sqrt_price_math`` are
written inline here (same expressions, same rounding); the next-price helpers, needed only when the
step ends before its target, are called. ``tests/simulator/test_swap_math.py`` holds it against the
v3-core test vectors and against a composition of the reference functions.
"""

from __future__ import annotations

from simulator.errors import MathOverflow
from simulator.sqrt_price_math import get_next_sqrt_price_from_input, get_next_sqrt_price_from_output

_PIPS = 1_000_000


def compute_swap_step(
    sqrt_px96: int, sqrt_target_x96: int, liquidity: int, amount_remaining: int, fee_pips: int
) -> tuple[int, int, int, int]:
    """Swap from ``sqrt_px96`` toward ``sqrt_target_x96`` at constant ``liquidity``.

    ``amount_remaining`` > 0 is input still to pay (fee included), < 0 is output still to receive.
    ``fee_pips`` is the fee in hundredths of a bip (3000 = 0.3%). The direction is zero-for-one when
    the target is not above the start. Returns ``(sqrt_price_after, amount_in, amount_out, fee_amount)``
    in raw units of the input / output token; the fee is taken from the input on top of ``amount_in``.
    """
    zero_for_one = sqrt_px96 >= sqrt_target_x96
    exact_in = amount_remaining >= 0
    if zero_for_one:
        lo, hi = sqrt_target_x96, sqrt_px96
    else:
        lo, hi = sqrt_px96, sqrt_target_x96
    if lo <= 0:
        raise MathOverflow("swap step needs a positive price")
    numerator0 = (liquidity << 96) * (hi - lo)
    if exact_in:
        remaining_less_fee = amount_remaining * (_PIPS - fee_pips) // _PIPS
        if zero_for_one:
            amount_in = -(-(-(-numerator0 // hi)) // lo)
        else:
            amount_in = -(-(liquidity * (hi - lo)) >> 96)
        if remaining_less_fee >= amount_in:
            sqrt_q = sqrt_target_x96
        else:
            sqrt_q = get_next_sqrt_price_from_input(sqrt_px96, liquidity, remaining_less_fee, zero_for_one)
        amount_out = 0
    else:
        if zero_for_one:
            amount_out = (liquidity * (hi - lo)) >> 96
        else:
            amount_out = numerator0 // hi // lo
        if -amount_remaining >= amount_out:
            sqrt_q = sqrt_target_x96
        else:
            sqrt_q = get_next_sqrt_price_from_output(sqrt_px96, liquidity, -amount_remaining, zero_for_one)
        amount_in = 0
    reached = sqrt_q == sqrt_target_x96
    if not reached:
        amount_in, amount_out = _amounts_between(sqrt_px96, sqrt_q, liquidity, zero_for_one)
    elif exact_in:
        amount_out = _amounts_between(sqrt_px96, sqrt_q, liquidity, zero_for_one)[1]
    else:
        amount_in = _amounts_between(sqrt_px96, sqrt_q, liquidity, zero_for_one)[0]
    if not exact_in and amount_out > -amount_remaining:
        amount_out = -amount_remaining
    if exact_in and not reached:
        fee_amount = amount_remaining - amount_in
    else:
        fee_amount = -(-(amount_in * fee_pips) // (_PIPS - fee_pips))
    return sqrt_q, amount_in, amount_out, fee_amount


def _amounts_between(sqrt_px96: int, sqrt_qx96: int, liquidity: int, zero_for_one: bool) -> tuple[int, int]:
    """(input rounded up, output rounded down) for moving the price from P to Q at ``liquidity``."""
    if zero_for_one:
        lo, hi = sqrt_qx96, sqrt_px96
        n0 = (liquidity << 96) * (hi - lo)
        return -(-(-(-n0 // hi)) // lo), (liquidity * (hi - lo)) >> 96
    lo, hi = sqrt_px96, sqrt_qx96
    n0 = (liquidity << 96) * (hi - lo)
    return -(-(liquidity * (hi - lo)) >> 96), n0 // hi // lo
