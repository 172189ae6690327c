"""The validator daemon end to end: local network, replayed day-1 data, 8 real axons on 127.0.0.1.

The daemon runs as a real process (`python -m validator`); the miners are real bittensor axons
with scripted behaviours. Each test checks the DB rows the rounds leave behind.
"""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_in_own_loop
from tests.support import scripted_miners
from tests.support.axon_network import axon_network
from tests.support.daemon_rows import rows, wait_until
from db.connection import create_pool_events_schema, open_databases
from db.importer import import_histories
from db.urls import DatabaseUrl, parse_database_url
from simulator.csv_events import read_event_tables

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
]

ROOT = Path(__file__).resolve().parents[2]
POOL = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"  # USDC/WETH 0.3%, day 1
VAULT = "0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36"
FIRST_BLOCK = 12_369_739 + 1000


@pytest.fixture(scope="module")
def pool_events_db(tmp_path_factory: pytest.TempPathFactory) -> DatabaseUrl:
    shared = ROOT.parent / "shared" / "data" / "uniswap-v3-mainnet-day1"
    if not shared.is_dir():
        pytest.skip("../shared/data is absent")
    url = parse_database_url(f"sqlite://{tmp_path_factory.mktemp('events') / 'events.sqlite3'}")
    history = read_event_tables(shared, POOL)[POOL]

    async def load() -> None:
        async with open_databases(None, url):
            await create_pool_events_schema(url)
            await import_histories([history])

    run_in_own_loop(load())
    return url


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[dict[str, object]]]]:
    with axon_network(tmp_path_factory.mktemp("wallets"), scripted_miners.BEHAVIOURS) as net:
        yield net.wallets, [{**m.as_entry(), "behaviour": m.behaviour} for m in net.miners]


def _validator(jobs_db: DatabaseUrl, events_db: DatabaseUrl, wallets: Path, miners_file: Path, log: Path,
               *extra: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "validator", "--network", "local", "--chain", "replay",
            "--jobs-db-url", jobs_db.raw, "--pool-events-db-url", events_db.raw,
            "--wallet.path", str(wallets), "--wallet.name", "validator", "--wallet.hotkey", "default",
            "--miners-file", str(miners_file), "--query-timeout-seconds", "2", "--job-refresh-seconds", "0.5",
            "--replay-from-block", str(FIRST_BLOCK), "--replay-vault-amount0", str(10**10),
            "--replay-vault-amount1", str(5 * 10**18), "--shutdown-grace-seconds", "5", *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _add_job(jobs_db: DatabaseUrl, job_id: str, pool: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "validator", "--jobs-db-url", jobs_db.raw, "jobs", "add", job_id,
         "--sn-liquidity-manager-address", VAULT, "--pair-address", pool, "--round-duration-seconds", "600",
         "--checkpoint-blocks", "100"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def _query(jobs_db: DatabaseUrl, sql: str) -> list[dict[str, object]]:
    return rows(jobs_db.raw, sql)


def _miners_file(tmp_path: Path, miners: list[dict[str, object]]) -> Path:
    path = tmp_path / "miners.json"
    path.write_text(json.dumps([{k: m[k] for k in ("uid", "hotkey", "ip", "port")} for m in miners]))
    return path


def test_rounds_complete_with_the_right_outcome_for_every_miner(
    db_url: DatabaseUrl, pool_events_db: DatabaseUrl, network: tuple[Path, list[dict[str, object]]],
    tmp_path: Path,
) -> None:
    wallets, miners = network
    _add_job(db_url, "usdc-weth", POOL)
    log = tmp_path / "validator.log"
    process = _validator(db_url, pool_events_db, wallets, _miners_file(tmp_path, miners), log, "--max-rounds", "2")
    try:
        assert process.wait(timeout=240) == 0, log.read_text()[-5000:]
    finally:
        process.kill()
    rounds = _query(db_url, "SELECT id, status, winner_hotkey, start_block, end_block FROM rounds ORDER BY id")
    assert [r["status"] for r in rounds] == ["completed", "completed"], log.read_text()[-3000:]
    assert rounds[1]["start_block"] == rounds[0]["end_block"]
    by_uid = {m["uid"]: m["behaviour"] for m in miners}
    predictions = _query(db_url, "SELECT round_id, miner_uid, accepted, last_outcome, valid_answers, "
                                 "rejected_answers, failed_queries, checkpoints FROM predictions")
    assert len(predictions) == 2 * len(miners)
    outcome = {(p["round_id"], by_uid[p["miner_uid"]]): p for p in predictions}
    first = rounds[0]["id"]
    assert outcome[(first, "sensible")]["last_outcome"] == "rebalanced"
    assert outcome[(first, "hold")]["last_outcome"] == "kept"
    assert outcome[(first, "refuse")]["accepted"] in (False, 0)
    assert outcome[(first, "slow")]["last_outcome"] == "timeout"
    assert outcome[(first, "raising")]["last_outcome"] == "transport_error"
    codes = {name: json.loads(str(outcome[(first, name)]["checkpoints"]))[0]["reason_code"]
             for name in ("malformed", "greedy", "thousand_positions")}
    assert codes == {"malformed": "tick_not_integer", "greedy": "allocation_above_inventory",
                     "thousand_positions": "too_many_positions"}
    assert rounds[0]["winner_hotkey"] in {m["hotkey"] for m in miners if m["behaviour"] in ("sensible", "hold")}
    results = _query(db_url, "SELECT round_id, miner_uid, rank_score, rank FROM round_results")
    rank = {(r["round_id"], by_uid[r["miner_uid"]]): float(str(r["rank_score"])) for r in results}
    for r in results:  # place 1 is the best rank score; equal scores share the better place
        better = [s for s in results if s["round_id"] == r["round_id"] and float(str(s["rank_score"]))
                  > float(str(r["rank_score"]))]
        assert int(str(r["rank"])) == 1 + len(better)
    scores = {by_uid[s["miner_uid"]]: s for s in _query(db_url, "SELECT * FROM miner_scores")}
    second = rounds[1]["id"]
    for name in ("sensible", "hold", "slow", "greedy"):
        expected = 0.9 * (0.1 * rank[(first, name)]) + 0.1 * rank[(second, name)]
        assert float(str(scores[name]["evaluation_score"])) == pytest.approx(expected)
    assert rank[(first, "slow")] == 0.0
    assert int(str(scores["refuse"]["refusals"])) == 2
    assert float(str(scores["refuse"]["evaluation_score"])) == 0.0


def test_killed_mid_round_then_restarted_leaves_consistent_rows(
    sqlite_url: DatabaseUrl, pool_events_db: DatabaseUrl, network: tuple[Path, list[dict[str, object]]],
    tmp_path: Path,
) -> None:
    wallets, miners = network
    _add_job(sqlite_url, "usdc-weth", POOL)
    miners_file = _miners_file(tmp_path, miners)
    first = _validator(sqlite_url, pool_events_db, wallets, miners_file, tmp_path / "first.log",
                       "--replay-speed", "40")
    try:
        wait_until(lambda: _query(sqlite_url, "SELECT id FROM rounds WHERE status = 'active' "
                                              "AND last_checkpoint_block IS NOT NULL"), 120, "a checkpoint",
                   first, tmp_path / "first.log")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert [r["status"] for r in _query(sqlite_url, "SELECT status FROM rounds")] == ["active"]
    second = _validator(sqlite_url, pool_events_db, wallets, miners_file, tmp_path / "second.log",
                        "--max-rounds", "1")
    try:
        assert second.wait(timeout=180) == 0, (tmp_path / "second.log").read_text()[-4000:]
    finally:
        second.kill()
    rounds = _query(sqlite_url, "SELECT id, round_number, status, end_reason FROM rounds ORDER BY id")
    assert [(r["round_number"], r["status"]) for r in rounds] == [(1, "failed"), (2, "completed")]
    assert "interrupted" in str(rounds[0]["end_reason"])
    counts = _query(sqlite_url, "SELECT round_id, COUNT(*) AS n FROM predictions GROUP BY round_id")
    assert counts == [{"round_id": rounds[1]["id"], "n": len(miners)}]
    scores = _query(sqlite_url, "SELECT evaluation_rounds FROM miner_scores")
    assert {int(str(s["evaluation_rounds"])) for s in scores} <= {0, 1}


def test_a_broken_job_does_not_stop_the_other_and_sigterm_exits_cleanly(
    sqlite_url: DatabaseUrl, pool_events_db: DatabaseUrl, network: tuple[Path, list[dict[str, object]]],
    tmp_path: Path,
) -> None:
    wallets, miners = network
    _add_job(sqlite_url, "usdc-weth", POOL)
    _add_job(sqlite_url, "broken", "0x0000000000000000000000000000000000000bad")
    log = tmp_path / "validator.log"
    process = _validator(sqlite_url, pool_events_db, wallets, _miners_file(tmp_path, miners), log,
                         "--max-rounds", "1")
    try:
        wait_until(lambda: _query(sqlite_url, "SELECT id FROM rounds WHERE status = 'completed'"), 180,
                   "the good job's round", process, log)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()[-4000:]
    finally:
        process.kill()
    text = log.read_text()
    assert "job task failed" in text and "broken" in text
    rounds = _query(sqlite_url, "SELECT r.status, j.job_id FROM rounds r JOIN jobs j ON j.id = r.job_id")
    assert rounds == [{"status": "completed", "job_id": "usdc-weth"}]
