"""Read pool events from CSV files into the simulator's event records.

Two layouts are understood:

* a *folder of event tables* as in ``../shared/data/uniswap-v3-mainnet-day1/``:
  ``factory_pool_created.csv`` (pool metadata), ``pool_initialize_events.csv``,
  ``pool_mint_burn_events.csv`` (``type_of_event`` 1 = mint, -1 = burn; ``amount`` = liquidity),
  ``pool_swap_events.csv`` and, optionally, ``pool_set_fee_protocol_events.csv``;
* *per-pool event logs* ``*<pool address>*.pool.tick.csv`` as in ``../shared/data/ethereum-2024-01-05/``:
  one row per SWAP / MINT / BURN / COLLECT, ``total_liquidity`` = active liquidity after the event,
  ticks possibly written as floats (``"28444.0"``). These carry no pool metadata and no start state.

Every row is validated here, at the edge: a missing column, a non-integer amount or an unknown event
type raises ``EventFormatError`` naming the file and line. Big integers stay exact Python ints.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from simulator.errors import EventFormatError, EventSourceError
from simulator.events import (
    BurnEvent,
    CollectEvent,
    FeeProtocolChange,
    MintEvent,
    PoolEvent,
    PoolInitialize,
    SwapEvent,
    event_order,
)

FACTORY_FILE = "factory_pool_created.csv"
INITIALIZE_FILE = "pool_initialize_events.csv"
MINT_BURN_FILE = "pool_mint_burn_events.csv"
SWAP_FILE = "pool_swap_events.csv"
FEE_PROTOCOL_FILE = "pool_set_fee_protocol_events.csv"
TICK_LOG_SUFFIX = ".pool.tick.csv"

_Event = TypeVar("_Event", bound=PoolEvent)


@dataclass(frozen=True, slots=True)
class PoolMetadata:
    """What the factory says about a pool; ``None`` where the source does not say.

    ``fee`` in hundredths of a bip, ``tick_spacing`` in ticks, ``creation_block`` a block number.
    """

    pool: str
    token0: str | None = None
    token1: str | None = None
    fee: int | None = None
    tick_spacing: int | None = None
    creation_block: int | None = None


@dataclass(frozen=True, slots=True)
class PoolHistory:
    """One pool's events from a source: metadata, its Initialize event if present, and every other
    event (swaps, mints, burns, collects, fee-protocol changes) sorted by (block, log_index)."""

    metadata: PoolMetadata
    initialize: PoolInitialize | None
    events: tuple[PoolEvent, ...]


class _Row:
    """One CSV record with typed accessors that fail with the file and line."""

    __slots__ = ("_path", "_line", "_data")

    def __init__(self, path: str, line: int, data: dict[str, str]) -> None:
        self._path, self._line, self._data = path, line, data

    def error(self, message: str) -> EventFormatError:
        return EventFormatError(self._path, self._line, message)

    def text(self, column: str) -> str:
        value = self._data.get(column)
        if value is None:
            raise self.error(f"missing column {column!r}")
        return value.strip()

    def address(self, column: str) -> str:
        return self.text(column).lower()

    def integer(self, column: str) -> int:
        """An exact integer; ``"28444.0"`` is accepted (integral floats in tick columns), ``"1.5"`` is not."""
        raw = self.text(column)
        whole, dot, fraction = raw.partition(".")
        if dot and fraction.strip("0"):
            raise self.error(f"column {column!r}: {raw!r} is not an integer")
        try:
            return int(whole)
        except ValueError:
            raise self.error(f"column {column!r}: {raw!r} is not an integer") from None

    def optional_integer(self, column: str) -> int | None:
        return self.integer(column) if self.text(column) else None

    def timestamp(self, column: str) -> int:
        """Unix seconds (UTC) from ``2021-05-04 19:52:36.000000Z`` or ``2024-01-05 01:50:11``."""
        raw = self.text(column)
        try:
            moment = datetime.fromisoformat(raw.removesuffix("Z"))
        except ValueError:
            raise self.error(f"column {column!r}: {raw!r} is not a timestamp") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp())


def _rows(path: Path) -> Iterator[_Row]:
    """The records of a CSV file with a header; empty lines are skipped."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                raise EventFormatError(str(path), 1, "empty file, expected a header line")
            for data in reader:
                if not any((v or "").strip() for v in data.values()):
                    continue
                yield _Row(str(path), reader.line_num, data)
    except OSError as exc:
        raise EventSourceError(f"cannot read {path}: {exc}") from exc
    except csv.Error as exc:
        raise EventSourceError(f"{path}: malformed CSV: {exc}") from exc


@dataclass(frozen=True, slots=True)
class _Layout:
    """Column names that differ between the event tables and the per-pool tick logs."""

    swap_liquidity: str
    swap_tick: str
    recipient: str
    owner: str
    position_liquidity: str


_TABLES = _Layout("liquidity", "tick", "recipient", "owner", "amount")
_TICK_LOG = _Layout("total_liquidity", "current_tick", "receipt", "sender", "liquidity")


def _where(row: _Row, pool: str | None) -> tuple[str, int, int, str, int]:
    """(pool, block, log index, tx hash, timestamp) of an event row; tables name the pool per row."""
    return (
        pool if pool is not None else row.address("address"),
        row.integer("block_number"),
        row.integer("log_index"),
        row.text("transaction_hash"),
        row.timestamp("block_timestamp"),
    )


def _metadata(row: _Row) -> PoolMetadata:
    return PoolMetadata(
        pool=row.address("pool"),
        token0=row.address("token0"),
        token1=row.address("token1"),
        fee=row.integer("fee"),
        tick_spacing=row.integer("tickSpacing"),
        creation_block=row.integer("block_number"),
    )


def _initialize(row: _Row) -> PoolInitialize:
    pool, block, log, tx, ts = _where(row, None)
    return PoolInitialize(pool, block, log, row.integer("sqrtPriceX96"), row.integer("tick"), tx, ts)


def _swap(row: _Row, pool: str | None = None, layout: _Layout = _TABLES) -> SwapEvent:
    pool, block, log, tx, ts = _where(row, pool)
    return SwapEvent(
        pool, block, log,
        amount0=row.integer("amount0"),
        amount1=row.integer("amount1"),
        sqrt_price_x96=row.integer("sqrtPriceX96"),
        liquidity=row.integer(layout.swap_liquidity),
        tick=row.integer(layout.swap_tick),
        tx_hash=tx,
        timestamp=ts,
        sender=row.address("sender"),
        recipient=row.address(layout.recipient),
    )  # fmt: skip


def _position(row: _Row, mint: bool, pool: str | None = None, layout: _Layout = _TABLES) -> MintEvent | BurnEvent:
    pool, block, log, tx, ts = _where(row, pool)
    liquidity = row.integer(layout.position_liquidity)
    if liquidity < 0:
        raise row.error(f"negative liquidity {liquidity}")
    record = MintEvent if mint else BurnEvent
    return record(
        pool, block, log, row.address(layout.owner), row.integer("tick_lower"), row.integer("tick_upper"),
        liquidity, row.integer("amount0"), row.integer("amount1"), tx, ts,
    )  # fmt: skip


def _mint_burn(row: _Row) -> MintEvent | BurnEvent:
    kind = row.integer("type_of_event")
    if kind not in (1, -1):
        raise row.error(f"type_of_event {kind} is neither 1 (mint) nor -1 (burn)")
    return _position(row, mint=kind == 1)


def _fee_protocol(row: _Row) -> FeeProtocolChange:
    pool, block, log, tx, ts = _where(row, None)
    return FeeProtocolChange(pool, block, log, row.integer("feeProtocol0New"), row.integer("feeProtocol1New"), tx, ts)


def _tick_log_event(row: _Row, pool: str) -> PoolEvent:
    """One row of a per-pool ``*.pool.tick.csv`` log."""
    kind = row.text("tx_type").upper()
    if kind == "SWAP":
        return _swap(row, pool, _TICK_LOG)
    if kind in ("MINT", "BURN"):
        return _position(row, kind == "MINT", pool, _TICK_LOG)
    if kind != "COLLECT":
        raise row.error(f"unknown tx_type {kind!r} (expected SWAP, MINT, BURN or COLLECT)")
    pool, block, log, tx, ts = _where(row, pool)
    return CollectEvent(
        pool, block, log, row.address("sender"), row.address("receipt"), row.integer("tick_lower"),
        row.integer("tick_upper"), row.integer("amount0"), row.integer("amount1"), tx, ts,
    )  # fmt: skip


def read_event_tables(folder: Path, pool: str | None = None) -> dict[str, PoolHistory]:
    """Every pool of a folder of event tables (or only ``pool``), keyed by lower-case address."""
    for name in (FACTORY_FILE, INITIALIZE_FILE, MINT_BURN_FILE, SWAP_FILE):
        if not (folder / name).is_file():
            raise EventSourceError(f"{folder} has no {name}")
    wanted = pool.lower() if pool else None
    metadata = {m.pool: m for m in map(_metadata, _rows(folder / FACTORY_FILE)) if wanted in (None, m.pool)}
    initialize = {event.pool: event for event in _parse(folder / INITIALIZE_FILE, _initialize, wanted)}
    events: dict[str, list[PoolEvent]] = {}
    tables: list[tuple[str, Callable[[_Row], PoolEvent]]] = [(MINT_BURN_FILE, _mint_burn), (SWAP_FILE, _swap)]
    if (folder / FEE_PROTOCOL_FILE).is_file():
        tables.append((FEE_PROTOCOL_FILE, _fee_protocol))
    for name, parse in tables:
        for event in _parse(folder / name, parse, wanted):
            events.setdefault(event.pool, []).append(event)
    addresses = set(metadata) | set(initialize) | set(events)
    return {
        address: PoolHistory(
            metadata.get(address, PoolMetadata(address)),
            initialize.get(address),
            tuple(sorted(events.get(address, ()), key=event_order)),
        )
        for address in sorted(addresses)
    }


def _parse(path: Path, parse: Callable[[_Row], _Event], wanted: str | None) -> Iterator[_Event]:
    for row in _rows(path):
        if wanted is None or row.address("address") == wanted:
            yield parse(row)


def read_tick_log(path: Path, pool: str | None = None) -> PoolHistory:
    """A per-pool ``*.pool.tick.csv`` log; the pool address is taken from the file name if not given."""
    address = (pool or _address_in_name(path)).lower()
    events = [_tick_log_event(row, address) for row in _rows(path)]
    return PoolHistory(PoolMetadata(address), None, tuple(sorted(events, key=event_order)))


def _address_in_name(path: Path) -> str:
    for part in path.name.split("-"):
        if part.startswith("0x") and len(part) == 42:
            return part
    raise EventSourceError(f"no pool address in the file name {path.name}")


def read_pool_history(folder: Path, pool: str) -> PoolHistory:
    """One pool's history from a CSV folder of either layout; EventSourceError if it is not there."""
    if not folder.is_dir():
        raise EventSourceError(f"{folder} is not a folder")
    address = pool.lower()
    if (folder / SWAP_FILE).is_file():
        histories = read_event_tables(folder, address)
        if address not in histories:
            raise EventSourceError(f"pool {address} has no events in {folder}")
        return histories[address]
    logs = [p for p in sorted(folder.glob(f"*{TICK_LOG_SUFFIX}")) if address in p.name.lower()]
    if not logs:
        raise EventSourceError(f"{folder} has neither {SWAP_FILE} nor a {TICK_LOG_SUFFIX} log of {address}")
    return read_tick_log(logs[0], address)
