"""The miner's backtest computes exactly what the real validator computes for the same round.

The real validator daemon (`python -m validator --network local --chain replay`) runs one evaluation
round over day-1 USDC/WETH events against two real miner processes (volatility, hold); the miner's
`run_backtest` over the same blocks must give the same metrics and raw scores, to the wei.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.connection import create_pool_events_schema, open_databases
from db.importer import import_histories
from db.urls import parse_database_url
from miner.backtest import BacktestWindow, run_backtest
from miner.local_entry import entry, upsert
from miner.service import MinerService
from miner.strategies.hold import Hold
from miner.strategies.volatility import VolatilityRange
from simulator.csv_events import read_event_tables, read_pool_history
from tests.support.bt_local import free_port, make_wallet, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
POOL = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"
FROM_BLOCK, TO_BLOCK = 12373000, 12374800  # one 3600 s round of 2 s blocks
AMOUNT0, AMOUNT1 = 124_781_324, 36_678_982_300_462_640
STRATEGIES = ("volatility", "hold")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SN98_")} | {"PYTHONUNBUFFERED": "1"}


def _python(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture
def miners(tmp_path: Path) -> Iterator[Path]:
    """Two miner processes on loopback serving the validator wallet; yields the miner list file."""
    validator = make_wallet(tmp_path / "wallets", "validator")
    processes = []
    try:
        for uid, strategy in enumerate(STRATEGIES, start=1):
            wallet, port = make_wallet(tmp_path / "wallets", f"m{uid}"), free_port()
            upsert(tmp_path / "miners.json", entry(uid, wallet.hotkey.ss58_address, "127.0.0.1", port))
            argv = [sys.executable, "-m", "miner", "--network", "local", "--wallet.path", str(tmp_path / "wallets"),
                    "--wallet.name", f"m{uid}", "--axon.port", str(port), "--strategy", strategy,
                    "--allowed-hotkey", validator.hotkey.ss58_address]
            processes.append(subprocess.Popen(argv, cwd=ROOT, env=_env(), stderr=subprocess.DEVNULL))
            wait_for_port(port, timeout_s=60)
        yield tmp_path / "miners.json"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _validator_round(tmp_path: Path, miners_file: Path, events_db: str) -> dict[int, tuple[float, int, int, int]]:
    jobs_db = f"sqlite://{tmp_path / 'jobs.sqlite3'}"
    added = _python("-m", "validator", "jobs", "add", "job1", "--jobs-db-url", jobs_db,
                    "--sn-liquidity-manager-address", "0x" + "1" * 40, "--pair-address", POOL,
                    "--round-duration-seconds", "3600", "--checkpoint-blocks", "150")
    assert added.returncode == 0, added.stderr
    ran = _python("-m", "validator", "--network", "local", "--miners-file", str(miners_file),
                  "--wallet.path", str(tmp_path / "wallets"), "--wallet.name", "validator", "--chain", "replay",
                  "--jobs-db-url", jobs_db, "--pool-events-db-url", events_db, "--replay-from-block", str(FROM_BLOCK),
                  "--replay-to-block", "12376625", "--replay-vault-amount0", str(AMOUNT0),
                  "--replay-vault-amount1", str(AMOUNT1), "--max-rounds", "1", "--job-refresh-seconds", "1",
                  "--query-timeout-seconds", "20", timeout=240)
    assert ran.returncode == 0, ran.stderr[-3000:]
    with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:
        rows = db.execute("SELECT miner_uid, raw_score, final_value, fees0, fees1 FROM round_results").fetchall()
    return {int(uid): (float(raw), int(final), int(f0), int(f1)) for uid, raw, final, f0, f1 in rows}


def test_backtest_scores_equal_the_validators_round(shared_data: Path, tmp_path: Path, miners: Path) -> None:
    folder = shared_data / "uniswap-v3-mainnet-day1"
    events_url = parse_database_url(f"sqlite://{tmp_path / 'events.sqlite3'}")

    async def load() -> None:
        async with open_databases(None, events_url):
            await create_pool_events_schema(events_url)
            await import_histories(read_event_tables(folder, POOL).values())

    asyncio.run(load())
    validator = _validator_round(tmp_path, miners, f"sqlite://{tmp_path / 'events.sqlite3'}")
    window = BacktestWindow(pool=POOL, from_block=FROM_BLOCK, to_block=TO_BLOCK, amount0=AMOUNT0, amount1=AMOUNT1)
    services = {"volatility": MinerService(VolatilityRange()), "hold": MinerService(Hold())}
    ours = asyncio.run(run_backtest(read_pool_history(folder, POOL), services, window))
    for uid, result in enumerate(ours, start=1):
        m = result.metrics
        assert result.score is not None
        assert validator[uid] == (result.score, m.final_value, m.fees0, m.fees1)
    assert ours[0].metrics.rebalance_count >= 1 and ours[0].metrics.fees1 > 0
