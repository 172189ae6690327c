"""Benchmark of the reference miner: decision time, answer latency through a real axon, memory.

    .venv/bin/python -m scripts.ops.bench_miner [--queries 200] [--concurrency 16] [--strategy volatility]

Prints: the strategy's decision time alone (median and p95, microseconds); sequential and concurrent
round-trip latency of ``RebalanceQuery`` through a real ``bt.Axon`` and ``bt.Dendrite`` on 127.0.0.1
with throwaway wallets (milliseconds, answers per second); and the process's resident memory
(MiB) after the run. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from common.logs import LogOptions, configure_logging
from miner.blacklist import CallerPolicy, Roster
from miner.config import MinerSettings
from miner.server import AxonHandlers, build_axon, build_service
from miner.strategies import build_strategy
from miner.view import view_of
from protocol.models import Inventory
from protocol.synapse import RebalanceQuery
from simulator.tickmath import get_sqrt_ratio_at_tick
from tests.support.bt_local import free_port, loopback_dendrite, loopback_network, make_wallet, wait_for_port


def _query(step: int) -> RebalanceQuery:
    tick = 195_000 + (step * 37) % 900 - 450
    price = get_sqrt_ratio_at_tick(tick)
    return RebalanceQuery(job_id="bench", sn_liquidity_manager_address="0x" + "1" * 40,
                          pair_address="0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8", round_id="bench:1",
                          round_type="evaluation", block_number=1000 + 150 * step, current_price=float(price),
                          current_positions=[], inventory_remaining=Inventory(amount0=str(10**10), amount1=str(10**18)),
                          tick_spacing=60, sqrt_price_x96=str(price), tick=tick)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_decisions(settings: MinerSettings, count: int) -> None:
    strategy = build_strategy(settings.strategy, settings)
    views = [view_of(_query(i)) for i in range(count)]
    times = []
    for query in views:
        began = time.perf_counter()
        strategy.decide(query)
        times.append(1e6 * (time.perf_counter() - began))
    print(f"decide ({settings.strategy}): median {statistics.median(times):.0f} us, p95 {_percentile(times, 0.95):.0f} us")


async def bench_axon(settings: MinerSettings, count: int, concurrency: int, root: Path) -> None:
    miner, validator = make_wallet(root, "miner"), make_wallet(root, "validator")
    roster = Roster.allowlist([validator.hotkey.ss58_address])
    handlers = AxonHandlers(build_service(settings), CallerPolicy(), lambda: roster)
    with loopback_network():
        axon = build_axon(miner, settings, handlers)
    axon.start()
    try:
        wait_for_port(settings.axon_port)
        async with loopback_dendrite(validator) as dendrite:
            info = axon.info()

            async def one(step: int) -> float:
                began = time.perf_counter()
                result = await dendrite.call(target_axon=info, synapse=_query(step), timeout=30, deserialize=False)
                if not result.is_success:
                    raise RuntimeError(f"query failed: {result.dendrite}")
                return 1000 * (time.perf_counter() - began)

            sequential = [await one(i) for i in range(count)]
            print(f"axon round trip, sequential: median {statistics.median(sequential):.1f} ms, "
                  f"p95 {_percentile(sequential, 0.95):.1f} ms")
            began = time.perf_counter()
            gate = asyncio.Semaphore(concurrency)

            async def gated(step: int) -> float:
                async with gate:
                    return await one(step)

            concurrent = await asyncio.gather(*(gated(i) for i in range(count)))
            elapsed = time.perf_counter() - began
            print(f"axon round trip, {concurrency} in flight: median {statistics.median(concurrent):.1f} ms, "
                  f"{count / elapsed:.0f} answers/s")
    finally:
        axon.stop()
        handlers.service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--strategy", default="volatility")
    args = parser.parse_args()
    configure_logging(LogOptions(level="WARNING"))  # after bittensor's import (protocol.synapse)
    settings = MinerSettings(_env_file=None, network="local", axon_port=free_port(), strategy=args.strategy)
    bench_decisions(settings, args.queries)
    with tempfile.TemporaryDirectory() as root:
        asyncio.run(bench_axon(settings, args.queries, args.concurrency, Path(root)))
    print(f"resident memory: {psutil.Process().memory_info().rss / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
