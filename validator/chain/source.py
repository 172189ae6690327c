"""The interface the rounds use to read the chain; ``LiveChainSource`` and ``ReplayChainSource`` implement it."""

from __future__ import annotations

from typing import Protocol

from simulator.events import PoolEvent
from validator.chain.types import PoolState, VaultState


class ChainSource(Protocol):
    """Reads of one EVM chain (or of its recorded history), every read pinned to a block.

    Implementations raise only ``validator.chain.errors.ChainError`` subclasses.
    """

    async def head_block(self) -> int:
        """The latest block the source considers final enough to use (after confirmations)."""
        ...

    async def wait_for_block(self, block_number: int) -> int:
        """Return once the head is at or past ``block_number`` (polling at block cadence, never a
        hot loop; a replay source advances its virtual clock instead). Returns the head block."""
        ...

    async def pool_state(self, pool: str, block_number: int) -> PoolState:
        """The pool's full state at ``block_number``, including every initialized tick."""
        ...

    async def vault_state(self, vault: str, kind: str, pool: str, block_number: int) -> VaultState:
        """The vault's positions in ``pool`` and idle tokens at ``block_number``; ``kind`` is
        ``"eoa"`` (positions owned in the NPM) or ``"liquidity_manager"`` (SN98's contract)."""
        ...

    async def pool_events(self, pool: str, from_block: int, to_block: int) -> list[PoolEvent]:
        """Swaps, mints, burns, collects (and fee-protocol changes) of ``pool`` in
        ``[from_block, to_block]``, in (block, log_index) order; on a Slipstream pool with a gauge,
        its stakes too (``StakeEvent``: CLPool.stake emits no pool event)."""
        ...

    async def block_timestamp(self, block_number: int) -> int:
        """Unix seconds of ``block_number``."""
        ...

    async def close(self) -> None:
        """Release sessions and connections; idempotent."""
        ...
