"""The indexer survives its RPC node being killed and restarted in the middle of a backfill."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from db.connection import create_pool_events_schema, open_databases
from db.event_reader import read_pool_history
from db.urls import DatabaseUrl
from scripts.devchain.chain import Devchain
from scripts.devchain.pytest_plugin import require_devchain_dependencies
from tests.chain.support import FAST_RETRIES, generate, live_source
from tests.indexer.expected import chain_logs, stored
from tests.indexer.fork_node import ForkNode
from validator.indexer import Indexer, IndexerOptions, run_until_stopped

pytestmark = pytest.mark.chain


async def test_indexer_finishes_exactly_after_its_node_is_killed_and_restarted_mid_backfill(
    devchain_clean: Devchain, sqlite_url: DatabaseUrl
) -> None:
    require_devchain_dependencies()
    chain = devchain_clean
    pool = chain.deployment.pool(500)
    generate(chain, 250, seed=71, fees=(500,))
    node = ForkNode(chain.rpc_url, chain.w3.eth.block_number)
    node.start()
    source = live_source(chain, [node.url], replace(FAST_RETRIES, attempts=8, retry_timeout_s=5.0))
    options = IndexerOptions(confirmations=0, window_blocks=2, max_log_range=1, poll_interval_s=0.2)
    try:
        async with open_databases(None, sqlite_url):
            await create_pool_events_schema(sqlite_url)
            indexer = Indexer(source, pool.address, options)
            task = asyncio.create_task(run_until_stopped(indexer, asyncio.Event(), follow=False))
            while indexer.report.windows < 5 and not task.done():
                await asyncio.sleep(0.02)
            assert not task.done(), task.result()
            node.kill()
            windows_at_kill = indexer.report.windows
            await asyncio.sleep(1.0)
            # a window whose logs had arrived before the kill may still be stored; then nothing moves
            stalled_at = indexer.report.windows
            assert stalled_at <= windows_at_kill + 1
            await asyncio.sleep(0.5)
            assert not task.done() and indexer.report.windows == stalled_at
            node.start()
            report = await asyncio.wait_for(task, timeout=120)
            history = await read_pool_history(pool.address)
    finally:
        node.kill()
        await source.close()
    assert source.rpc.stats.failures > 0
    assert report.next_block == node.fork_block + 2  # the fork block, and the empty one mined on top
    assert stored(history.events) == chain_logs(chain, pool.address)
