"""Vectorized float64 versions of the tick and liquidity math, for hot paths over many values.

Every function takes and returns numpy arrays (scalars broadcast). Sqrt prices here are the raw
Q64.96 values as float64 (``sqrtPriceX96``, not divided by 2**96), the same unit as the replay's
``StepLog``; liquidity is in the pool's liquidity units and amounts in raw token units, as floats.

Accuracy, held by ``tests/simulator/test_fast_math.py`` against the exact integer versions:

- ``sqrt_price_x96_at_tick``: within 1e-12 relative plus one Q64.96 unit (the exact value is itself
  rounded to a unit) over [MIN_TICK, MAX_TICK].
- ``tick_at_sqrt_price_x96``: equal to the exact tick, except within 1e-12 relative of a tick's
  price, where it may be one lower or higher.
- ``liquidity_for_amounts``: relative error <= 1e-9 (plus one unit, as the exact version rounds
  down), for ranges at least one tick wide.
- ``amounts_for_liquidity``: error <= 1e-9 of the amount the liquidity holds over its whole range
  (plus one raw unit); near a range bound the amount itself is tiny and its *relative* error is not
  bounded (the difference of two close prices loses digits).

Use the exact modules wherever a value is paid out or compared to the chain.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.tickmath import LOG_SQRT_10001, MAX_TICK, MIN_TICK

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike

Q96 = float(2**96)


def sqrt_price_x96_at_tick(ticks: ArrayLike) -> FloatArray:
    """``sqrt(1.0001 ** tick) * 2**96`` for each tick (float64 Q64.96)."""
    t = np.asarray(ticks, dtype=np.float64)
    return np.exp(t * LOG_SQRT_10001) * Q96


def tick_at_sqrt_price_x96(sqrt_prices_x96: ArrayLike) -> IntArray:
    """Greatest tick whose price is at or below each sqrt price (float64 Q64.96 in), clamped to the
    tick range; see the module docstring for the accuracy near tick boundaries."""
    p = np.asarray(sqrt_prices_x96, dtype=np.float64)
    ticks = np.floor(np.log(p / Q96) / LOG_SQRT_10001)
    return np.clip(ticks, MIN_TICK, MAX_TICK - 1).astype(np.int64)


def liquidity_for_amount0(sqrt_a: ArrayLike, sqrt_b: ArrayLike, amount0: ArrayLike) -> FloatArray:
    """Liquidity ``amount0`` buys over [a, b] (all token0): ``amount0 * a * b / (b - a) / 2**96``."""
    lo, hi = _ordered(sqrt_a, sqrt_b)
    return np.asarray(amount0, dtype=np.float64) * (lo / Q96) * hi / (hi - lo)


def liquidity_for_amount1(sqrt_a: ArrayLike, sqrt_b: ArrayLike, amount1: ArrayLike) -> FloatArray:
    """Liquidity ``amount1`` buys over [a, b] (all token1): ``amount1 * 2**96 / (b - a)``."""
    lo, hi = _ordered(sqrt_a, sqrt_b)
    return np.asarray(amount1, dtype=np.float64) * Q96 / (hi - lo)


def liquidity_for_amounts(
    sqrt_price: ArrayLike, sqrt_a: ArrayLike, sqrt_b: ArrayLike, amount0: ArrayLike, amount1: ArrayLike
) -> FloatArray:
    """Most liquidity both amounts can fund at each price (LiquidityAmounts.getLiquidityForAmounts)."""
    p = np.asarray(sqrt_price, dtype=np.float64)
    lo, hi = _ordered(sqrt_a, sqrt_b)
    inside = np.clip(p, lo, hi)
    with np.errstate(divide="ignore", invalid="ignore"):  # the branch not taken may divide by zero
        l0 = liquidity_for_amount0(inside, hi, amount0)
        l1 = liquidity_for_amount1(lo, inside, amount1)
    out = np.where(p <= lo, liquidity_for_amount0(lo, hi, amount0), np.minimum(l0, l1))
    return np.where(p >= hi, liquidity_for_amount1(lo, hi, amount1), out)


def amounts_for_liquidity(
    sqrt_price: ArrayLike, sqrt_a: ArrayLike, sqrt_b: ArrayLike, liquidity: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """(amount0, amount1) that ``liquidity`` holds over [a, b] at each price (getAmountsForLiquidity)."""
    p = np.asarray(sqrt_price, dtype=np.float64)
    lo, hi = _ordered(sqrt_a, sqrt_b)
    liq = np.asarray(liquidity, dtype=np.float64)
    inside = np.clip(p, lo, hi)
    amount0 = liq * Q96 * (hi - inside) / hi / inside
    amount1 = liq * (inside - lo) / Q96
    return amount0, amount1


def _ordered(sqrt_a: ArrayLike, sqrt_b: ArrayLike) -> tuple[FloatArray, FloatArray]:
    a = np.asarray(sqrt_a, dtype=np.float64)
    b = np.asarray(sqrt_b, dtype=np.float64)
    return np.minimum(a, b), np.maximum(a, b)
