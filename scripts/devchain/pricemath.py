"""Tick <-> Q64.96 sqrt price for choosing start prices and swap limits (not a value path).

Swap limits and start prices may be any valid sqrt price, so a 60-digit decimal approximation is
enough here; the exact contract rounding lives in the simulator's tick math.
"""

from __future__ import annotations

from decimal import Context

__all__ = ["MAX_TICK", "MIN_TICK", "Q96", "floor_to_spacing", "sqrt_price_x96_at_tick", "tick_for_price"]

MIN_TICK = -887272
MAX_TICK = 887272
Q96 = 1 << 96
_CTX = Context(prec=60)


def sqrt_price_x96_at_tick(tick: int) -> int:
    """sqrt(1.0001**tick) * 2**96, rounded down (within a few wei of TickMath)."""
    if not MIN_TICK <= tick <= MAX_TICK:
        raise ValueError(f"tick {tick} outside [{MIN_TICK}, {MAX_TICK}]")
    root = _CTX.power(_CTX.create_decimal("1.0001"), _CTX.divide(tick, 2))
    return int(_CTX.multiply(root, Q96))


def tick_for_price(raw_price: str) -> int:
    """The tick whose price (token1 raw units per token0 raw unit, as a decimal string) is closest."""
    value = _CTX.create_decimal(raw_price)
    return int(_CTX.divide(_CTX.ln(value), _CTX.ln(_CTX.create_decimal("1.0001"))).to_integral_value())


def floor_to_spacing(tick: int, spacing: int) -> int:
    """The largest multiple of `spacing` that is <= tick."""
    return (tick // spacing) * spacing
