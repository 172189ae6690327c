"""The indexer's writes to the pool events DB: events and cursor in one transaction, and rewinds.

Events are unique on ``(tx_hash, log_index)``, so writing a window twice (a crash between the
write and the next read, a restart from an older cursor) stores each event once. The cursor
moves in the same transaction as the events it covers: after a crash the DB holds whole windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from db.connection import POOL_EVENTS_CONNECTION
from db.importer import insert_events, upsert_pool
from db.pool_events import EVENT_MODELS, IndexerCursor, Pool
from simulator.events import PoolEvent, PoolInitialize
from validator.chain.types import PoolInfo


@dataclass(frozen=True, slots=True)
class Cursor:
    """Every block below ``next_block`` is stored; ``last_block_hash`` is block ``next_block - 1``'s."""

    pool: str
    next_block: int
    last_block_hash: str


async def load_cursor(pool: str) -> Cursor | None:
    row = await IndexerCursor.get_or_none(pool=pool.lower())
    if row is None:
        return None
    return Cursor(pool=row.pool, next_block=row.next_block, last_block_hash=row.last_block_hash)


async def save_pool(info: PoolInfo, chain_id: int, created_block: int | None) -> None:
    """Create the pool row, or fill in what it lacks (known values are never overwritten)."""
    values = {"token0": info.token0, "token1": info.token1, "decimals0": info.decimals0, "decimals1": info.decimals1,
              "fee": info.fee, "tick_spacing": info.tick_spacing, "created_block": created_block}
    await upsert_pool(info.address, values, chain_id=chain_id, kind=info.kind)


async def _save_initialize(event: PoolInitialize) -> None:
    """The pool's Initialize event goes into its pool row (what an exact replay from creation starts at)."""
    await Pool.filter(address=event.pool.lower()).update(
        initialized_block=event.block_number, initialized_log_index=event.log_index,
        initial_sqrt_price_x96=event.sqrt_price_x96, initial_tick=event.tick)


async def write_window(cursor: Cursor, events: Sequence[PoolEvent], chain_id: int) -> None:
    """Store ``events`` and move the cursor to ``cursor``, all or nothing."""
    async with in_transaction(POOL_EVENTS_CONNECTION):
        for event in events:
            if isinstance(event, PoolInitialize):
                await _save_initialize(event)
        await insert_events(events)
        await _put_cursor(cursor, chain_id)


async def _put_cursor(cursor: Cursor, chain_id: int) -> None:
    updated = await IndexerCursor.filter(pool=cursor.pool).update(
        next_block=cursor.next_block, last_block_hash=cursor.last_block_hash, updated_at=datetime.now(timezone.utc))
    if not updated:
        await IndexerCursor.create(pool=cursor.pool, chain_id=chain_id, next_block=cursor.next_block,
                                   last_block_hash=cursor.last_block_hash)


async def rewind(cursor: Cursor, chain_id: int) -> int:
    """Delete the pool's events at or above ``cursor.next_block`` and set the cursor; rows deleted."""
    deleted = 0
    async with in_transaction(POOL_EVENTS_CONNECTION):
        for model in EVENT_MODELS:
            deleted += await model.filter(pool=cursor.pool, block_number__gte=cursor.next_block).delete()
        await _put_cursor(cursor, chain_id)
    return deleted
