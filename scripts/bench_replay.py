"""Exact replay throughput, printed as JSON (``python scripts/bench_replay.py [--swaps N] [--runs R]``).

The day-1 data has only 1,001 swaps, so the benchmark builds a long synthetic history on a realistic
curve: it replays the day-1 USDC/WETH 0.3% pool (every event checked), snapshots it, and generates
random swaps on it (exact input, exact output and price-limited requests in the proportions the
day-1 replay found: 873 / 122 / 6 of 1,001), mean-reverting around the start tick, with sizes that
move the price by a few to ~100 ticks so some swaps cross ticks and bitmap words. Each swap's
real outcome becomes a Swap event. Two timings, median of ``--runs``:

- ``engine_swaps_per_s``: ``Pool.swap`` on the generated requests (the loop, step log included);
- ``replay_swaps_per_s``: ``replay`` of the generated Swap events from the snapshot: reconstruction
  of each request from the event, the exact check of all five fields, commit, and the StepLog build.

Both wall-clock (``perf_counter``) and CPU (``process_time``) rates are printed; on a shared machine
the CPU figure is the steadier one.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.csv_events import read_pool_history  # noqa: E402
from simulator.events import SwapEvent  # noqa: E402
from simulator.pool import Pool, PoolSnapshot  # noqa: E402
from simulator.replay import pool_from_start, replay  # noqa: E402
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO  # noqa: E402

DAY1 = ROOT.parent / "shared" / "data" / "uniswap-v3-mainnet-day1"
USDC_WETH = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"
Request = tuple[bool, int, int]
# the mix of requests the day-1 replay reconstructed: 873 exact input, 122 exact output, 6 to a price
EXACT_INPUT_SHARE = 873 / 1001
EXACT_OUTPUT_SHARE = 122 / 1001


def day1_snapshot() -> tuple[PoolSnapshot, float]:
    """The USDC/WETH pool after its whole first day, and the seconds its exact replay took."""
    history = read_pool_history(DAY1, USDC_WETH)
    assert history.initialize is not None
    pool = pool_from_start(history.metadata, history.initialize)
    started = time.perf_counter()
    replay(pool, history.events)
    return pool.snapshot(history.events[-1].block_number), time.perf_counter() - started


def _request(pool: Pool, center: int, rng: random.Random) -> Request:
    """A random swap that moves the price by ~|N(0, 40)| ticks, drifting back toward ``center``."""
    zero_for_one = rng.random() < 1 / (1 + math.exp(-(pool.tick - center) / 300))
    ticks = max(abs(rng.gauss(0, 40)), 0.05)
    sqrt_p = pool.sqrt_price_x96 / 2**96
    ratio = math.exp(ticks * math.log1p(1e-4) / 2)
    liquidity = max(pool.liquidity, 10**15)
    if zero_for_one:  # token0 in, token1 out
        amount_in, amount_out = liquidity * (ratio - 1) / sqrt_p, liquidity * sqrt_p * (1 - 1 / ratio)
    else:
        amount_in, amount_out = liquidity * sqrt_p * (ratio - 1), liquidity * (1 - 1 / ratio) / sqrt_p
    no_limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    kind = rng.random()
    if kind < EXACT_INPUT_SHARE:
        return zero_for_one, int(amount_in) + 1, no_limit
    if kind < EXACT_INPUT_SHARE + EXACT_OUTPUT_SHARE:
        return zero_for_one, -(int(amount_out * 0.999) + 1), no_limit
    # asks for twice the move but stops at a price limit halfway
    halfway = int(pool.sqrt_price_x96 * (ratio ** (-0.5 if zero_for_one else 0.5)))
    return zero_for_one, 2 * int(amount_in) + 1, halfway


def generate(snapshot: PoolSnapshot, count: int, seed: int) -> tuple[list[Request], list[SwapEvent], int]:
    """``count`` requests, the Swap events they produce, and their total step count."""
    pool = Pool.from_snapshot(snapshot)
    rng = random.Random(seed)
    requests: list[Request] = []
    events: list[SwapEvent] = []
    steps = 0
    block = snapshot.block_number + 1
    for i in range(count):
        request = _request(pool, snapshot.tick, rng)
        result = pool.swap(*request)
        steps += result.step_count
        requests.append(request)
        events.append(SwapEvent(USDC_WETH, block + i // 4, i % 4, result.amount0, result.amount1,
                                result.sqrt_price_x96, result.liquidity, result.tick))  # fmt: skip
    return requests, events, steps


def time_engine(snapshot: PoolSnapshot, requests: list[Request]) -> tuple[float, float]:
    pool = Pool.from_snapshot(snapshot)
    swap = pool.swap
    wall, cpu = time.perf_counter(), time.process_time()
    for request in requests:
        swap(*request)
    return time.perf_counter() - wall, time.process_time() - cpu


def time_replay(snapshot: PoolSnapshot, events: list[SwapEvent]) -> tuple[float, float]:
    pool = Pool.from_snapshot(snapshot)
    wall, cpu = time.perf_counter(), time.process_time()
    result = replay(pool, events, from_snapshot=True)
    elapsed = time.perf_counter() - wall, time.process_time() - cpu
    assert result.swaps == len(events)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--swaps", type=int, default=100_000, help="synthetic swaps per run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the median is reported)")
    parser.add_argument("--seed", type=int, default=98)
    args = parser.parse_args()
    if not DAY1.is_dir():
        print(json.dumps({"error": f"shared data not found at {DAY1}"}))
        return 2
    snapshot, day1_seconds = day1_snapshot()
    requests, events, steps = generate(snapshot, args.swaps, args.seed)
    engine = [time_engine(snapshot, requests) for _ in range(args.runs)]
    replays = [time_replay(snapshot, events) for _ in range(args.runs)]
    n = len(requests)
    report = {
        "swaps": n,
        "steps_per_swap": round(steps / n, 3),
        "tick_range": [min(e.tick for e in events), max(e.tick for e in events)],
        "runs": args.runs,
        "engine_swaps_per_s": round(n / statistics.median(w for w, _ in engine)),
        "engine_swaps_per_cpu_s": round(n / statistics.median(c for _, c in engine)),
        "replay_swaps_per_s": round(n / statistics.median(w for w, _ in replays)),
        "replay_swaps_per_cpu_s": round(n / statistics.median(c for _, c in replays)),
        "day1_usdc_weth_replay_s": round(day1_seconds, 4),
        "target_swaps_per_s": 100_000,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
