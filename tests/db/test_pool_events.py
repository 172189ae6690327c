"""Pool events: CSV import is idempotent and exact; reads return the same events in chain order."""

from __future__ import annotations

from pathlib import Path

from tortoise.connection import get_connection

from db.connection import POOL_EVENTS_CONNECTION, create_pool_events_schema, open_databases
from db.event_reader import SN98_LAYOUT, read_pool_history, stored_pools
from db.importer import import_histories
from db.urls import DatabaseUrl
from simulator.csv_events import read_event_tables
from simulator.events import BurnEvent, MintEvent, SwapEvent
from validator.pool_events_cli import read_csv_folder

USDC_WETH = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"


async def test_importing_day1_twice_keeps_exactly_one_copy_of_each_event(
    db_url: DatabaseUrl, shared_data: Path
) -> None:
    histories = read_csv_folder(shared_data / "uniswap-v3-mainnet-day1")
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        first = await import_histories(histories)
        second = await import_histories(histories)
        await create_pool_events_schema(db_url)  # idempotent too
    assert first.total == second.total
    assert (first.total["swaps"], first.total["mints"], first.total["burns"]) == (1001, 917, 70)
    assert sum(second.added.values()) == 0


async def test_stored_history_reads_back_equal_to_the_csv(db_url: DatabaseUrl, shared_data: Path) -> None:
    folder = shared_data / "uniswap-v3-mainnet-day1"
    expected = read_event_tables(folder, USDC_WETH)[USDC_WETH]
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        await import_histories([expected])
        stored = await read_pool_history(USDC_WETH)
        window = await read_pool_history(USDC_WETH, from_block=12_370_000, to_block=12_372_000)
        assert USDC_WETH in await stored_pools()
    assert stored.initialize is not None and expected.initialize is not None
    got, want = stored.initialize, expected.initialize
    assert (got.block_number, got.log_index, got.sqrt_price_x96, got.tick) == (
        want.block_number, want.log_index, want.sqrt_price_x96, want.tick)
    assert stored.metadata.fee == 3000 and stored.metadata.tick_spacing == 60
    assert stored.events == expected.events
    assert window.events and all(12_370_000 <= e.block_number <= 12_372_000 for e in window.events)


async def test_per_event_logs_import_with_collects(db_url: DatabaseUrl, shared_data: Path) -> None:
    histories = read_csv_folder(shared_data / "ethereum-2024-01-05", [USDC_WETH])
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        stats = await import_histories(histories)
        stored = await read_pool_history(USDC_WETH)
    assert stats.total["swaps"] == 267 and stats.total["collects"] == 16
    assert sum(isinstance(e, SwapEvent) for e in stored.events) == 267
    assert stored.events == histories[0].events


async def test_sn98_indexer_tables_are_readable(sqlite_url: DatabaseUrl) -> None:
    async with open_databases(None, sqlite_url):
        conn = get_connection(POOL_EVENTS_CONNECTION)
        await conn.execute_script(
            'CREATE TABLE swaps (id INTEGER PRIMARY KEY, evt_address TEXT, evt_block_number INT, evt_tx_hash TEXT,'
            ' evt_block_time TEXT, sqrt_price_x96 TEXT, tick INT, amount0 TEXT, amount1 TEXT, liquidity TEXT,'
            ' sender TEXT, recipient TEXT);'
            'CREATE TABLE mints (id INTEGER PRIMARY KEY, evt_address TEXT, evt_block_number INT, evt_tx_hash TEXT,'
            ' evt_block_time TEXT, tick_lower INT, tick_upper INT, amount TEXT, amount0 TEXT, amount1 TEXT,'
            ' owner TEXT, sender TEXT);'
            'CREATE TABLE burns (id INTEGER PRIMARY KEY, evt_address TEXT, evt_block_number INT, evt_tx_hash TEXT,'
            ' evt_block_time TEXT, tick_lower INT, tick_upper INT, amount TEXT, amount0 TEXT, amount1 TEXT,'
            ' owner TEXT);'
            'CREATE TABLE collects (id INTEGER PRIMARY KEY, evt_address TEXT, evt_block_number INT,'
            ' evt_tx_hash TEXT, evt_block_time TEXT, tick_lower INT, tick_upper INT, amount0 TEXT, amount1 TEXT,'
            ' owner TEXT, recipient TEXT);'
            "INSERT INTO mints VALUES (1, 'PoolA', 10, '0xaa', NULL, -60, 60, '1000', '5', '6', '0xo', '0xs');"
            "INSERT INTO swaps VALUES (2, 'PoolA', 11, '0xbb', NULL, '79228162514264337593543950336', 0,"
            " '-3', '4', '1000', '0xs', '0xr');"
            "INSERT INTO burns VALUES (3, 'PoolA', 12, '0xcc', NULL, -60, 60, '1000', '1', '2', '0xo');"
        )
        history = await read_pool_history("PoolA", SN98_LAYOUT)
    kinds = [type(e) for e in history.events]
    assert kinds == [MintEvent, SwapEvent, BurnEvent]
    mint = history.events[0]
    assert isinstance(mint, MintEvent) and mint.liquidity == 1000 and mint.tick_lower == -60
    swap = history.events[1]
    assert isinstance(swap, SwapEvent) and swap.amount0 == -3 and swap.sqrt_price_x96 == 2**96
