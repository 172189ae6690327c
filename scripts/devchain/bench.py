"""Benchmark of the devchain: start-up (node + deployment + seeding) and traffic throughput.

Run: ``python -m scripts.devchain.bench [--events 500] [--runs 3]``; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from scripts.devchain.chain import start_devchain
from scripts.devchain.traffic import TrafficGenerator


def _one_run(events: int) -> dict[str, float]:
    started = time.monotonic()
    with start_devchain() as chain:
        ready = time.monotonic() - started
        generator = TrafficGenerator(chain.rpc, chain.deployment)
        t0 = time.monotonic()
        report = generator.run(events)
        traffic_s = time.monotonic() - t0
    stop_s = time.monotonic() - started - ready - traffic_s
    return {
        "startup_s": ready,
        "traffic_s": traffic_s,
        "events_per_s": report.events / traffic_s,
        "swaps": report.swaps,
        "mints": report.mints,
        "burns": report.burns,
        "blocks": report.blocks,
        "failed": len(report.failures),
        "stop_s": stop_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [_one_run(args.events) for _ in range(args.runs)]
    summary = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(json.dumps({"events": args.events, "runs": args.runs, "median": summary, "each": runs}, indent=2))


if __name__ == "__main__":
    main()
