"""Miner behaviours that try to game the incentive (tests/adversarial): each an async axon forward.

No `from __future__ import annotations`: the Axon reads the forward's annotation as a class.
State that must survive between checkpoints (a miner's own memory) is kept per round id.
"""

from protocol.models import Position
from protocol.synapse import RebalanceQuery
from tests.support.scripted_miners import WIDTH_TICKS, _centred, _inventory, sensible

_FIRST_ANSWER: dict[str, Position] = {}


def _above_price(synapse: RebalanceQuery) -> tuple[int, int]:
    """A range entirely above the price: the pool takes only token0 there (token1 is the unused side)."""
    spacing, tick = synapse.tick_spacing, synapse.tick or 0
    lower = (tick // spacing + 2) * spacing
    return lower, lower + 20 * spacing


async def copycat(synapse: RebalanceQuery) -> RebalanceQuery:
    """Another hotkey answering exactly what ``sensible`` answers."""
    return await sensible(synapse)


async def unused_side_full(synapse: RebalanceQuery) -> RebalanceQuery:
    """Out-of-range position with the whole inventory of BOTH tokens: token1 cannot be used there."""
    lower, upper = _above_price(synapse)
    amount0, amount1 = _inventory(synapse)
    synapse.desired_positions = [Position(tick_lower=lower, tick_upper=upper, allocation0=amount0,
                                          allocation1=amount1)]
    return synapse


async def unused_side_none(synapse: RebalanceQuery) -> RebalanceQuery:
    """The same range with only the token it can use (the honest twin of ``unused_side_full``)."""
    lower, upper = _above_price(synapse)
    amount0, _ = _inventory(synapse)
    synapse.desired_positions = [Position(tick_lower=lower, tick_upper=upper, allocation0=amount0, allocation1="0")]
    return synapse


async def unused_side_1e30(synapse: RebalanceQuery) -> RebalanceQuery:
    """The same range claiming 1e30 of the unused token (the old SN98 validator never checked it)."""
    lower, upper = _above_price(synapse)
    amount0, _ = _inventory(synapse)
    synapse.desired_positions = [Position(tick_lower=lower, tick_upper=upper, allocation0=amount0,
                                          allocation1=str(10**30))]
    return synapse


async def stale_refit(synapse: RebalanceQuery) -> RebalanceQuery:
    """Re-send the first checkpoint's position (same ticks, same allocations) at every later price:
    a validator that valued positions from allocations would pay the price move as a gain."""
    first = _FIRST_ANSWER.setdefault(synapse.round_id, _centred(synapse))
    synapse.desired_positions = [first.model_copy()]
    return synapse


async def one_tick(synapse: RebalanceQuery) -> RebalanceQuery:
    """All inventory in the single tick spacing holding the price: the highest fee rate per unit."""
    spacing, tick = synapse.tick_spacing, synapse.tick or 0
    lower = tick // spacing * spacing
    amount0, amount1 = _inventory(synapse)
    synapse.desired_positions = [Position(tick_lower=lower, tick_upper=lower + spacing, allocation0=amount0,
                                          allocation1=amount1)]
    return synapse


async def late_refuser(synapse: RebalanceQuery) -> RebalanceQuery:
    """Play at the first checkpoint, then refuse (to escape scoring once the round looks bad)."""
    if synapse.current_positions:
        synapse.accepted = False
        synapse.refusal_reason = "the round is going badly"
        return synapse
    return await sensible(synapse)


async def refuses_round_two(synapse: RebalanceQuery) -> RebalanceQuery:
    """Honest (a range twice as wide as ``sensible``'s) in every round but the second, which it
    declines up front."""
    if synapse.round_id.endswith(":2"):
        synapse.accepted = False
        synapse.refusal_reason = "not this round"
        return synapse
    synapse.desired_positions = [_centred(synapse, 2 * WIDTH_TICKS)]
    return synapse


async def falling_knife(synapse: RebalanceQuery) -> RebalanceQuery:
    """All token1 in a range just below the price: a falling price converts it all into token0."""
    spacing, tick = synapse.tick_spacing, synapse.tick or 0
    upper = tick // spacing * spacing
    _, amount1 = _inventory(synapse)
    synapse.desired_positions = [Position(tick_lower=upper - 10 * spacing, tick_upper=upper, allocation0="0",
                                          allocation1=amount1)]
    return synapse


async def old_owner(synapse: RebalanceQuery) -> RebalanceQuery:
    """The hotkey that held a uid before it was recycled (plays honestly)."""
    return await sensible(synapse)


async def new_owner(synapse: RebalanceQuery) -> RebalanceQuery:
    """A new hotkey registered on a recycled uid (plays a one-tick range: a different strategy)."""
    return await one_tick(synapse)
