"""TickMath: exact conversions between ticks and Q64.96 sqrt prices.

``get_sqrt_ratio_at_tick(t)`` is ``sqrt(1.0001 ** t) * 2**96`` computed as the contract does: a product
of Q128.128 constants ``2**128 / sqrt(1.0001) ** (2**i)`` (one per set bit of ``|t|``), inverted for
positive ticks, then shifted to Q64.96 rounding up. The result is memoised: a pool touches few
distinct ticks and the swap loop asks for the same ones again and again.

``get_tick_at_sqrt_ratio(p)`` is the greatest tick whose sqrt ratio is ``<= p`` (the contract's
definition). We estimate it with a float logarithm and then correct it exactly against
``get_sqrt_ratio_at_tick``, so the result equals the contract's for every input.
"""

from __future__ import annotations

import math
from functools import lru_cache

from simulator.errors import InvalidTick
from simulator.fullmath import MAX_UINT256

MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342

# 2**128 / sqrt(1.0001) ** (2**i) in Q128.128, for bit i of |tick| (the contract's constants).
_BIT_FACTORS: tuple[int, ...] = (
    0xFFFCB933BD6FAD37AA2D162D1A594001,
    0xFFF97272373D413259A46990580E213A,
    0xFFF2E50F5F656932EF12357CF3C7FDCC,
    0xFFE5CACA7E10E4E61C3624EAA0941CD0,
    0xFFCB9843D60F6159C9DB58835C926644,
    0xFF973B41FA98C081472E6896DFB254C0,
    0xFF2EA16466C96A3843EC78B326B52861,
    0xFE5DEE046A99A2A811C461F1969C3053,
    0xFCBE86C7900A88AEDCFFC83B479AA3A4,
    0xF987A7253AC413176F2B074CF7815E54,
    0xF3392B0822B70005940C7A398E4B70F3,
    0xE7159475A2C29B7443B29C7FA6E889D9,
    0xD097F3BDFD2022B8845AD8F792AA5825,
    0xA9F746462D870FDF8A65DC1F90E061E5,
    0x70D869A156D2A1B890BB3DF62BAF32F7,
    0x31BE135F97D08FD981231505542FCFA6,
    0x9AA508B5B7A84E1C677DE54F3E99BC9,
    0x5D6AF8DEDB81196699C329225EE604,
    0x2216E584F5FA1EA926041BEDFE98,
    0x48A170391F7DC42444E8FA2,
)
LOG_SQRT_10001 = math.log1p(1e-4) / 2  # ln(sqrt(1.0001)): one tick in log sqrt price (log1p: 1.0001 is inexact)
LOG_Q96 = 96 * math.log(2)  # ln(2**96): Q64.96 scale


@lru_cache(maxsize=1 << 16)
def get_sqrt_ratio_at_tick(tick: int) -> int:
    """Q64.96 sqrt price at ``tick``, rounded up as TickMath.getSqrtRatioAtTick; reverts 'T' outside ±MAX_TICK."""
    abs_tick = -tick if tick < 0 else tick
    if abs_tick > MAX_TICK:
        raise InvalidTick(f"tick {tick} outside [{MIN_TICK}, {MAX_TICK}]", reason="T")
    ratio = 1 << 128
    bit = 0
    while abs_tick:
        if abs_tick & 1:
            ratio = (ratio * _BIT_FACTORS[bit]) >> 128
        abs_tick >>= 1
        bit += 1
    if tick > 0:
        ratio = MAX_UINT256 // ratio
    return (ratio >> 32) + (1 if ratio & 0xFFFFFFFF else 0)


def get_tick_at_sqrt_ratio(sqrt_price_x96: int) -> int:
    """Greatest tick ``t`` with ``get_sqrt_ratio_at_tick(t) <= sqrt_price_x96`` (TickMath.getTickAtSqrtRatio).

    Reverts 'R' unless ``MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO``.
    """
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise InvalidTick(f"sqrt price {sqrt_price_x96} outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)", reason="R")
    tick = math.floor((math.log(sqrt_price_x96) - LOG_Q96) / LOG_SQRT_10001)
    tick = min(max(tick, MIN_TICK), MAX_TICK - 1)
    while tick > MIN_TICK and get_sqrt_ratio_at_tick(tick) > sqrt_price_x96:
        tick -= 1
    while tick < MAX_TICK - 1 and get_sqrt_ratio_at_tick(tick + 1) <= sqrt_price_x96:
        tick += 1
    return tick
