"""The shipped replay dataset (``scripts/localnet/data``) and how to load it into fresh databases.

Used by the demo, ``scripts.bench_round``, ``scripts.load_test`` and the fault tests; the databases
are filled with the validator's own operator commands (``python -m validator ...``), as an operator would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
VAULT = "0x000000000000000000000000000000000000dEaD"
"""Placeholder vault of the replayed jobs (vaults are not in the events DB)."""
VAULT_AMOUNTS = (20_000 * 10**6, 10 * 10**18)
"""The vault's idle tokens at the window start: token0 (DUSD, 6 decimals), token1 (DEV, 18 decimals), raw units."""


@dataclass(frozen=True, slots=True)
class DatasetJob:
    """A job over one dataset pool: round length in seconds, checkpoint interval in blocks."""

    job_id: str
    pool: str
    round_s: int
    checkpoint_blocks: int
    target: str = "pnl_vs_hodl"


def validator_cli(*args: str) -> str:
    """Run ``python -m validator ARGS`` (the operator's own commands); its stdout."""
    result = subprocess.run([sys.executable, "-m", "validator", *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"validator {' '.join(args[:4])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def dataset_pools() -> list[str]:
    """The shipped dataset's pool addresses (0.05% first, then 0.3%)."""
    return [str(p["address"]) for p in json.loads((DATA / "dataset.json").read_text())["pools"]]


def prepare_databases(jobs_db: str, events_db: str, jobs: Sequence[DatasetJob]) -> None:
    """Import the dataset into the events DB and add ``jobs`` to the jobs DB."""
    validator_cli("--pool-events-db-url", events_db, "pool-events", "import", "--from-csv", str(DATA))
    for job in jobs:
        validator_cli("--jobs-db-url", jobs_db, "jobs", "add", job.job_id, "--sn-liquidity-manager-address", VAULT,
                      "--pair-address", job.pool, "--target", job.target,
                      "--round-duration-seconds", str(job.round_s), "--checkpoint-blocks", str(job.checkpoint_blocks))
