"""SIGKILL at any moment of a round, then a restart: no lost or duplicated rows, no round left
active (issue 9 item 3), on SQLite and PostgreSQL. The existing daemon test
(tests/validator/test_daemon_local.py) kills once after a checkpoint on SQLite; here the daemon is
killed at two different moments of its rounds before it is allowed to finish."""

import random
import time
from pathlib import Path

import pytest

from db.urls import DatabaseUrl
from tests.faults._support import add_job, check_round_rows, first_pool, kill, rows, start_daemon, wait_until
from tests.support.axon_farm import AxonFarm

pytestmark = [pytest.mark.timeout(240), pytest.mark.filterwarnings("ignore::DeprecationWarning")]
SLOW = ("--replay-speed", "15")  # 30 blocks of 2 s in 4 s: a round is long enough to be killed inside


def _count(jobs_db: str, status: str) -> int:
    return len(rows(jobs_db, f"SELECT id FROM rounds WHERE status = '{status}'"))


def test_sigkill_mid_round_then_restart_loses_and_duplicates_nothing(
    db_url: DatabaseUrl, events_db: str, farm: AxonFarm, miners_file: Path, wallets: Path, tmp_path: Path,
) -> None:
    jobs_db = db_url.raw
    add_job(jobs_db, "kill", first_pool())
    log = tmp_path / "validator.log"
    # 1: killed right after a checkpoint of the first round.
    daemon = start_daemon(jobs_db, events_db, miners_file, wallets, log, *SLOW)
    try:
        wait_until(lambda: rows(jobs_db, "SELECT id FROM rounds WHERE status = 'active' "
                                         "AND last_checkpoint_block IS NOT NULL"), 90, "a checkpoint", daemon, log)
    finally:
        kill(daemon)
    assert _count(jobs_db, "active") == 1
    # 2: killed at a random moment after a round completed (opening, querying or storing the next).
    completed = _count(jobs_db, "completed")
    daemon = start_daemon(jobs_db, events_db, miners_file, wallets, log, *SLOW)
    try:
        wait_until(lambda: _count(jobs_db, "completed") > completed, 90, "a completed round", daemon, log)
        time.sleep(random.Random(98).uniform(0.0, 4.0))
    finally:
        kill(daemon)
    final = start_daemon(jobs_db, events_db, miners_file, wallets, log, "--max-rounds", "1")
    try:
        assert final.wait(timeout=120) == 0, log.read_text(errors="replace")[-4000:]
    finally:
        kill(final)
    counts = check_round_rows(jobs_db, farm.miners)
    assert counts.get("completed", 0) >= 2 and counts.get("failed", 0) >= 1, counts
    failed = rows(jobs_db, "SELECT end_reason FROM rounds WHERE status = 'failed'")
    assert all("interrupted" in str(r["end_reason"]) for r in failed), failed
