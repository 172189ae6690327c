"""Writes pool histories into the pool events database, idempotently and all-or-nothing per pool.

Events are unique on ``(tx_hash, log_index)``: importing the same source twice, or overlapping
sources, adds each event once. Each pool's rows are written in one transaction, so an interrupted
import leaves the pool as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from db.connection import POOL_EVENTS_CONNECTION
from db.pool_events import EVENT_MODELS, Burn, Collect, EventRow, FeeProtocolChange, Mint, Pool, Stake, Swap
from simulator.csv_events import PoolHistory, PoolMetadata
from simulator.events import (
    BurnEvent,
    CollectEvent,
    FeeProtocolChange as FeeProtocolEvent,
    MintEvent,
    PoolEvent,
    PoolInitialize,
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


async def _upsert_pool(meta: PoolMetadata, initialize: PoolInitialize | None, chain_id: int) -> None:
    """Create the pool row, or fill in what it lacked; known values are never overwritten."""
    address = meta.pool.lower()
    values: dict[str, Any] = {"token0": meta.token0, "token1": meta.token1, "fee": meta.fee,
              "tick_spacing": meta.tick_spacing, "created_block": meta.creation_block}
    if initialize is not None:
        values.update(initialized_block=initialize.block_number, initialized_log_index=initialize.log_index,
                      initial_sqrt_price_x96=initialize.sqrt_price_x96, initial_tick=initialize.tick)
    pool = await Pool.get_or_none(address=address)
    if pool is None:
        await Pool.create(address=address, chain_id=chain_id, **values)
        return
    missing = {k: v for k, v in values.items() if v is not None and getattr(pool, k) is None}
    if missing:
        pool.update_from_dict(missing)
        await pool.save(update_fields=list(missing))


async def _count(model: type[EventRow], pools: Sequence[str]) -> int:
    return await model.filter(pool__in=list(pools)).count()



async def import_histories(histories: Iterable[PoolHistory], chain_id: int = 8453) -> ImportStats:
    """Import every history; return per-table totals for those pools and how many rows were new."""
    histories = list(histories)
    pools = [h.metadata.pool.lower() for h in histories]
    before = {m.__name__: await _count(m, pools) for m in EVENT_MODELS}
    for history in histories:
        await _import_one(history, chain_id)
    stats = ImportStats(pools=len(histories))
    for model in EVENT_MODELS:
        name = model._meta.db_table
        stats.total[name] = await _count(model, pools)
        stats.added[name] = stats.total[name] - before[model.__name__]
    return stats


async def _import_one(history: PoolHistory, chain_id: int) -> None:
    rows: dict[type[EventRow], list[EventRow]] = {m: [] for m in EVENT_MODELS}
    for event in history.events:
        row = event_row(event)
        if row is not None:
            rows[type(row)].append(row)
    async with in_transaction(POOL_EVENTS_CONNECTION):
        await _upsert_pool(history.metadata, history.initialize, chain_id)
        for model, batch in rows.items():
            if batch:
                await model.bulk_create(batch, batch_size=BATCH_SIZE, ignore_conflicts=True)
