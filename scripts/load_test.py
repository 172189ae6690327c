"""Load run of the validator daemon (issue 9 item 4): many miners, some misbehaving, two jobs.

256 real axons (``tests.support.axon_farm``, a few processes) of which 10% misbehave in rotating
ways (``tests.support.rotating_miners``: slower than the timeout, garbage positions, refusal,
allocation above inventory, crash), the rest answer sensibly. The validator is the real daemon
(``python -m validator --network local --chain replay``) over the shipped devchain dataset, two
jobs (one per pool), ``--rounds`` evaluation rounds each. Rounds are 60 s (the shortest a job may
have) at 3 s blocks (``--block-time-seconds 3``): 20 blocks with a checkpoint every 10, so that 20
rounds fit in the dataset's ~500 blocks.

Prints JSON: rounds completed and failed (per job), queries, failed queries by cause, rejected
answers by reason, refusals, per-round wall time and overhead (round wall time minus, at each
checkpoint, the slowest miner's response time: what the round spends besides waiting for miners)
as p50/p99 in seconds, and the daemon's peak RSS (VmHWM). Exit code 1 if any round failed.
Failed queries are split into honest and misbehaving miners': an honest miner's failure is a
capacity problem of the validator (or of the farm on a small machine), never the miner's intent.
The query slots (``--max-concurrent-queries``) are twice the miners, so the two jobs' checkpoints
never queue behind each other and the slowest reply is the checkpoint's wait.

    python -m scripts.load_test [--miners 256] [--misbehaving 0.1] [--rounds 20] [--timeout 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.localnet.dataset import VAULT_AMOUNTS, DatasetJob, dataset_pools, prepare_databases
from scripts.workdir import work_folder

ROOT = Path(__file__).resolve().parents[1]
ROUND_S, BLOCK_TIME_S, CHECKPOINT_BLOCKS = 60, 3, 10
FAILED_OUTCOMES = ("timeout", "transport_error")


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """One load run. ``timeout_s``: the validator's query timeout (seconds)."""

    miners: int = 256
    misbehaving: float = 0.1
    rounds: int = 20
    processes: int = 4
    timeout_s: float = 5.0
    jobs_db_url: str | None = None


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in (0, 1]); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _moment(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_daemon(work: Path, jobs_db: str, events_db: str, miners_file: Path, options: LoadOptions,
               wallets: Path) -> tuple[int, float]:
    """Run the daemon until its rounds are done; its exit code and peak RSS (MiB)."""
    args = [sys.executable, "-m", "validator", "--network", "local", "--chain", "replay",
            "--jobs-db-url", jobs_db, "--pool-events-db-url", events_db, "--wallet.path", str(wallets),
            "--wallet.name", "validator", "--miners-file", str(miners_file), "--max-rounds", str(options.rounds),
            "--query-timeout-seconds", str(options.timeout_s), "--job-refresh-seconds", "1",
            "--shutdown-grace-seconds", "5", "--block-time-seconds", str(BLOCK_TIME_S), "--max-concurrent-queries", str(2 * options.miners),
            "--replay-vault-amount0", str(VAULT_AMOUNTS[0]), "--replay-vault-amount1", str(VAULT_AMOUNTS[1])]
    log = (work / "validator.log").open("wb")
    daemon = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log,
                              stderr=subprocess.STDOUT)
    log.close()
    peak = 0.0
    budget = 120 + options.rounds * 2 * (ROUND_S // BLOCK_TIME_S // CHECKPOINT_BLOCKS) * (options.timeout_s + 10)
    deadline = time.monotonic() + budget
    try:
        while daemon.poll() is None:
            peak = max(peak, _peak_rss_mib(daemon.pid) or 0.0)
            if time.monotonic() > deadline:
                raise TimeoutError(f"the daemon did not finish its rounds within {budget:.0f} s")
            time.sleep(0.25)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(timeout=30)
    return daemon.returncode, peak


async def read_rows(jobs_db: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every round (with its job id) and every prediction of the run."""
    from tortoise.connection import get_connection

    from db.connection import open_databases
    from db.urls import parse_database_url

    async with open_databases(parse_database_url(jobs_db)):
        connection = get_connection("jobs")
        rounds = await connection.execute_query_dict(
            "SELECT r.id, j.job_id, r.status, r.end_reason, r.started_at, r.finished_at FROM rounds r "
            "JOIN jobs j ON j.id = r.job_id WHERE r.round_type = 'evaluation' ORDER BY r.id")
        predictions = await connection.execute_query_dict("SELECT round_id, miner_uid, checkpoints FROM predictions")
    return list(rounds), list(predictions)


def _checkpoints(prediction: dict[str, Any]) -> list[dict[str, Any]]:
    raw = prediction["checkpoints"]
    return list(json.loads(raw) if isinstance(raw, str) else raw)


def summarize(rounds: list[dict[str, Any]], predictions: list[dict[str, Any]],
              behaviours: list[str]) -> dict[str, Any]:
    """The run's figures from the rows the daemon wrote (see the module docstring); ``behaviours``
    by uid tells honest from misbehaving miners' failed queries."""
    failed = {"honest": Counter[str](), "misbehaving": Counter[str]()}
    rejected, outcomes = Counter[str](), Counter[str]()
    slowest: dict[tuple[int, int], int] = {}
    for prediction in predictions:
        who = "honest" if behaviours[int(prediction["miner_uid"])] == "sensible" else "misbehaving"
        for checkpoint in _checkpoints(prediction):
            outcome = checkpoint["outcome"]
            outcomes[outcome] += 1
            if outcome in FAILED_OUTCOMES:
                failed[who][str(checkpoint["reason_code"])] += 1
            elif outcome == "rejected":
                rejected[str(checkpoint["reason_code"])] += 1
            key = (int(prediction["round_id"]), int(checkpoint["block"]))
            slowest[key] = max(slowest.get(key, 0), int(checkpoint["ms"]))
    walls, overheads = [], []
    for row in rounds:
        if row["status"] != "completed":
            continue
        wall = (_moment(row["finished_at"]) - _moment(row["started_at"])).total_seconds()
        waited = sum(ms for (round_id, _), ms in slowest.items() if round_id == row["id"]) / 1000
        walls.append(wall)
        overheads.append(max(0.0, wall - waited))
    return {
        "rounds_completed": sum(r["status"] == "completed" for r in rounds),
        "rounds_failed": sum(r["status"] != "completed" for r in rounds),
        "rounds_by_job": dict(Counter(f"{r['job_id']}:{r['status']}" for r in rounds)),
        "failure_reasons": [str(r["end_reason"]) for r in rounds if r["status"] != "completed"],
        "queries": sum(outcomes.values()), "outcomes": dict(outcomes),
        "failed_queries_by_cause": {who: dict(causes) for who, causes in failed.items()}, "rejected_answers_by_reason": dict(rejected),
        "round_wall_s": {"p50": round(percentile(walls, 0.5), 3), "p99": round(percentile(walls, 0.99), 3)},
        "round_overhead_s": {"p50": round(percentile(overheads, 0.5), 3),
                             "p99": round(percentile(overheads, 0.99), 3)},
    }


def run_load(work: Path, options: LoadOptions) -> dict[str, Any]:
    """Prepare the DBs, start the farm and the daemon, and summarize what the daemon stored."""
    from tests.support.axon_farm import AxonFarm
    from tests.support.bt_local import make_wallet
    from tests.support.rotating_miners import plan

    jobs_db = options.jobs_db_url or f"sqlite://{work / 'jobs.sqlite3'}"
    events_db = f"sqlite://{work / 'pool_events.sqlite3'}"
    jobs = [DatasetJob(f"load-{i}", pool, ROUND_S, CHECKPOINT_BLOCKS) for i, pool in enumerate(dataset_pools())]
    prepare_databases(jobs_db, events_db, jobs)
    make_wallet(work / "wallets", "validator")
    behaviours = plan(options.miners, options.misbehaving)
    started = time.perf_counter()
    with AxonFarm(work / "farm", behaviours, processes=options.processes) as farm:
        miners_file = farm.write_miners_file(work / "miners.json")
        code, peak = run_daemon(work, jobs_db, events_db, miners_file, options, work / "wallets")
    report = summarize(*asyncio.run(read_rows(jobs_db)), behaviours)
    return {"miners": options.miners, "misbehaving": behaviours.count("rotating"), "jobs": len(jobs),
            "rounds_per_job": options.rounds, "query_timeout_s": options.timeout_s, "daemon_exit_code": code,
            "daemon_peak_rss_mib": round(peak, 1), "total_wall_s": round(time.perf_counter() - started, 1), **report}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.load_test", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--miners", type=int, default=256)
    parser.add_argument("--misbehaving", type=float, default=0.1, help="Share of rotating misbehavers (0..1).")
    parser.add_argument("--rounds", type=int, default=20, help="Evaluation rounds per job.")
    parser.add_argument("--processes", type=int, default=4, help="Farm processes serving the axons.")
    parser.add_argument("--timeout", type=float, default=5.0, help="The validator's query timeout, seconds.")
    parser.add_argument("--jobs-db-url", default=None, help="An EMPTY PostgreSQL database (default: a SQLite file).")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the work folder (DBs, logs) here.")
    args = parser.parse_args(argv)
    options = LoadOptions(args.miners, args.misbehaving, args.rounds, args.processes, args.timeout, args.jobs_db_url)
    with work_folder(args.keep, "sn98-load-") as work:
        report = run_load(work, options)
    print(json.dumps(report, indent=2))
    return 0 if report["rounds_failed"] == 0 and report["daemon_exit_code"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
