"""Benchmark one evaluation round at subnet scale (issue 6 item 8): 256 miners, 900 s of swaps.

The miners are real ``bt.Axon`` servers on 127.0.0.1, each with its own wallet and port, served by
a few farm processes (default 4 x 64) with a cheap sensible strategy (re-centre a range around the
price with the whole inventory). The validator side runs in THIS process with the daemon's own
parts (replay chain source over the shipped devchain dataset, the v10 dendrite transport, the round
store on a SQLite file or a PostgreSQL URL, ``EvaluationRound``): a 900 s round at 2 s blocks is 450
blocks, checkpoints every 150 blocks (3 checkpoints), miners answer within the 60 s timeout.

Measured inside this process, per run (one round each; the median over ``--runs`` is reported):
``cpu_s`` (``time.process_time()`` around the round: every thread of the validator, none of the
miners), ``wall_s``, ``wait_s`` (wall time inside the transport's ``query_many``: waiting for the
miners), ``wall_excl_wait_s`` = wall - wait, ``db_statements`` (ORM statements sent, see
``tests.support.round_probe``), ``failed_queries`` by cause; ``peak_rss_mib`` of this process.

    python -m scripts.bench_round [--miners 256] [--processes 4] [--runs 3] [--jobs-db-url URL]

Targets (issue 6): <= 5 s validator CPU per round, <= 1 GiB RSS, zero failed queries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
from pathlib import Path
from typing import Any

# The dataset names stay importable from here (tests.faults uses them).
from scripts.localnet.dataset import (  # noqa: F401
    DATA,
    ROOT,
    VAULT,
    VAULT_AMOUNTS,
    DatasetJob,
    dataset_pools,
    prepare_databases,
    validator_cli,
)
from scripts.workdir import work_folder

CPU_TARGET_S, RSS_TARGET_MIB = 5.0, 1024.0


def peak_rss_mib() -> float:
    """This process's peak resident set (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median_row(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("cpu_s", "wall_s", "wait_s", "wall_excl_wait_s", "db_statements")
    return {k: round(statistics.median(float(r[k]) for r in runs), 3) for k in keys}


async def _one_round(settings: Any, job: Any, transport: Any, miners: list[Any], timeout_s: float,
                     counter: Any) -> dict[str, Any]:
    from validator.daemon import ChainProvider
    from validator.evaluation import EvaluationRound, EvaluationSettings
    from validator.round_store import RoundStore

    chains = ChainProvider(settings)
    chain = await chains.for_job(job)
    options = EvaluationSettings(query_timeout_s=timeout_s, block_time_s=settings.block_time_seconds,
                                 max_positions=settings.max_positions)
    counter.reset()
    cpu, wall = time.process_time(), time.perf_counter()
    summary = await EvaluationRound(job, chain, transport, RoundStore(), miners, options, asyncio.Event()).run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    statements = counter.count
    await chains.close()
    waits = transport.rounds[summary.round_id]
    return {"round_id": summary.round_id, "blocks": [summary.start_block, summary.end_block],
            "cpu_s": round(cpu, 3), "wall_s": round(wall, 3), "wait_s": round(waits.wait_s, 3),
            "wall_excl_wait_s": round(wall - waits.wait_s, 3), "db_statements": statements,
            "queries": waits.queries, "failed_queries": dict(waits.failed),
            "answered": sum(v is not None for v in summary.raw_scores.values())}


async def measure(work: Path, jobs_db: str, events_db: str, miners_file: Path, runs: int,
                  timeout_s: float) -> dict[str, Any]:
    """Run ``runs`` rounds of the first job, one after the other, each over the same window."""
    import bittensor  # noqa: F401  (first: its import mutes existing loggers)
    from loguru import logger

    from db.connection import open_databases, upgrade_jobs_db
    from tests.support.bt_local import make_wallet
    from tests.support.round_probe import ProbeTransport, StatementCounter
    from validator.config import ValidatorSettings
    from validator.jobs import load_active_jobs
    from validator.miners.directory import StaticMinerDirectory

    logger.remove()
    logger.add(work / "validator.log", level="INFO")
    settings = ValidatorSettings(_env_file=None, network="local", chain="replay", jobs_db_url=jobs_db,
                                 pool_events_db_url=events_db, replay_vault_amount0=VAULT_AMOUNTS[0],
                                 replay_vault_amount1=VAULT_AMOUNTS[1])
    miners = await StaticMinerDirectory.from_file(miners_file).miners()
    transport = ProbeTransport(make_wallet(work / "wallets", "validator"), max_in_flight=len(miners),
                               external_ip="127.0.0.1")
    results = []
    try:
        async with open_databases(settings.jobs_db, settings.pool_events_db):
            await upgrade_jobs_db()
            job = sorted((await load_active_jobs()).values(), key=lambda j: j.job_id)[0]
            with StatementCounter() as counter:
                for _ in range(runs):
                    results.append(await _one_round(settings, job, transport, miners, timeout_s, counter))
    finally:
        await transport.close()
    return {"runs": results, "median": _median_row(results), "peak_rss_mib": round(peak_rss_mib(), 1)}


def _report(args: argparse.Namespace, measured: dict[str, Any], farm_start_s: float) -> dict[str, Any]:
    median = measured["median"]
    failed = sum(sum(r["failed_queries"].values()) for r in measured["runs"])
    return {
        "miners": args.miners, "farm_processes": args.processes, "runs": args.runs,
        "round": {"duration_s": 900, "blocks": 450, "checkpoint_blocks": 150, "dataset": str(DATA.relative_to(ROOT))},
        "jobs_db": "postgres" if args.jobs_db_url else "sqlite", "farm_start_s": round(farm_start_s, 1),
        **measured,
        "targets": {"cpu_s_per_round_le_5": median["cpu_s"] <= CPU_TARGET_S,
                    "peak_rss_le_1GiB": measured["peak_rss_mib"] <= RSS_TARGET_MIB,
                    "zero_failed_queries": failed == 0},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_round", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--miners", type=int, default=256)
    parser.add_argument("--processes", type=int, default=4, help="Farm processes serving the axons.")
    parser.add_argument("--runs", type=int, default=3, help="Rounds measured (the median is reported).")
    parser.add_argument("--timeout", type=float, default=60.0, help="Query timeout, seconds.")
    parser.add_argument("--jobs-db-url", default=None, help="An EMPTY PostgreSQL database (default: a SQLite file).")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the work folder (DBs, logs) here.")
    args = parser.parse_args(argv)
    with work_folder(args.keep, "sn98-bench-") as work:
        report = _bench(args, work)
    print(json.dumps(report, indent=2))
    return 0 if all(report["targets"].values()) else 1


def _bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from tests.support.axon_farm import AxonFarm

    jobs_db = args.jobs_db_url or f"sqlite://{work / 'jobs.sqlite3'}"
    events_db = f"sqlite://{work / 'pool_events.sqlite3'}"
    prepare_databases(jobs_db, events_db, [DatasetJob("bench", dataset_pools()[0], 900, 150)])
    started = time.perf_counter()
    with AxonFarm(work / "farm", ["sensible"] * args.miners, processes=args.processes) as farm:
        farm_start_s = time.perf_counter() - started
        miners_file = farm.write_miners_file(work / "miners.json")
        measured = asyncio.run(measure(work, jobs_db, events_db, miners_file, args.runs, args.timeout))
    return _report(args, measured, farm_start_s)


if __name__ == "__main__":
    raise SystemExit(main())
