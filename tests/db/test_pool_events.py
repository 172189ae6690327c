"""Pool events: CSV import is idempotent and exact; reads return the same events in chain order."""

from __future__ import annotations

from pathlib import Path

import pytest
from tortoise.connection import get_connection

from db.connection import POOL_EVENTS_CONNECTION, create_pool_events_schema, open_databases
from db.errors import CorruptRowError
from db.event_reader import SN98_LAYOUT, read_pool_histories, read_pool_history, stored_pools
from db.importer import import_histories
from db.urls import DatabaseUrl
from db.pool_events import EVENT_MODELS, IndexerCursor, Pool
from simulator.csv_events import PoolHistory, PoolMetadata, read_event_tables
from simulator.events import BurnEvent, MintEvent, StakeEvent, SwapEvent
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


def _staked_history() -> PoolHistory:
    """A Slipstream pool's events with stakes (a deposit, an increase, an unstake near int128's bound)."""
    pool, gauge, npm = "0xslip", "0x9A9a9a9A9a9A9a9a9A9A9A9a9A9a9A9A9A9a9A9a", "0x8282828282828282828282828282828282828282"
    events = (
        MintEvent(pool, 10, 0, npm, -600, 600, 10**18, 5, 6, "0xaa", 1_700_000_000, npm),
        StakeEvent(pool, 10, 4, -600, 600, 10**18, "0xaa", 1_700_000_000, nft=npm, gauge=gauge),
        SwapEvent(pool, 11, 2, 7, -3, 2**96, 10**18, 0, "0xbb", 1_700_000_002),
        StakeEvent(pool, 11, 6, -600, 600, 2**100, "0xcc", 1_700_000_002),
        StakeEvent(pool, 12, 1, -600, 600, -(2**127 - 1), "0xdd", 1_700_000_004, nft=npm, gauge=gauge),
    )
    return PoolHistory(metadata=PoolMetadata(pool=pool, fee=500, tick_spacing=10), initialize=None, events=events)


async def test_stakes_are_stored_once_and_read_back_exactly_in_chain_order(db_url: DatabaseUrl) -> None:
    history = _staked_history()
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        first = await import_histories([history])
        second = await import_histories([history])
        stored = await read_pool_history("0xslip")
        window = await read_pool_history("0xslip", from_block=11, to_block=12)
    assert first.total["stakes"] == 3 and second.added["stakes"] == 0
    assert stored.events == history.events
    assert [e.block_number for e in window.events if isinstance(e, StakeEvent)] == [11, 12]


async def test_reading_several_pools_at_once_equals_reading_each(db_url: DatabaseUrl, shared_data: Path) -> None:
    day1 = read_event_tables(shared_data / "uniswap-v3-mainnet-day1", USDC_WETH)[USDC_WETH]
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        await import_histories([day1, _staked_history()])
        together = await read_pool_histories([USDC_WETH.upper().replace("0X", "0x"), "0xslip"], to_block=12_372_000)
        each = {p: await read_pool_history(p, to_block=12_372_000) for p in (USDC_WETH, "0xslip")}
    assert together == each
    assert together[USDC_WETH].events and len(together["0xslip"].events) == 5


async def test_a_database_made_before_the_stakes_table_still_reads(db_url: DatabaseUrl) -> None:
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        await import_histories([_staked_history()])
        conn = get_connection(POOL_EVENTS_CONNECTION)
        await conn.execute_script('DROP TABLE "stakes";')
        if not db_url.is_sqlite:  # a stakes table outside the search path is not ours
            await conn.execute_script('CREATE SCHEMA "other_app"; CREATE TABLE "other_app"."stakes" (id INT);')
        try:
            stored = await read_pool_history("0xslip")
        finally:
            if not db_url.is_sqlite:
                await conn.execute_script('DROP SCHEMA "other_app" CASCADE;')
    assert [type(e) for e in stored.events] == [MintEvent, SwapEvent]


async def test_a_malformed_row_raises_corrupt_row_error_naming_table_id_and_column(sqlite_url: DatabaseUrl) -> None:
    async with open_databases(None, sqlite_url):
        await create_pool_events_schema(sqlite_url)
        await import_histories([_staked_history()])
        await get_connection(POOL_EVENTS_CONNECTION).execute_script("UPDATE swaps SET amount0 = '1.5';")
        with pytest.raises(CorruptRowError, match=r"swaps row id=\d+: column amount0='1.5'"):
            await read_pool_history("0xslip")


async def test_the_sql_schema_has_every_column_of_the_models_with_their_nullability(db_url: DatabaseUrl) -> None:
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        conn = get_connection(POOL_EVENTS_CONNECTION)
        for model in (*EVENT_MODELS, Pool, IndexerCursor):
            table = model._meta.db_table
            if db_url.is_sqlite:
                rows = await conn.execute_query_dict(f'PRAGMA table_info("{table}")')
                columns = {(str(r["name"]), not r["notnull"]) for r in rows}
            else:
                rows = await conn.execute_query_dict(
                    "SELECT column_name AS name, is_nullable FROM information_schema.columns WHERE table_name = $1",
                    [table])
                columns = {(str(r["name"]), r["is_nullable"] == "YES") for r in rows}
            fields = model._meta.fields_map.values()
            assert columns == {(f.source_field or f.model_field_name, f.null) for f in fields}, table
