"""``faulty``: a deliberately wrong strategy for local networks, demos and tests of the validator.

It answers a range around the price that allocates one raw unit of token0 more than the inventory, so
the validator rejects every answer with ``allocation_above_inventory`` and keeps the miner's positions.
The miner's own safety net (``MinerService`` validates each answer before sending it) is switched off
for this strategy only; never run it on finney or test.
"""

from __future__ import annotations

from miner.strategies._ranges import aligned_width, clamp_range, floor_to_spacing
from miner.strategies.base import Answer, Strategy
from miner.view import QueryView
from protocol.decisions import PositionSpec, Rebalance

HALF_WIDTH_TICKS = 600


class Faulty(Strategy):
    """Always over-allocates token0 by one raw unit."""

    name = "faulty"
    sends_invalid_answers = True

    def describe(self) -> str:
        return "faulty: over-allocates on purpose (demo of a rejected miner)"

    def decide(self, query: QueryView) -> Answer:
        width = aligned_width(HALF_WIDTH_TICKS, query.tick_spacing)
        where = clamp_range(floor_to_spacing(query.tick - width // 2, query.tick_spacing), width, query.tick_spacing)
        amount0 = (query.inventory0 or 0) + 1
        return Rebalance((PositionSpec(where.lower, where.upper, amount0, query.inventory1 or 0),))
