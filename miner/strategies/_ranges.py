"""Tick-range helpers shared by the strategies: spacing, bounds, placement within the inventory.

Ticks are Uniswap V3 ticks; a usable tick is a multiple of the pool's tick spacing inside
[MIN_TICK, MAX_TICK]. Amounts are raw token units, prices Q64.96 sqrt prices, and the liquidity a
range can hold is computed with the periphery's exact ``getLiquidityForAmounts``, so what a
strategy plans is what the validator's simulation mints.
"""

from __future__ import annotations

from dataclasses import dataclass

from miner.view import QueryView
from protocol.decisions import MAX_TICK, PositionSpec
from simulator.errors import MathError
from simulator.liquidity_amounts import get_liquidity_for_amounts
from simulator.tickmath import get_sqrt_ratio_at_tick

MAX_CANDIDATES = 64
"""Placements tried per decision (the lower tick is stepped over the allowed band)."""


@dataclass(frozen=True, slots=True)
class TickRange:
    """A range ``[lower, upper)`` of ticks on the spacing, ``lower < upper``."""

    lower: int
    upper: int

    @property
    def width(self) -> int:
        return self.upper - self.lower


def usable_bounds(spacing: int) -> TickRange:
    """The lowest and highest ticks on the spacing that a pool accepts."""
    top = (MAX_TICK // spacing) * spacing
    return TickRange(-top, top)


def floor_to_spacing(tick: int, spacing: int) -> int:
    """The largest multiple of ``spacing`` not above ``tick`` (Python's ``%`` floors negatives too)."""
    return tick - tick % spacing


def aligned_width(half_width: int, spacing: int) -> int:
    """Twice ``half_width`` ticks, rounded up to a multiple of the spacing, at least two spacings."""
    units = -(-2 * half_width // spacing)
    return max(2, units) * spacing


def clamp_range(lower: int, width: int, spacing: int) -> TickRange:
    """``[lower, lower + width)`` moved (not shrunk) inside the usable bounds; the full usable range
    when ``width`` does not fit at all."""
    bounds = usable_bounds(spacing)
    if width >= bounds.width:
        return bounds
    lower = min(max(lower, bounds.lower), bounds.upper - width)
    return TickRange(lower, lower + width)


def liquidity_for(query: QueryView, candidate: TickRange, amount0: int, amount1: int) -> int | None:
    """Liquidity the amounts fund in ``candidate`` at the query's price; None above uint128."""
    try:
        return get_liquidity_for_amounts(
            query.sqrt_price_x96,
            get_sqrt_ratio_at_tick(candidate.lower),
            get_sqrt_ratio_at_tick(candidate.upper),
            amount0,
            amount1,
        )
    except MathError:
        return None


def _candidate_lowers(query: QueryView, width: int, edge_fraction: float) -> list[int]:
    """Lower ticks on the spacing that keep the price inside the band ``edge_fraction`` of the width
    away from both edges; stepped so that at most ``MAX_CANDIDATES`` are tried."""
    spacing = query.tick_spacing
    first = floor_to_spacing(query.tick - int((1 - edge_fraction) * width), spacing) + spacing
    last = floor_to_spacing(query.tick - int(edge_fraction * width), spacing)
    if last < first:
        return [floor_to_spacing(query.tick - width // 2, spacing)]
    step = spacing * max(1, ((last - first) // spacing + 1) // MAX_CANDIDATES)
    lowers = list(range(first, last + 1, step))
    return lowers if lowers[-1] == last else [*lowers, last]


def place_range(query: QueryView, width: int, edge_fraction: float) -> TickRange:
    """Where a range of ``width`` ticks uses the inventory best while the price stays inside the band.

    Among the allowed placements, the one funding the most liquidity with the inventory wins (ties:
    the most centred). Without swaps the inventory's token ratio fixes how much of it a range can
    use; shifting the range inside the band moves that ratio. A one-sided inventory, which no range
    around the price can use, gets a range just above (all token0) or just below (all token1) the price.
    """
    amount0, amount1 = query.inventory0 or 0, query.inventory1 or 0
    spacing = query.tick_spacing
    centre = query.tick - width // 2

    def score(lower: int) -> tuple[int, int]:
        candidate = clamp_range(lower, width, spacing)
        liquidity = liquidity_for(query, candidate, amount0, amount1)
        return (2**128 if liquidity is None else liquidity, -abs(candidate.lower - centre))

    best = max(_candidate_lowers(query, width, edge_fraction), key=score)
    if score(best)[0] > 0:
        return clamp_range(best, width, spacing)
    return _one_sided(query, width, above=amount0 > 0)


def _one_sided(query: QueryView, width: int, *, above: bool) -> TickRange:
    spacing = query.tick_spacing
    base = floor_to_spacing(query.tick, spacing)
    lower = base + spacing if above else base - width
    return clamp_range(lower, width, spacing)


def funded_position(query: QueryView, where: TickRange) -> PositionSpec:
    """A position over ``where`` allocating the whole inventory, halved until its liquidity fits in
    uint128 (only astronomically large inventories need that)."""
    amount0, amount1 = query.inventory0 or 0, query.inventory1 or 0
    while (amount0 or amount1) and liquidity_for(query, where, amount0, amount1) is None:
        amount0, amount1 = amount0 // 2, amount1 // 2
    return PositionSpec(where.lower, where.upper, amount0, amount1)


def held_range(query: QueryView) -> TickRange | None:
    """The single range the miner holds, or None when it holds none or several."""
    if len(query.positions) != 1:
        return None
    position = query.positions[0]
    return TickRange(position.tick_lower, position.tick_upper)
