"""Benchmark of chain access against the devchain: indexer backfill throughput and RPC cost of a round start.

    python -m scripts.bench_chain [--events 3000] [--pool-events-db-url sqlite:///tmp/bench.sqlite3]

1. Backfill: generated traffic (swaps, mints, burns, collects on both pools) is indexed from the
   pools' creation into a fresh pool events DB, with eth_getLogs ranges of 2,000 blocks and of 10
   blocks (what a strict hosted endpoint allows); prints events/s and blocks/s.
2. Round start: pool state (slot0 ... every initialized tick), the vault's state (both kinds) and
   the events of the last 150 blocks, read at one block through a fresh client; prints the HTTP
   requests and JSON-RPC calls it took. None of it depends on the number of miners: a round reads
   the chain once per job and simulates every miner from that one read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from loguru import logger

from db.connection import create_pool_events_schema, open_databases
from db.urls import parse_database_url
from scripts.devchain.chain import Devchain, start_devchain
from scripts.devchain.traffic import TrafficConfig, TrafficGenerator
from validator.chain.live import LiveChainSource, LiveOptions
from validator.chain.rpc import RpcClient, RpcOptions
from validator.indexer import Indexer, IndexerOptions
from validator.indexer.store import Cursor, rewind

RPC = RpcOptions(rate_limit_per_s=10_000.0)


def _source(chain: Devchain, **live: Any) -> LiveChainSource:
    options: dict[str, Any] = {"confirmations": 0, "position_managers": {"uniswap-v3": chain.deployment.position_manager}}
    return LiveChainSource(RpcClient([chain.rpc_url], RPC), LiveOptions(**(options | live)))


async def _backfill(chain: Devchain, db_url: str, max_log_range: int) -> dict[str, float]:
    url = parse_database_url(db_url)
    events = requests = 0
    started = time.perf_counter()
    async with open_databases(None, url):
        await create_pool_events_schema(url)
        for pool in chain.deployment.pools:
            await rewind(Cursor(pool=pool.address.lower(), next_block=0, last_block_hash=""), chain_id=8453)
            source = _source(chain)
            options = IndexerOptions(confirmations=0, max_log_range=max_log_range, window_blocks=max_log_range * 4)
            try:
                report = await Indexer(source, pool.address, options, from_block=0,
                                       progress_stream=sys.stderr).run(asyncio.Event(), follow=False)
            finally:
                await source.close()
            events += report.events
            requests += source.rpc.stats.requests
    seconds = time.perf_counter() - started
    blocks = chain.w3.eth.block_number + 1
    return {"events": events, "blocks": blocks * len(chain.deployment.pools), "seconds": seconds,
            "events_per_s": events / seconds, "requests": requests}


async def _round_start(chain: Devchain, fee: int, kind: str, **live: Any) -> dict[str, Any]:
    d = chain.deployment
    pool = d.pool(fee).address
    vault = d.vault.eoa if kind == "eoa" else d.vault.liquidity_manager
    source = _source(chain, **live)
    block = await source.head_block()
    started = time.perf_counter()
    try:
        state, vault_state = await source.round_start(pool, vault, kind, block)
        events = await source.pool_events(pool, max(0, block - 150), block)
    finally:
        await source.close()
    stats = source.rpc.stats
    return {"pool_fee": fee, "vault": kind, "ticks": len(state.snapshot.ticks), "positions": len(vault_state.positions),
            "events": len(events), "http_requests": stats.requests - 1, "rpc_calls": stats.calls - 1,
            "by_method": {k: v - (k == "eth_blockNumber") for k, v in stats.by_method.items()},
            "seconds": round(time.perf_counter() - started, 3)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_chain", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="traffic events to generate first")
    parser.add_argument("--pool-events-db-url", default=None,
                        help="target DB (default: temporary SQLite files); the benched pools' rows are deleted first")
    return parser


async def _main(chain: Devchain, args: argparse.Namespace, tmp: Path) -> None:
    for max_range in (2000, 10):
        url = args.pool_events_db_url or f"sqlite://{tmp / f'bench_{max_range}.sqlite3'}"
        result = await _backfill(chain, url, max_range)
        print(f"backfill, eth_getLogs range {max_range:>4} blocks: {result['events']} events over "
              f"{result['blocks']} pool-blocks in {result['seconds']:.2f} s = {result['events_per_s']:,.0f} events/s "
              f"({result['requests']} HTTP requests)")
    for fee, kind, live in ((500, "eoa", {}), (500, "liquidity_manager", {}), (3000, "eoa", {}),
                            (500, "eoa", {"max_bitmap_words": 64})):
        r = await _round_start(chain, fee, kind, **live)
        bound = f", bitmap scan bounded to {live['max_bitmap_words']} words" if live else ""
        print(f"round start, pool fee {r['pool_fee']}, {r['vault']} vault{bound}: {r['http_requests']} HTTP requests, "
              f"{r['rpc_calls']} JSON-RPC calls {r['by_method']} ({r['ticks']} ticks, {r['positions']} positions, "
              f"{r['events']} events) in {r['seconds']} s")


def main() -> int:
    args = _parser().parse_args()
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    with start_devchain() as chain, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = TrafficGenerator(chain.rpc, chain.deployment, TrafficConfig(seed=99)).run(args.events)
        print(f"traffic: {report.swaps} swaps, {report.mints} mints, {report.burns} burns in {report.blocks} blocks "
              f"({time.perf_counter() - started:.1f} s)")
        asyncio.run(_main(chain, args, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
