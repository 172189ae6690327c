"""The reference strategy: one range sized by recent realized volatility, re-centred near its edges.

Each query adds the pool's (block, tick) to a per-pool history (the last ``window`` distinct blocks).
The variance of the tick per block is estimated from that history, shrunk toward a prior worth one
horizon of blocks: ``(v0 * H + sum((tick_i - tick_{i-1})**2)) / (H + block_n - block_0)``, where ``H`` is
``horizon_blocks`` and ``v0`` the variance that gives the default half-width. So a few quiet
checkpoints narrow the range gradually instead of collapsing it to the minimum. The half-width is
``k * sigma * sqrt(H)`` ticks, clamped to ``[min_half_width, max_half_width]`` and rounded up to the
tick spacing.

The miner keeps its range while the price stays inside the band ``edge_fraction`` of the width away
from both edges and the ideal width is within ``rewidth_factor`` of the held one. Otherwise it burns
and re-mints a range of the ideal width, placed (inside that band) where the inventory funds the most
liquidity, allocating the whole inventory. It never answers a rebalance into the range it already holds.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

from miner.strategies._ranges import TickRange, aligned_width, funded_position, held_range, place_range
from miner.strategies.base import Answer, Strategy
from miner.view import QueryView
from protocol.decisions import Keep, Rebalance

MAX_POOLS = 1024
"""Pools whose price history is kept (least recently queried dropped first)."""


@dataclass(frozen=True, slots=True)
class VolatilityParams:
    """Knobs of :class:`VolatilityRange`; widths in ticks, the horizon in blocks."""

    window: int = 32
    horizon_blocks: int = 300
    width_sigmas: float = 2.0
    default_half_width: int = 1200
    min_half_width: int = 60
    max_half_width: int = 50_000
    edge_fraction: float = 0.15
    rewidth_factor: float = 2.5


class TickHistory:
    """Recent (block, tick) observations per pool; safe to use from several threads."""

    def __init__(self, window: int, max_pools: int = MAX_POOLS) -> None:
        self._window = window
        self._max_pools = max_pools
        self._pools: OrderedDict[str, dict[int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def observe(self, pool: str, block: int, tick: int) -> list[tuple[int, int]]:
        """Record the pool's tick at ``block``; return the kept observations in block order."""
        with self._lock:
            seen = self._pools.pop(pool, {})
            seen[block] = tick
            for old in sorted(seen)[: max(0, len(seen) - self._window)]:
                del seen[old]
            self._pools[pool] = seen
            while len(self._pools) > self._max_pools:
                self._pools.popitem(last=False)
            return sorted(seen.items())


def variance_per_block(observations: list[tuple[int, int]], prior: float, prior_blocks: int) -> float:
    """Tick variance per block (ticks squared) of the observations, shrunk toward ``prior``, which
    counts as ``prior_blocks`` blocks of evidence."""
    squares = sum((t1 - t0) ** 2 for (_, t0), (_, t1) in zip(observations, observations[1:]))
    blocks = observations[-1][0] - observations[0][0] if observations else 0
    return (prior * prior_blocks + squares) / (prior_blocks + max(0, blocks))


class VolatilityRange(Strategy):
    """Volatility-sized range, re-centred near its edges (see the module docstring)."""

    name = "volatility"

    def __init__(self, params: VolatilityParams | None = None) -> None:
        self.params = params or VolatilityParams()
        self.history = TickHistory(self.params.window)

    def describe(self) -> str:
        p = self.params
        return (f"volatility: half-width {p.width_sigmas} sigma over {p.horizon_blocks} blocks in "
                f"[{p.min_half_width}, {p.max_half_width}] ticks, re-centre at {p.edge_fraction:.0%} from an edge")

    def half_width(self, observations: list[tuple[int, int]]) -> int:
        """The ideal half-width in ticks for these observations."""
        p = self.params
        prior = (p.default_half_width / p.width_sigmas) ** 2 / p.horizon_blocks
        variance = variance_per_block(observations, prior, p.horizon_blocks)
        wanted = math.ceil(p.width_sigmas * math.sqrt(variance * p.horizon_blocks))
        return min(max(wanted, p.min_half_width), p.max_half_width)

    def decide(self, query: QueryView) -> Answer:
        observations = self.history.observe(query.pool, query.block_number, query.tick)
        if not query.has_inventory:
            return Keep()
        width = aligned_width(self.half_width(observations), query.tick_spacing)
        held = held_range(query)
        if held is not None and self._keeps(held, query.tick, width):
            return Keep()
        target = place_range(query, width, self.params.edge_fraction)
        if target == held or (not query.positions and not (query.inventory0 or query.inventory1)):
            return Keep()
        return Rebalance((funded_position(query, target),))

    def _keeps(self, held: TickRange, tick: int, width: int) -> bool:
        """True while the price is inside the held range's band and its width is still about right."""
        margin = self.params.edge_fraction * held.width
        inside = held.lower + margin <= tick < held.upper - margin
        ratio = max(width, held.width) / min(width, held.width)
        return inside and ratio <= self.params.rewidth_factor
