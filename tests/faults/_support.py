"""The daemon as a real process for fault tests: databases, a few real axons, row checks.

The miners are real axons in one farm process (``tests.support.axon_farm``); the chain data is the
shipped devchain dataset replayed (``scripts/localnet/data``, always present); the jobs DB is
whatever the test passes (a SQLite file, the shared PostgreSQL or a private server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from scripts.bench_round import VAULT_AMOUNTS, dataset_pools, validator_cli
from tests.support.daemon_rows import rows, wait_until

__all__ = ["BEHAVIOURS", "ROOT", "add_job", "check_round_rows", "first_pool", "kill", "rows", "start_daemon",
           "wait_until"]

ROOT = Path(__file__).resolve().parents[2]
BEHAVIOURS = ["sensible", "sensible", "sensible", "sensible", "hold", "refuse", "greedy"]
REFUSING = {"refuse"}


def add_job(jobs_db: str, job_id: str, pool: str, round_s: int = 60, checkpoint_blocks: int = 10) -> None:
    validator_cli("--jobs-db-url", jobs_db, "jobs", "add", job_id, "--sn-liquidity-manager-address",
                  "0x000000000000000000000000000000000000dEaD", "--pair-address", pool,
                  "--round-duration-seconds", str(round_s), "--checkpoint-blocks", str(checkpoint_blocks))


def first_pool() -> str:
    return dataset_pools()[0]


def start_daemon(jobs_db: str, events_db: str, miners_file: Path, wallets: Path, log: Path, *extra: str,
                 preexec: Callable[[], None] | None = None, output: int | None = None) -> subprocess.Popen[bytes]:
    """``python -m validator`` in local + replay mode; its output goes to ``log`` (or to ``output``,
    e.g. ``subprocess.PIPE``, when given: the caller then copies it)."""
    args = [sys.executable, "-m", "validator", "--network", "local", "--chain", "replay",
            "--jobs-db-url", jobs_db, "--pool-events-db-url", events_db, "--wallet.path", str(wallets),
            "--wallet.name", "validator", "--miners-file", str(miners_file), "--query-timeout-seconds", "5",
            "--job-refresh-seconds", "0.5", "--shutdown-grace-seconds", "5",
            "--replay-vault-amount0", str(VAULT_AMOUNTS[0]), "--replay-vault-amount1", str(VAULT_AMOUNTS[1]), *extra]
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                                stdout=out if output is None else output, stderr=subprocess.STDOUT,
                                preexec_fn=preexec)


def kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def check_round_rows(jobs_db: str, miners: list[dict[str, object]]) -> dict[str, int]:
    """The invariants every stop, crash or fault must keep; returns the round counts by status.

    No round pending or active; a completed round has exactly one prediction per miner and one
    result per scored (non-refusing) miner; a failed round has neither; per miner, the EMA was
    fed exactly once per completed round, refusals counted once per completed round, and each
    day's participation counts each completed round once.
    """
    rounds = rows(jobs_db, "SELECT id, round_id, round_number, status, end_reason FROM rounds ORDER BY id")
    statuses = [str(r["status"]) for r in rounds]
    assert not {"active", "pending"} & set(statuses), rounds
    numbers = [int(r["round_number"]) for r in rounds]
    assert numbers == list(range(1, len(rounds) + 1)), numbers
    assert all(r["end_reason"] for r in rounds if r["status"] == "failed"), rounds
    completed = {int(r["id"]) for r in rounds if r["status"] == "completed"}
    predictions = rows(jobs_db, "SELECT round_id, miner_hotkey FROM predictions")
    results = rows(jobs_db, "SELECT round_id, miner_hotkey FROM round_results")
    for kind, found, per_round in (("predictions", predictions, len(miners)),
                                   ("results", results, sum(m["behaviour"] not in REFUSING for m in miners))):
        pairs = [(int(r["round_id"]), str(r["miner_hotkey"])) for r in found]
        assert len(pairs) == len(set(pairs)), f"duplicated {kind}"
        assert {rid for rid, _ in pairs} <= completed, f"{kind} of a round that did not complete"
        assert len(pairs) == per_round * len(completed), (kind, len(pairs), per_round, len(completed))
    _check_scores(jobs_db, miners, len(completed))
    return {s: statuses.count(s) for s in set(statuses)}


def _check_scores(jobs_db: str, miners: list[dict[str, object]], completed: int) -> None:
    behaviour = {str(m["hotkey"]): str(m["behaviour"]) for m in miners}
    scores = rows(jobs_db, "SELECT miner_hotkey, evaluation_rounds, refusals FROM miner_scores")
    participation = rows(jobs_db, "SELECT miner_hotkey, SUM(rounds) AS n FROM miner_participation "
                                  "GROUP BY miner_hotkey")
    for score in scores:
        refusing = behaviour[str(score["miner_hotkey"])] in REFUSING
        expected = (0, completed) if refusing else (completed, 0)
        assert (int(score["evaluation_rounds"]), int(score["refusals"])) == expected, score
    answering = {h for h, b in behaviour.items() if b in ("sensible", "hold")}
    assert {str(p["miner_hotkey"]): int(p["n"]) for p in participation} == (
        {h: completed for h in answering} if completed else {})
