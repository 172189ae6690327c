"""The indexer on a Slipstream pool stores its stakes, and the replay source replays them exactly.

The chain is the fake RPC of ``tests/chain/test_stakes.py`` (a CLPool history made with our ``Pool``,
served in the contracts' log layouts): an ALM's rebalance with gauge deposits and withdrawals and
staked liquidity changes, indexed into the pool events DB (SQLite and PostgreSQL) in small windows.
"""

from __future__ import annotations

import asyncio
from typing import Any

from db.connection import create_pool_events_schema, open_databases
from db.event_reader import read_pool_history
from db.urls import DatabaseUrl
from simulator.events import StakeEvent
from tests.chain.test_stakes import NPM, POOL, TOKEN0, TOKEN1, _alm_history, _FakeRpc
from validator.chain.live import LiveChainSource
from validator.chain.replay import ReplayChainSource
from validator.chain.types import PoolInfo
from validator.indexer import Indexer, IndexerOptions

HEAD = 13


class _FakeNode(_FakeRpc):
    """The fake CLPool chain, with a head."""

    def answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_blockNumber":
            return hex(HEAD)
        return super().answer(method, params)


async def test_indexed_stakes_replay_from_a_snapshot_to_the_pools_exact_state(db_url: DatabaseUrl) -> None:
    history, snapshot = _alm_history()
    source = LiveChainSource(_FakeNode(history))
    source._pools[POOL] = PoolInfo(address=POOL, token0=TOKEN0, token1=TOKEN1, decimals0=18, decimals1=18,
                                   fee=500, tick_spacing=10, kind="slipstream")
    options = IndexerOptions(confirmations=0, window_blocks=2, max_log_range=1, poll_interval_s=0.01)
    async with open_databases(None, db_url):
        await create_pool_events_schema(db_url)
        report = await Indexer(source, POOL, options, from_block=11).run(asyncio.Event(), follow=False)
        stored = await read_pool_history(POOL)
        replayed = await ReplayChainSource.from_database([POOL], start_block=11, end_block=HEAD,
                                                         snapshots={POOL: snapshot})
    stakes = [e for e in stored.events if isinstance(e, StakeEvent)]
    assert report.by_kind["StakeEvent"] == len(stakes) == 4
    assert source.rpc.stats.by_method["eth_blockNumber"] == 2  # at start, and again only once caught up
    assert [e.nft for e in stakes] == [NPM, NPM, "", ""]
    state = await replayed.pool_state(POOL, HEAD)
    chain = history.pool.snapshot(HEAD)
    assert state.snapshot.staked_liquidity == chain.staked_liquidity
    assert state.snapshot.ticks == chain.ticks  # staked nets included
    assert (state.snapshot.fee_growth_global0_x128, state.snapshot.fee_growth_global1_x128) == (
        chain.fee_growth_global0_x128, chain.fee_growth_global1_x128)
