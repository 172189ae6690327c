"""Writes pool histories into the pool events database, idempotently and all-or-nothing per pool.

Events are unique on ``(tx_hash, log_index)``: importing the same source twice, or overlapping
sources, adds each event once. Each pool's rows are written in one transaction, so an interrupted
import leaves the pool as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from db.connection import POOL_EVENTS_CONNECTION
from db.pool_events import EVENT_MODELS, Burn, Collect, EventRow, FeeProtocolChange, Mint, Pool, Stake, Swap
from simulator.csv_events import PoolHistory
from simulator.events import (
    BurnEvent,
    CollectEvent,
    FeeProtocolChange as FeeProtocolEvent,
    MintEvent,
    PoolEvent,
    StakeEvent,
    SwapEvent,
)

BATCH_SIZE = 1000


@dataclass(slots=True)
class ImportStats:
    """Rows in the database for the imported pools after the import, and how many were new."""

    pools: int = 0
    added: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)


def event_row(event: PoolEvent) -> EventRow | None:
    common = {"pool": event.pool.lower(), "block_number": event.block_number, "log_index": event.log_index,
              "tx_hash": event.tx_hash, "block_timestamp": event.timestamp}
    if isinstance(event, SwapEvent):
        return Swap(**common, sender=event.sender, recipient=event.recipient, amount0=event.amount0,
                    amount1=event.amount1, sqrt_price_x96=event.sqrt_price_x96, liquidity=event.liquidity,
                    tick=event.tick, fee=event.fee)
    if isinstance(event, MintEvent):
        return Mint(**common, owner=event.owner, sender=event.sender, tick_lower=event.tick_lower,
                    tick_upper=event.tick_upper, liquidity=event.liquidity, amount0=event.amount0,
                    amount1=event.amount1)
    if isinstance(event, BurnEvent):
        return Burn(**common, owner=event.owner, tick_lower=event.tick_lower, tick_upper=event.tick_upper,
                    liquidity=event.liquidity, amount0=event.amount0, amount1=event.amount1)
    if isinstance(event, CollectEvent):
        return Collect(**common, owner=event.owner, recipient=event.recipient, tick_lower=event.tick_lower,
                       tick_upper=event.tick_upper, amount0=event.amount0, amount1=event.amount1)
    if isinstance(event, FeeProtocolEvent):
        return FeeProtocolChange(**common, fee_protocol0=event.fee_protocol0, fee_protocol1=event.fee_protocol1)
    if isinstance(event, StakeEvent):
        return Stake(**common, tick_lower=event.tick_lower, tick_upper=event.tick_upper,
                     liquidity_delta=event.liquidity_delta, nft=event.nft, gauge=event.gauge)
    return None


async def upsert_pool(address: str, values: Mapping[str, Any], **create_only: Any) -> None:
    """Create the pool row, or fill in what it lacked: a value is written only where the row has
    NULL and the new value is not None (known values are never overwritten). ``create_only``
    (``chain_id``, ``kind``) is written only when the row is created."""
    address = address.lower()
    pool = await Pool.get_or_none(address=address)
    if pool is None:
        await Pool.create(address=address, **create_only, **values)
        return
    missing = {k: v for k, v in values.items() if v is not None and getattr(pool, k) is None}
    if missing:
        pool.update_from_dict(missing)
        await pool.save(update_fields=list(missing))


async def insert_events(events: Iterable[PoolEvent]) -> None:
    """Insert the rows of ``events``, table by table; an event already stored (same ``tx_hash``,
    ``log_index``) is skipped, and events without a table (Initialize) are left out. Run it inside
    the caller's transaction to make it all-or-nothing."""
    rows: dict[type[EventRow], list[EventRow]] = {model: [] for model in EVENT_MODELS}
    for event in events:
        row = event_row(event)
        if row is not None:
            rows[type(row)].append(row)
    for model, batch in rows.items():
        if batch:
            await model.bulk_create(batch, batch_size=BATCH_SIZE, ignore_conflicts=True)


async def _counts(pools: Sequence[str]) -> dict[str, int]:
    """Rows of ``pools`` per event table."""
    return {model._meta.db_table: await model.filter(pool__in=list(pools)).count() for model in EVENT_MODELS}


async def import_histories(histories: Iterable[PoolHistory], chain_id: int = 8453) -> ImportStats:
    """Import every history; return per-table totals for those pools and how many rows were new."""
    histories = list(histories)
    pools = [h.metadata.pool.lower() for h in histories]
    before = await _counts(pools)
    for history in histories:
        await _import_one(history, chain_id)
    total = await _counts(pools)
    return ImportStats(pools=len(histories), added={table: n - before[table] for table, n in total.items()},
                       total=total)


async def _import_one(history: PoolHistory, chain_id: int) -> None:
    meta, initialize = history.metadata, history.initialize
    values: dict[str, Any] = {"token0": meta.token0, "token1": meta.token1, "fee": meta.fee,
                              "tick_spacing": meta.tick_spacing, "created_block": meta.creation_block}
    if initialize is not None:
        values.update(initialized_block=initialize.block_number, initialized_log_index=initialize.log_index,
                      initial_sqrt_price_x96=initialize.sqrt_price_x96, initial_tick=initialize.tick)
    async with in_transaction(POOL_EVENTS_CONNECTION):
        await upsert_pool(meta.pool, values, chain_id=chain_id)
        await insert_events(history.events)
