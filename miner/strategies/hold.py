"""Passive strategies: hold what the vault has, or put everything in one full range once.

``hold`` always keeps the current positions (and idle tokens): a miner that is in the round, answers
validly, and does nothing. With no positions it is exactly HODL (``pnl_vs_hodl = 0``), the baseline
every active strategy should beat.

``full-range`` mints one position over the pool's whole usable tick range with the whole inventory the
first time it is asked, then keeps it: the Uniswap V2 behaviour, a second baseline.
"""

from __future__ import annotations

from miner.strategies._ranges import funded_position, held_range, usable_bounds
from miner.strategies.base import Answer, Strategy
from miner.view import QueryView
from protocol.decisions import Keep, Rebalance


class Hold(Strategy):
    """Always keep."""

    name = "hold"

    def describe(self) -> str:
        return "hold: keeps its positions and idle tokens"

    def decide(self, query: QueryView) -> Answer:
        return Keep()


class FullRange(Strategy):
    """One position over every usable tick, minted once."""

    name = "full-range"

    def describe(self) -> str:
        return "full-range: the whole inventory over the full tick range, minted once"

    def decide(self, query: QueryView) -> Answer:
        bounds = usable_bounds(query.tick_spacing)
        if not query.has_inventory or held_range(query) == bounds:
            return Keep()
        if not query.positions and not (query.inventory0 or query.inventory1):
            return Keep()
        return Rebalance((funded_position(query, bounds),))
