"""The indexer on the devchain: exact ingestion (SQLite and PostgreSQL), idempotent re-runs, resume
from its cursor, reorg rewind, and an exact replay source on top of what it stored."""

from __future__ import annotations

import asyncio

import pytest

from db.connection import create_pool_events_schema, open_databases
from db.event_reader import read_pool_history
from db.pool_events import EVENT_MODELS, IndexerCursor
from db.urls import DatabaseUrl
from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import calldata
from scripts.devchain.rpc import Tx
from tests.chain.support import generate, live_source
from tests.indexer.expected import chain_logs, stored
from validator.chain.replay import ReplayChainSource
from validator.indexer import Indexer, IndexerOptions

pytestmark = pytest.mark.chain
SMALL_WINDOWS = IndexerOptions(confirmations=0, window_blocks=7, max_log_range=3, poll_interval_s=0.05)


async def _index(chain: Devchain, pool: str, options: IndexerOptions = SMALL_WINDOWS) -> Indexer:
    source = live_source(chain)
    try:
        indexer = Indexer(source, pool, options)
        await indexer.run(asyncio.Event(), follow=False)
    finally:
        await source.close()
    return indexer


async def _rows() -> int:
    return sum([await model.all().count() for model in EVENT_MODELS])


async def test_indexer_stores_every_generated_event_exactly_and_a_rerun_adds_nothing(
    devchain_clean: Devchain, db_url: DatabaseUrl
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(500)
    report = generate(chain, 300, seed=61, fees=(500,))
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        first = await _index(chain, pool.address)
        history = await read_pool_history(pool.address)
        rows = await _rows()
        again = await _index(chain, pool.address)
        assert await _rows() == rows and again.report.events == 0
        await IndexerCursor.all().delete()  # forget the cursor: every window is written a second time
        await _index(chain, pool.address)
        assert await _rows() == rows
    expected = chain_logs(chain, pool.address)
    assert stored(history.events) == expected
    assert len(expected["Swap"]) == report.swaps and first.report.by_kind["SwapEvent"] == report.swaps
    assert sum(1 for row in expected["Burn"] if row[6] > 0) == report.burns
    assert first.report.windows > 5
    assert history.initialize is not None and history.metadata.fee == 500 and history.metadata.tick_spacing == 10


async def test_indexer_resumes_from_its_cursor_and_a_replay_source_rebuilds_the_pool_exactly(
    devchain_clean: Devchain, sqlite_url: DatabaseUrl
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(3000)
    generate(chain, 120, seed=62, fees=(3000,))
    async with open_databases(None, sqlite_url):
        await create_pool_events_schema(sqlite_url)
        await _index(chain, pool.address)
        middle = chain.w3.eth.block_number
        generate(chain, 200, seed=63, fees=(3000,))
        second = await _index(chain, pool.address)
        head = chain.w3.eth.block_number
        assert second.report.first_block == middle + 1
        history = await read_pool_history(pool.address)
        replayed = await ReplayChainSource.from_database([pool.address], start_block=middle, end_block=head)
    assert stored(history.events) == chain_logs(chain, pool.address)
    live = live_source(chain)
    try:
        for block in (middle, head):
            assert (await replayed.pool_state(pool.address, block)).snapshot == (
                await live.pool_state(pool.address, block)).snapshot
        assert await replayed.pool_events(pool.address, middle + 1, head) == await live.pool_events(
            pool.address, middle + 1, head)
    finally:
        await live.close()


async def test_a_reorg_below_the_cursor_is_detected_and_the_replaced_blocks_are_indexed_again(
    devchain_clean: Devchain, sqlite_url: DatabaseUrl
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(500)
    generate(chain, 60, seed=64, fees=(500,))
    fork_point = chain.rpc.snapshot()
    generate(chain, 60, seed=65, fees=(500,))
    orphaned_head = chain.w3.eth.block_number
    async with open_databases(None, sqlite_url):
        await create_pool_events_schema(sqlite_url)
        await _index(chain, pool.address)
        chain.rpc.revert(fork_point)  # the last blocks are replaced by other ones
        generate(chain, 80, seed=66, fees=(500,))
        chain.rpc.mine(max(0, orphaned_head - chain.w3.eth.block_number))
        after = await _index(chain, pool.address)
        history = await read_pool_history(pool.address)
    assert after.report.reorgs == 1
    assert stored(history.events) == chain_logs(chain, pool.address)


async def test_a_protocol_fee_switched_on_is_indexed_and_the_replay_from_creation_stays_exact(
    devchain_clean: Devchain, sqlite_url: DatabaseUrl
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(500)
    generate(chain, 40, seed=67, fees=(500,))
    data = calldata("UniswapV3Pool", "setFeeProtocol", 5, 10)
    chain.rpc.send_all([Tx(chain.deployment.accounts.deployer, pool.address, data, gas=200_000)])
    generate(chain, 80, seed=68, fees=(500,))
    head = chain.w3.eth.block_number
    async with open_databases(None, sqlite_url):
        await create_pool_events_schema(sqlite_url)
        indexer = await _index(chain, pool.address)
        replayed = await ReplayChainSource.from_database([pool.address], start_block=head, end_block=head)
    assert indexer.report.by_kind["FeeProtocolChange"] == 1
    live = live_source(chain)
    try:
        expected = (await live.pool_state(pool.address, head)).snapshot
    finally:
        await live.close()
    assert expected.fee_protocol == 5 + (10 << 4)
    assert (await replayed.pool_state(pool.address, head)).snapshot == expected
