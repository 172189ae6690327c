"""LiquidityMath.addDelta: apply a signed liquidity change to a uint128 liquidity."""

from __future__ import annotations

from simulator.errors import MathOverflow
from simulator.fullmath import MAX_UINT128


def add_delta(x: int, y: int) -> int:
    """``x + y`` for uint128 ``x`` and int128 ``y``; reverts 'LS' below zero and 'LA' above uint128."""
    z = x + y
    if z < 0:
        raise MathOverflow("liquidity underflow", reason="LS")
    if z > MAX_UINT128:
        raise MathOverflow("liquidity overflow", reason="LA")
    return z
