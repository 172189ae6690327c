"""Disk full on the SQLite jobs DB (issue 9 item 3): the daemon logs a clear error, keeps running,
stops cleanly on SIGTERM, and leaves a database that passes ``PRAGMA integrity_check`` and keeps
every invariant of the round rows; a restart with room again carries on.

The disk is filled without root: the daemon runs under ``RLIMIT_FSIZE`` (no file it writes may
grow past the limit; Python ignores SIGXFSZ, so SQLite's write gets EFBIG). SQLite reports EFBIG
as "disk I/O error" and a real ENOSPC as "database or disk is full": either is the clear error
expected in the log, with the job it stopped. The daemon's output goes through a pipe, which the
limit does not cover.
"""

import resource
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from tests.faults._support import add_job, check_round_rows, first_pool, kill, rows, start_daemon, wait_until
from tests.support.axon_farm import AxonFarm

pytestmark = [pytest.mark.timeout(240), pytest.mark.filterwarnings("ignore::DeprecationWarning")]
ROOM_BYTES = 96 * 1024  # a few rounds of 7 miners, then the file (or its WAL) cannot grow
SQLITE_ERRORS = ("database or disk is full", "disk I/O error")


def _limit(size: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def _pump(process: subprocess.Popen[bytes], log: Path) -> threading.Thread:
    def copy() -> None:
        assert process.stdout is not None
        with log.open("ab") as out:
            for line in process.stdout:
                out.write(line)
                out.flush()

    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    return thread


def test_a_full_disk_gives_a_clear_error_and_leaves_an_intact_database(
    events_db: str, farm: AxonFarm, miners_file: Path, wallets: Path, tmp_path: Path,
) -> None:
    path = tmp_path / "jobs.sqlite3"
    jobs_db = f"sqlite://{path}"
    add_job(jobs_db, "full", first_pool())
    limit = path.stat().st_size + ROOM_BYTES
    log = tmp_path / "validator.log"
    daemon = start_daemon(jobs_db, events_db, miners_file, wallets, log, "--replay-speed", "40",
                          preexec=lambda: _limit(limit), output=subprocess.PIPE)
    pump = _pump(daemon, log)
    try:
        wait_until(lambda: any(error in log.read_text(errors="replace") for error in SQLITE_ERRORS), 150,
                   "the disk-full error", daemon, log)
        wait_until(lambda: log.read_text(errors="replace").count("evaluation round failed") >= 2, 30,
                   "a second failed attempt (the daemon keeps going)", daemon, log)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0, log.read_text(errors="replace")[-4000:]
    finally:
        kill(daemon)
        pump.join(timeout=10)
    assert path.stat().st_size <= limit
    failures = [line for line in log.read_text(errors="replace").splitlines() if "evaluation round failed" in line]
    assert all("job=full" in line and any(e in line for e in SQLITE_ERRORS) for line in failures), failures
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    completed_while_full = len(rows(jobs_db, "SELECT id FROM rounds WHERE status = 'completed'"))
    assert completed_while_full >= 1, "the limit left no room for a single round"
    again = start_daemon(jobs_db, events_db, miners_file, wallets, log, "--max-rounds", "1")
    try:
        assert again.wait(timeout=120) == 0, log.read_text(errors="replace")[-4000:]
    finally:
        kill(again)
    counts = check_round_rows(jobs_db, farm.miners)
    assert counts["completed"] == completed_while_full + 1, counts
