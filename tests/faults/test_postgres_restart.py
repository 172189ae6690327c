"""PostgreSQL restarted while a round runs (issue 9 item 3): the round in flight completes or
fails with a reason, the daemon carries on and completes rounds after the restart. The server is a
private one (initdb + pg_ctl on a free port), never the shared server other tests use."""

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults._support import add_job, check_round_rows, first_pool, kill, rows, start_daemon, wait_until
from tests.support import private_postgres
from tests.support.axon_farm import AxonFarm
from tests.support.private_postgres import PrivatePostgres

pytestmark = [pytest.mark.timeout(240), pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def private_server() -> Iterator[PrivatePostgres]:
    reason = private_postgres.available()
    if reason is not None:
        pytest.skip(reason)
    with PrivatePostgres() as server:
        yield server


def _moment(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def test_a_postgres_restart_mid_round_fails_or_finishes_that_round_and_the_daemon_carries_on(
    private_server: PrivatePostgres, events_db: str, farm: AxonFarm, miners_file: Path, wallets: Path,
    tmp_path: Path,
) -> None:
    jobs_db = private_server.url("jobs")
    add_job(jobs_db, "pg-restart", first_pool())
    log = tmp_path / "validator.log"
    daemon = start_daemon(jobs_db, events_db, miners_file, wallets, log, "--replay-speed", "15", "--max-rounds", "4")
    try:
        wait_until(lambda: rows(jobs_db, "SELECT id FROM rounds WHERE status = 'active' "
                                         "AND last_checkpoint_block IS NOT NULL"), 90, "a checkpoint", daemon, log)
        in_flight = rows(jobs_db, "SELECT id FROM rounds WHERE status = 'active'")[0]["id"]
        private_server.restart(down_s=3.0)
        back = dt.datetime.now(dt.timezone.utc)
        assert daemon.poll() is None, log.read_text(errors="replace")[-4000:]
        assert daemon.wait(timeout=180) == 0, log.read_text(errors="replace")[-4000:]
    finally:
        kill(daemon)
    text = log.read_text(errors="replace")
    rounds = rows(jobs_db, "SELECT id, status, end_reason, started_at FROM rounds ORDER BY id")
    assert [r["status"] for r in rounds if r["id"] == in_flight] in (["completed"], ["failed"]), rounds
    after = [r for r in rounds if r["status"] == "completed" and _moment(r["started_at"]) > back]
    assert after, f"no round completed after the restart: {rounds}\n{text[-3000:]}"
    check_round_rows(jobs_db, farm.miners)
