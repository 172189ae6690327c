"""The live head: confirmations subtracted, and waiting for a block polls at the poll interval."""

from __future__ import annotations

import asyncio
import time

import pytest

from scripts.devchain.chain import Devchain
from tests.chain.support import live_source

pytestmark = pytest.mark.chain


async def test_head_is_the_latest_block_minus_the_confirmations(devchain: Devchain) -> None:
    source = live_source(devchain, confirmations=3)
    try:
        assert await source.head_block() == devchain.w3.eth.block_number - 3
    finally:
        await source.close()


async def test_waiting_for_a_future_block_polls_at_the_interval_instead_of_a_hot_loop(devchain_clean: Devchain) -> None:
    chain = devchain_clean
    source = live_source(chain, confirmations=1, poll_interval_s=0.2)
    target = chain.w3.eth.block_number + 1  # with one confirmation: two more blocks
    try:
        started = time.monotonic()
        waiting = asyncio.create_task(source.wait_for_block(target))
        await asyncio.sleep(1.0)
        assert not waiting.done()
        await asyncio.to_thread(chain.rpc.mine, 2)
        assert await asyncio.wait_for(waiting, timeout=10) == target
        elapsed = time.monotonic() - started
    finally:
        await source.close()
    polls = source.rpc.stats.by_method["eth_blockNumber"]
    assert 4 <= polls <= elapsed / 0.2 + 2
