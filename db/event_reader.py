"""Reads pool histories back from a pool events database, in our layout or in SN98's indexer layout.

The validator never writes this database. Reads go through the ``pool_events`` Tortoise
connection with plain SQL built from a ``PoolEventsLayout`` (table and column names), so the same
code reads our tables and the SN98 indexer's (``evt_address``, ``evt_block_number``, ... and no
log index: their row id stands in for it). Every row is validated into a simulator event record;
a malformed row raises ``CorruptRowError`` naming the table and id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from loguru import logger
from tortoise.connection import get_connection

from db.connection import POOL_EVENTS_CONNECTION
from db.errors import CorruptRowError
from db.fields import decode_int
from simulator.csv_events import PoolHistory, PoolMetadata
from simulator.events import (
    BurnEvent,
    CollectEvent,
    FeeProtocolChange,
    MintEvent,
    PoolEvent,
    PoolInitialize,
    StakeEvent,
    SwapEvent,
    event_order,
)


@dataclass(frozen=True, slots=True)
class PoolEventsLayout:
    """Table names and the columns that differ between layouts. ``log_index`` may be any column
    that orders events inside a block (SN98's tables have none; their ``id`` is used)."""

    swaps: str = "swaps"
    mints: str = "mints"
    burns: str = "burns"
    collects: str = "collects"
    fee_protocol_changes: str | None = "fee_protocol_changes"
    stakes: str | None = "stakes"
    pools: str | None = "pools"
    pool: str = "pool"
    block_number: str = "block_number"
    log_index: str = "log_index"
    tx_hash: str = "tx_hash"
    timestamp: str | None = "block_timestamp"
    liquidity: str = "liquidity"
    pool_address_lowercase: bool = True

    def with_prefix(self, prefix: str) -> PoolEventsLayout:
        if not prefix:
            return self
        def named(table: str | None) -> str | None:
            return None if table is None else prefix + table
        return replace(self, swaps=prefix + self.swaps, mints=prefix + self.mints, burns=prefix + self.burns,
                       collects=prefix + self.collects, fee_protocol_changes=named(self.fee_protocol_changes),
                       stakes=named(self.stakes), pools=named(self.pools))


DEFAULT_LAYOUT = PoolEventsLayout()
SN98_LAYOUT = PoolEventsLayout(
    swaps="swaps", mints="mints", burns="burns", collects="collects", fee_protocol_changes=None, stakes=None,
    pools=None,
    pool="evt_address", block_number="evt_block_number", log_index="id", tx_hash="evt_tx_hash",
    timestamp=None, liquidity="amount", pool_address_lowercase=False,
)
LAYOUTS = {"default": DEFAULT_LAYOUT, "sn98": SN98_LAYOUT}


def _int(row: Mapping[str, Any], column: str, table: str) -> int:
    value = row.get(column)
    try:
        if value is None:
            raise ValueError("missing")
        return decode_int(value.strip() if isinstance(value, str) else value)
    except ValueError as exc:
        raise CorruptRowError(f"{table} row id={row.get('id')}: column {column}={value!r}: {exc}") from None


def _str(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value)


class _Query:
    """SQL for one table of one layout on one dialect."""

    def __init__(self, layout: PoolEventsLayout, dialect: str) -> None:
        self.layout = layout
        self.dialect = dialect

    def placeholder(self, n: int) -> str:
        return f"${n}" if self.dialect == "postgres" else "?"

    def select(self, table: str, from_block: int | None, to_block: int | None) -> tuple[str, list[Any]]:
        lay = self.layout
        ts = f', "{lay.timestamp}" AS _ts' if lay.timestamp else ""
        sql = (f'SELECT *, "{lay.block_number}" AS _block, "{lay.log_index}" AS _log, "{lay.tx_hash}" AS _tx{ts} '
               f'FROM "{table}" WHERE "{lay.pool}" = {self.placeholder(1)}')
        params: list[Any] = []
        if from_block is not None:
            params.append(from_block)
            sql += f' AND "{lay.block_number}" >= {self.placeholder(len(params) + 1)}'
        if to_block is not None:
            params.append(to_block)
            sql += f' AND "{lay.block_number}" <= {self.placeholder(len(params) + 1)}'
        return sql + f' ORDER BY "{lay.block_number}", "{lay.log_index}"', params


def _common(row: Mapping[str, Any], pool: str, table: str) -> dict[str, Any]:
    timestamp = row.get("_ts")
    return {"pool": pool, "block_number": _int(row, "_block", table), "log_index": _int(row, "_log", table),
            "tx_hash": _str(row, "_tx"), "timestamp": timestamp if isinstance(timestamp, int) else 0}


def _swap(row: Mapping[str, Any], pool: str, table: str, lay: PoolEventsLayout) -> PoolEvent:
    fee = row.get("fee")
    return SwapEvent(**_common(row, pool, table), amount0=_int(row, "amount0", table),
                     amount1=_int(row, "amount1", table), sqrt_price_x96=_int(row, "sqrt_price_x96", table),
                     liquidity=_int(row, "liquidity", table), tick=_int(row, "tick", table),
                     sender=_str(row, "sender"), recipient=_str(row, "recipient"),
                     fee=None if fee is None else _int(row, "fee", table))


def _position(row: Mapping[str, Any], table: str) -> dict[str, Any]:
    return {"owner": _str(row, "owner"), "tick_lower": _int(row, "tick_lower", table),
            "tick_upper": _int(row, "tick_upper", table), "amount0": _int(row, "amount0", table),
            "amount1": _int(row, "amount1", table)}


def _mint(row: Mapping[str, Any], pool: str, table: str, lay: PoolEventsLayout) -> PoolEvent:
    return MintEvent(**_common(row, pool, table), **_position(row, table),
                     liquidity=_int(row, lay.liquidity, table), sender=_str(row, "sender"))


def _burn(row: Mapping[str, Any], pool: str, table: str, lay: PoolEventsLayout) -> PoolEvent:
    return BurnEvent(**_common(row, pool, table), **_position(row, table),
                     liquidity=_int(row, lay.liquidity, table))


def _collect(row: Mapping[str, Any], pool: str, table: str, lay: PoolEventsLayout) -> PoolEvent:
    return CollectEvent(**_common(row, pool, table), **_position(row, table), recipient=_str(row, "recipient"))


def _fee_protocol(row: Mapping[str, Any], pool: str, table: str, lay: PoolEventsLayout) -> PoolEvent:
    return FeeProtocolChange(**_common(row, pool, table), fee_protocol0=_int(row, "fee_protocol0", table),
                             fee_protocol1=_int(row, "fee_protocol1", table))


def _stake(row: Mapping[str, Any], pool: str, table: str, lay: PoolEventsLayout) -> PoolEvent:
    return StakeEvent(**_common(row, pool, table), tick_lower=_int(row, "tick_lower", table),
                      tick_upper=_int(row, "tick_upper", table),
                      liquidity_delta=_int(row, "liquidity_delta", table), nft=_str(row, "nft"),
                      gauge=_str(row, "gauge"))


RowParser = Callable[[Mapping[str, Any], str, str, PoolEventsLayout], PoolEvent]


async def read_pool_history(
    pool: str, layout: PoolEventsLayout = DEFAULT_LAYOUT,
    from_block: int | None = None, to_block: int | None = None,
) -> PoolHistory:
    """Every stored event of ``pool`` in ``[from_block, to_block]``, in chain order."""
    return (await read_pool_histories([pool], layout, from_block, to_block))[pool.lower()]


async def read_pool_histories(
    pools: Iterable[str], layout: PoolEventsLayout = DEFAULT_LAYOUT,
    from_block: int | None = None, to_block: int | None = None,
) -> dict[str, PoolHistory]:
    """``read_pool_history`` of each pool, keyed by lowercase address; which tables exist is
    looked up once for all of them."""
    query = _Query(layout, get_connection(POOL_EVENTS_CONNECTION).capabilities.dialect)
    tables = await _event_tables(layout, query.dialect)
    histories: dict[str, PoolHistory] = {}
    for pool in pools:
        events = await _read_events(pool, query, tables, from_block, to_block)
        metadata, initialize = await _read_pool_row(pool, layout, query)
        histories[pool.lower()] = PoolHistory(metadata=metadata, initialize=initialize, events=events)
    return histories


async def _event_tables(layout: PoolEventsLayout, dialect: str) -> list[tuple[str, RowParser]]:
    """The layout's event tables with the parser of their rows (the stakes table only if it exists)."""
    tables: list[tuple[str | None, RowParser]] = [
        (layout.swaps, _swap), (layout.mints, _mint), (layout.burns, _burn),
        (layout.collects, _collect), (layout.fee_protocol_changes, _fee_protocol),
    ]
    if layout.stakes is not None and await _has_table(layout.stakes, dialect):
        tables.append((layout.stakes, _stake))
    return [(table, parse) for table, parse in tables if table is not None]


async def _read_events(
    pool: str, query: _Query, tables: list[tuple[str, RowParser]], from_block: int | None, to_block: int | None,
) -> tuple[PoolEvent, ...]:
    """The pool's rows of every table, parsed, in chain order."""
    connection = get_connection(POOL_EVENTS_CONNECTION)
    address = pool.lower()
    key = address if query.layout.pool_address_lowercase else pool
    events: list[PoolEvent] = []
    for table, parse in tables:
        sql, params = query.select(table, from_block, to_block)
        for row in await connection.execute_query_dict(sql, [key, *params]):
            events.append(parse(row, address, table, query.layout))
    events.sort(key=event_order)
    return tuple(events)


async def _has_table(table: str, dialect: str) -> bool:
    """Whether ``table`` exists: the stakes table came after the others, and a database created
    before it (Uniswap pools only, or Slipstream indexed without stakes) is still readable; it
    gains the table the next time its schema is applied (``create_pool_events_schema``)."""
    connection = get_connection(POOL_EVENTS_CONNECTION)
    if dialect == "postgres":
        # a table on the search path, as the unqualified names of the reads resolve it
        sql = ("SELECT 1 FROM pg_catalog.pg_class WHERE relname = $1 AND relkind IN ('r', 'p', 'v')"
               " AND pg_catalog.pg_table_is_visible(oid)")
    else:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    if await connection.execute_query_dict(sql, [table]):
        return True
    logger.warning("pool events database has no {} table: Slipstream stakes are not replayed", table)
    return False


async def _read_pool_row(
    pool: str, layout: PoolEventsLayout, query: _Query
) -> tuple[PoolMetadata, PoolInitialize | None]:
    if layout.pools is None:
        return PoolMetadata(pool=pool.lower()), None
    sql = f'SELECT * FROM "{layout.pools}" WHERE "address" = {query.placeholder(1)}'
    rows = await get_connection(POOL_EVENTS_CONNECTION).execute_query_dict(sql, [pool.lower()])
    if not rows:
        return PoolMetadata(pool=pool.lower()), None
    row = rows[0]
    table = layout.pools
    optional = {k: (None if row.get(k) is None else _int(row, k, table))
                for k in ("fee", "tick_spacing", "created_block")}
    metadata = PoolMetadata(pool=pool.lower(), token0=row.get("token0"), token1=row.get("token1"),
                            fee=optional["fee"], tick_spacing=optional["tick_spacing"],
                            creation_block=optional["created_block"])
    initialize = None
    if row.get("initial_sqrt_price_x96") is not None:
        initialize = PoolInitialize(pool=pool.lower(), block_number=_int(row, "initialized_block", table),
                                    log_index=_int(row, "initialized_log_index", table),
                                    sqrt_price_x96=_int(row, "initial_sqrt_price_x96", table),
                                    tick=_int(row, "initial_tick", table))
    return metadata, initialize


async def stored_pools(layout: PoolEventsLayout = DEFAULT_LAYOUT) -> list[str]:
    """Addresses of the pools with a row in the pools table (our layout only)."""
    if layout.pools is None:
        return []
    rows = await get_connection(POOL_EVENTS_CONNECTION).execute_query_dict(
        f'SELECT "address" FROM "{layout.pools}" ORDER BY "address"')
    return [str(row["address"]) for row in rows]
