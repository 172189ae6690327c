"""Pool events as the simulator consumes them.

These frozen records are the one shape in which pool history crosses module borders: the CSV
readers, the pool events database and the chain sources all produce them, and the exact replay and
the round simulation consume them. Integers are raw on-chain values: token amounts in raw token
units (signed as in the Swap event: positive = paid into the pool), prices as Q64.96 sqrt prices,
liquidity in the pool's liquidity units. Events order by ``(block_number, log_index)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class PoolInitialize:
    """The pool's ``Initialize`` event: its first price."""

    pool: str
    block_number: int
    log_index: int
    sqrt_price_x96: int
    tick: int
    tx_hash: str = ""
    timestamp: int = 0


@dataclass(frozen=True, slots=True)
class SwapEvent:
    """A ``Swap`` event. ``fee`` is the per-swap fee in hundredths of a bip where the pool's fee
    can change per swap (Aerodrome Slipstream's dynamic fee); ``None`` means the pool's fee."""

    pool: str
    block_number: int
    log_index: int
    amount0: int
    amount1: int
    sqrt_price_x96: int
    liquidity: int
    tick: int
    tx_hash: str = ""
    timestamp: int = 0
    sender: str = ""
    recipient: str = ""
    fee: int | None = None


@dataclass(frozen=True, slots=True)
class MintEvent:
    """A ``Mint`` event: ``liquidity`` added to ``[tick_lower, tick_upper)`` for ``owner``."""

    pool: str
    block_number: int
    log_index: int
    owner: str
    tick_lower: int
    tick_upper: int
    liquidity: int
    amount0: int
    amount1: int
    tx_hash: str = ""
    timestamp: int = 0
    sender: str = ""


@dataclass(frozen=True, slots=True)
class BurnEvent:
    """A ``Burn`` event: ``liquidity`` removed; amounts are what the burn credited as owed."""

    pool: str
    block_number: int
    log_index: int
    owner: str
    tick_lower: int
    tick_upper: int
    liquidity: int
    amount0: int
    amount1: int
    tx_hash: str = ""
    timestamp: int = 0


@dataclass(frozen=True, slots=True)
class CollectEvent:
    """A ``Collect`` event: owed tokens paid out; it does not move the price or the curve."""

    pool: str
    block_number: int
    log_index: int
    owner: str
    recipient: str
    tick_lower: int
    tick_upper: int
    amount0: int
    amount1: int
    tx_hash: str = ""
    timestamp: int = 0


@dataclass(frozen=True, slots=True)
class FeeProtocolChange:
    """A ``SetFeeProtocol`` event: the new protocol fee denominators (0 = off, else 4..10)."""

    pool: str
    block_number: int
    log_index: int
    fee_protocol0: int
    fee_protocol1: int
    tx_hash: str = ""
    timestamp: int = 0


@dataclass(frozen=True, slots=True)
class StakeEvent:
    """Aerodrome Slipstream ``CLPool.stake``: ``liquidity_delta`` of ``[tick_lower, tick_upper)`` moved
    into (> 0) or out of (< 0) the pool's gauge.

    The pool emits no event for a stake (only its gauge calls it), yet a stake changes how every later
    swap splits its fee between the gauge and the unstaked LPs, so the chain sources derive these
    records from the gauge's ``Deposit``/``Withdraw`` logs (``log_index`` is the gauge log's) and from
    the pool's Mint/Burn owned by the gauge (``increaseStakedLiquidity``/``decreaseStakedLiquidity``).
    ``nft`` and ``gauge`` are the position owners between which the stake moves the liquidity (the
    contract's ``positionUpdate``: deposit and withdraw); both empty when only the staked liquidity
    changes (the Mint/Burn already credited the gauge's own position).
    """

    pool: str
    block_number: int
    log_index: int
    tick_lower: int
    tick_upper: int
    liquidity_delta: int
    tx_hash: str = ""
    timestamp: int = 0
    nft: str = ""
    gauge: str = ""


PoolEvent = Union[PoolInitialize, SwapEvent, MintEvent, BurnEvent, CollectEvent, FeeProtocolChange, StakeEvent]


def event_order(event: PoolEvent) -> tuple[int, int]:
    """Sort key of the chain's own order of events."""
    return (event.block_number, event.log_index)
