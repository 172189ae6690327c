"""Price -> tick for choosing start prices (not a value path); the tick -> sqrt price direction is the
simulator's exact ``get_sqrt_ratio_at_tick`` (TickMath), so a pool starts exactly at its tick.
"""

from __future__ import annotations

from decimal import Context

__all__ = ["floor_to_spacing", "tick_for_price"]

_CTX = Context(prec=60)


def tick_for_price(raw_price: str) -> int:
    """The tick whose price (token1 raw units per token0 raw unit, as a decimal string) is closest."""
    value = _CTX.create_decimal(raw_price)
    return int(_CTX.divide(_CTX.ln(value), _CTX.ln(_CTX.create_decimal("1.0001"))).to_integral_value())


def floor_to_spacing(tick: int, spacing: int) -> int:
    """The largest multiple of `spacing` that is <= tick."""
    return (tick // spacing) * spacing
