"""The real LP fees paid inside a tick range, from the pool's exact step log (raw token units).

A step that moves the price across part of a range paid the LPs there that part of its fee: the
part of its interval inside the range, measured in sqrt price when token1 is paid in and in
1/sqrt price when token0 is paid in (DESIGN section 4). No position in that range, however narrow
or large, can be credited more than this sum.
"""

from __future__ import annotations

from fractions import Fraction

from simulator._step_log import StepLog
from simulator.tickmath import get_sqrt_ratio_at_tick


def _overlap(start: Fraction, end: Fraction, low: Fraction, high: Fraction) -> Fraction:
    a, b = min(start, end), max(start, end)
    if b == a:
        return Fraction(0)
    return max(Fraction(0), min(b, high) - max(a, low)) / (b - a)


def fees_paid_in_range(log: StepLog, tick_lower: int, tick_upper: int) -> tuple[Fraction, Fraction]:
    """(token0, token1) LP fees of the steps in ``log`` that fell inside ``[tick_lower, tick_upper)``."""
    sqrt_a, sqrt_b = Fraction(get_sqrt_ratio_at_tick(tick_lower)), Fraction(get_sqrt_ratio_at_tick(tick_upper))
    fees0, fees1 = Fraction(0), Fraction(0)
    for i in range(log.n_steps):
        start, end = Fraction(log.sqrt_price_start_exact[i]), Fraction(log.sqrt_price_end_exact[i])
        fee = log.lp_fee_exact[i]
        if bool(log.zero_for_one[i]):  # token0 paid in: measured in 1/sqrt price
            fees0 += fee * _overlap(1 / start, 1 / end, 1 / sqrt_b, 1 / sqrt_a)
        else:
            fees1 += fee * _overlap(start, end, sqrt_a, sqrt_b)
    return fees0, fees1
