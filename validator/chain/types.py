"""Values that chain sources hand to the rounds: pool state and vault state pinned to one block.

Amounts are raw token units (int), prices Q64.96 (int), liquidity in pool units (int). Addresses
are EIP-55 checksummed strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.pool import PoolSnapshot
from simulator.tickmath import MAX_TICK, MIN_TICK


@dataclass(frozen=True, slots=True)
class PoolInfo:
    """What does not change about a pool. ``fee`` in hundredths of a bip (Slipstream: the fee read
    at the snapshot block; swaps may carry their own)."""

    address: str
    token0: str
    token1: str
    decimals0: int
    decimals1: int
    fee: int
    tick_spacing: int
    kind: str = "uniswap-v3"  # or "slipstream"


@dataclass(frozen=True, slots=True)
class PoolState:
    """A pool read at ``block_number``: the simulator snapshot plus identity and the block time.

    ``scanned_tick_lower``/``scanned_tick_upper``: the tick range whose initialized ticks the
    snapshot holds (the whole range unless the bitmap scan was bounded). Slipstream's per-tick
    staked liquidity net is in the snapshot's ticks.
    """

    info: PoolInfo
    snapshot: PoolSnapshot
    block_number: int
    block_timestamp: int
    scanned_tick_lower: int = MIN_TICK
    scanned_tick_upper: int = MAX_TICK


@dataclass(frozen=True, slots=True)
class VaultPosition:
    """One NonfungiblePositionManager position of the vault in the job's pool."""

    token_id: int
    tick_lower: int
    tick_upper: int
    liquidity: int
    tokens_owed0: int = 0
    tokens_owed1: int = 0
    fee_growth_inside0_last_x128: int = 0
    fee_growth_inside1_last_x128: int = 0


@dataclass(frozen=True, slots=True)
class VaultState:
    """The vault at ``block_number``: its positions in the pool and its idle tokens."""

    address: str
    kind: str  # "eoa" or "liquidity_manager"
    pool: str
    block_number: int
    positions: tuple[VaultPosition, ...]
    idle0: int
    idle1: int
