"""Scripted miner behaviours for daemon tests: each an async axon forward with one way of behaving.

No `from __future__ import annotations`: the Axon reads the forward's annotation as a class.
"""

import asyncio

from protocol.models import Position
from protocol.synapse import RebalanceQuery

WIDTH_TICKS = 1200


def _inventory(synapse: RebalanceQuery) -> tuple[str, str]:
    """The miner's whole inventory as the query states it (raw token units, decimal strings)."""
    inventory = synapse.inventory_remaining
    return (inventory.amount0, inventory.amount1) if inventory else ("0", "0")


def _centred(synapse: RebalanceQuery, width: int = WIDTH_TICKS) -> Position:
    spacing = synapse.tick_spacing
    tick = synapse.tick if synapse.tick is not None else 0
    lower = (tick - width) // spacing * spacing
    upper = lower + 2 * (width // spacing + 1) * spacing
    amount0, amount1 = _inventory(synapse)
    return Position(tick_lower=lower, tick_upper=upper, allocation0=amount0, allocation1=amount1)


async def sensible(synapse: RebalanceQuery) -> RebalanceQuery:
    """Re-centre a range around the price with the whole inventory."""
    synapse.desired_positions = [_centred(synapse)]
    return synapse


async def hold(synapse: RebalanceQuery) -> RebalanceQuery:
    synapse.desired_positions = list(synapse.current_positions)
    return synapse


async def refuse(synapse: RebalanceQuery) -> RebalanceQuery:
    synapse.accepted = False
    synapse.refusal_reason = "this pool is not served"
    return synapse


async def slow(synapse: RebalanceQuery) -> RebalanceQuery:
    await asyncio.sleep(30)
    return synapse


async def raising(synapse: RebalanceQuery) -> RebalanceQuery:
    raise RuntimeError("strategy crashed")


async def malformed(synapse: RebalanceQuery) -> RebalanceQuery:
    synapse.__dict__["desired_positions"] = [{"tick_lower": "abc", "tick_upper": 60,
                                              "allocation0": "1", "allocation1": "1"}]
    return synapse


async def greedy(synapse: RebalanceQuery) -> RebalanceQuery:
    position = _centred(synapse)
    position.allocation0 = str(10**30)
    synapse.desired_positions = [position]
    return synapse


async def thousand_positions(synapse: RebalanceQuery) -> RebalanceQuery:
    spacing = synapse.tick_spacing
    synapse.desired_positions = [
        Position(tick_lower=i * spacing, tick_upper=(i + 1) * spacing, allocation0="1", allocation1="1")
        for i in range(1000)
    ]
    return synapse


BEHAVIOURS = [sensible, hold, refuse, slow, raising, malformed, greedy, thousand_positions]
