"""The daemon in live mode (``--chain live --network local``) reading the devchain through a proxy
that answers 429s, slow responses past the RPC timeout and malformed JSON (issue 9 item 3), with
traffic mined meanwhile: rounds wait and resume, never crash. First a mix of faults among good
answers (retries absorb them: the rounds complete), then an outage longer than the retry budget
(the round in flight fails with its reason, or waits it out), then good answers again (rounds
complete again); the daemon process never stops and exits cleanly at its round limit."""

import time
from pathlib import Path

import pytest

from scripts.devchain.chain import Devchain
from tests.faults._support import check_round_rows, kill, rows, wait_until
from tests.live._support import traffic
from tests.support.axon_farm import AxonFarm
from tests.support.threaded_proxy import set_schedule, threaded_fault_proxy

pytestmark = [pytest.mark.chain, pytest.mark.timeout(300), pytest.mark.filterwarnings("ignore::DeprecationWarning")]
MIXED = ["ok", "429", "ok", "timeout", "ok", "malformed", "ok"]
OUTAGE_S = 10.0


def _daemon(jobs_db: str, rpc_url: str, devchain: Devchain, miners_file: Path, wallets: Path, log: Path):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    from tests.faults._support import ROOT

    args = [sys.executable, "-m", "validator", "--network", "local", "--chain", "live", "--rpc-url", rpc_url,
            "--jobs-db-url", jobs_db, "--wallet.path", str(wallets), "--wallet.name", "validator",
            "--miners-file", str(miners_file), "--uniswap-position-manager", devchain.deployment.position_manager,
            "--chain-confirmations", "0", "--chain-poll-interval-seconds", "0.2", "--rpc-timeout-seconds", "1",
            "--block-time-seconds", "3", "--max-rounds", "3", "--query-timeout-seconds", "5",
            "--job-refresh-seconds", "0.5", "--shutdown-grace-seconds", "5"]
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=out,
                                stderr=subprocess.STDOUT)


def _add_job(jobs_db: str, devchain: Devchain) -> None:
    from scripts.bench_round import validator_cli

    d = devchain.deployment
    validator_cli("--jobs-db-url", jobs_db, "jobs", "add", "live-faults", "--sn-liquidity-manager-address",
                  d.vault.eoa, "--vault-kind", "eoa", "--pair-address", d.pool(500).address,
                  "--round-duration-seconds", "60", "--checkpoint-blocks", "5", "--live-checkpoint-blocks", "5")


def _completed(jobs_db: str) -> int:
    return len(rows(jobs_db, "SELECT id FROM rounds WHERE status = 'completed' AND round_type = 'evaluation'"))


def test_rpc_faults_and_an_outage_during_live_mode_rounds_never_crash_the_daemon(
    devchain_private: Devchain, farm: AxonFarm, miners_file: Path, wallets: Path, tmp_path: Path,
) -> None:
    jobs_db = f"sqlite://{tmp_path / 'jobs.sqlite3'}"
    _add_job(jobs_db, devchain_private)
    log = tmp_path / "validator.log"
    with traffic(devchain_private, block_interval_s=0.15), \
            threaded_fault_proxy(devchain_private.rpc_url, MIXED, delay_s=1.5) as proxy:
        daemon = _daemon(jobs_db, proxy.url, devchain_private, miners_file, wallets, log)
        try:
            wait_until(lambda: _completed(jobs_db) >= 1, 150, "a round through the faults", daemon, log)
            set_schedule(proxy, ["429", "timeout", "malformed"])
            time.sleep(OUTAGE_S)
            assert daemon.poll() is None, log.read_text(errors="replace")[-4000:]
            set_schedule(proxy, MIXED)
            resumed = _completed(jobs_db)
            assert daemon.wait(timeout=200) == 0, log.read_text(errors="replace")[-4000:]
        finally:
            kill(daemon)
        seen = dict(proxy.seen)
    assert all(seen.get(fault, 0) > 0 for fault in ("429", "timeout", "malformed")), seen
    assert _completed(jobs_db) > resumed, log.read_text(errors="replace")[-4000:]
    check_round_rows(jobs_db, farm.miners)
    failed = rows(jobs_db, "SELECT end_reason FROM rounds WHERE status = 'failed'")
    assert all("Rpc" in str(r["end_reason"]) or "rpc" in str(r["end_reason"]) for r in failed), failed
