"""A query as exact integers: what a strategy reads, parsed once from the wire synapse.

The synapse carries amounts as decimal strings and, for old miners, the price as a float of
sqrtPriceX96 (``current_price``). ``QueryView`` holds exact ints: the Q64.96 sqrt price (from
``sqrt_price_x96`` when sent, else the float), the tick computed from it with the contracts' own
``getTickAtSqrtRatio``, positions as ``PositionSpec`` and the inventory in raw token units. A request
the miner cannot read raises ``BadRequest`` with the reason the miner then refuses with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from miner.errors import BadRequest
from protocol.decisions import PositionSpec
from protocol.models import Position
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_tick_at_sqrt_ratio

if TYPE_CHECKING:
    from protocol.synapse import RebalanceQuery

MAX_TICK_SPACING = 16384
"""Uniswap V3 factories cap the tick spacing below 16384; anything larger is a bad request."""


@dataclass(frozen=True, slots=True)
class QueryView:
    """One checkpoint of one job, as the validator describes it to this miner.

    ``inventory0/1``: raw token units the desired positions may use in total (idle tokens plus what
    burning the current positions returns), or ``None`` when the validator did not say.
    ``positions``: the miner's current positions, with allocations as the validator sent them.
    """

    job_id: str
    pool: str
    vault: str
    chain_id: int
    round_id: str
    round_type: str
    block_number: int
    sqrt_price_x96: int
    tick: int
    tick_spacing: int
    positions: tuple[PositionSpec, ...]
    inventory0: int | None
    inventory1: int | None
    rebalances_so_far: int

    @property
    def has_inventory(self) -> bool:
        """True when the validator said how much the desired positions may use."""
        return self.inventory0 is not None and self.inventory1 is not None


def _amount(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 78:
        raise BadRequest(f"{what} is not a decimal amount")
    return int(text)


def _sqrt_price(synapse: RebalanceQuery) -> int:
    """The exact Q64.96 price when sent, else the mainnet float (``current_price``) rounded down."""
    if synapse.sqrt_price_x96 is not None:
        price = _amount(synapse.sqrt_price_x96, "sqrt_price_x96")
    else:
        if not math.isfinite(synapse.current_price):
            raise BadRequest("current_price is not a finite number")
        price = int(synapse.current_price)
    if not MIN_SQRT_RATIO <= price < MAX_SQRT_RATIO:
        raise BadRequest("the sqrt price is outside the pool's range")
    return price


def _position(index: int, position: Position) -> PositionSpec:
    where = f"current position {index}"
    return PositionSpec(
        position.tick_lower,
        position.tick_upper,
        _amount(position.allocation0, f"{where} allocation0"),
        _amount(position.allocation1, f"{where} allocation1"),
        position.confidence,
    )


def view_of(synapse: RebalanceQuery) -> QueryView:
    """The query's request fields as exact values; ``BadRequest`` when they make no sense."""
    if not 1 <= synapse.tick_spacing < MAX_TICK_SPACING:
        raise BadRequest(f"tick_spacing {synapse.tick_spacing} is not a pool's tick spacing")
    price = _sqrt_price(synapse)
    inventory = synapse.inventory_remaining
    return QueryView(
        job_id=synapse.job_id,
        pool=synapse.pair_address.lower(),
        vault=synapse.sn_liquidity_manager_address.lower(),
        chain_id=synapse.chain_id,
        round_id=synapse.round_id,
        round_type=synapse.round_type,
        block_number=synapse.block_number,
        sqrt_price_x96=price,
        tick=get_tick_at_sqrt_ratio(price),
        tick_spacing=synapse.tick_spacing,
        positions=tuple(_position(i, p) for i, p in enumerate(synapse.current_positions)),
        inventory0=None if inventory is None else _amount(inventory.amount0, "inventory amount0"),
        inventory1=None if inventory is None else _amount(inventory.amount1, "inventory amount1"),
        rebalances_so_far=synapse.rebalances_so_far,
    )
