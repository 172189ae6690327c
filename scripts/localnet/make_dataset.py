"""Generate the demo's replay dataset on the devchain: `python -m scripts.localnet.make_dataset`.

Starts the devchain (Hardhat with the real Uniswap V3 contracts), runs its traffic generator,
indexes both pools with our own indexer (`python -m validator indexer --once`), and writes the
events as a CSV folder (the event-tables layout) plus `dataset.json` describing the pools. The
output is committed under `scripts/localnet/data/`, so `make demo` never downloads anything and
never needs Node.js. Every pool starts at its Initialize event, so the replay is exact.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from db.connection import open_databases
from db.event_reader import read_pool_histories
from db.urls import parse_database_url
from scripts.devchain.chain import start_devchain
from scripts.devchain.traffic import TrafficConfig, TrafficGenerator
from simulator.csv_write import write_event_tables

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = Path(__file__).resolve().parent / "data"
DECIMALS = {"token18": 18, "token6": 6}


def _index(db_url: str, rpc_url: str, pool: str) -> None:
    command = [sys.executable, "-m", "validator", "--pool-events-db-url", db_url, "--rpc-url", rpc_url,
               "--chain-confirmations", "0", "indexer", "--pool", pool, "--from-block", "0", "--once"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"indexer failed for {pool}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


async def _export(db_url: str, pools: list[str], out: Path) -> dict[str, int]:
    url = parse_database_url(db_url)
    async with open_databases(None, url):
        histories = list((await read_pool_histories(pools)).values())
    return write_event_tables(histories, out, chain_name="devchain")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.localnet.make_dataset", description=__doc__)
    parser.add_argument("--events", type=int, default=1500, help="Traffic events to generate.")
    parser.add_argument("--events-per-block", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    with start_devchain(seed=1) as chain, tempfile.TemporaryDirectory() as tmp:
        config = TrafficConfig(seed=args.seed, events_per_block=args.events_per_block)
        report = TrafficGenerator(chain.rpc, chain.deployment, config).run(args.events)
        db_url = f"sqlite://{Path(tmp) / 'events.sqlite3'}"
        deployment = chain.deployment
        pools = [pool.address for pool in deployment.pools]
        for pool in pools:
            _index(db_url, chain.rpc_url, pool)
        counts = asyncio.run(_export(db_url, pools, args.out))
        decimals = {deployment.token18.lower(): 18, deployment.token6.lower(): 6}
        description = {
            "generator": {"events": args.events, "events_per_block": args.events_per_block, "seed": args.seed,
                          "traffic_events": report.events},
            "chain_id": deployment.chain_id,
            "pools": [{"address": p.address, "fee": p.fee, "tick_spacing": p.tick_spacing,
                       "token0": p.token0, "token1": p.token1,
                       "decimals0": decimals[p.token0.lower()], "decimals1": decimals[p.token1.lower()]}
                      for p in deployment.pools],
            "rows": counts,
        }
    (args.out / "dataset.json").write_text(json.dumps(description, indent=2) + "\n")
    print(json.dumps(description, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
