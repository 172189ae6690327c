"""``python -m validator indexer`` end to end: backfill to the head, JSON summary, resume on a re-run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.devchain.chain import Devchain
from tests.chain.support import generate

pytestmark = pytest.mark.chain
ROOT = Path(__file__).resolve().parents[2]


def _run(chain: Devchain, pool: str, db: Path, *extra: str) -> dict[str, object]:
    argv = [sys.executable, "-m", "validator", "indexer", "--pool", pool, "--once", "--confirmations", "2",
            "--rpc-url", chain.rpc_url, "--pool-events-db-url", f"sqlite://{db}", *extra]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "backfill [" in result.stderr  # the progress line with its ETA
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def test_cli_backfills_behind_the_confirmations_and_a_rerun_resumes_from_its_cursor(
    devchain_clean: Devchain, tmp_path: Path
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(3000)
    report = generate(chain, 100, seed=81, fees=(3000,))
    db = tmp_path / "events.sqlite3"
    first = _run(chain, pool.address, db)
    head = chain.w3.eth.block_number
    assert first["next_block"] == head - 2 + 1  # two confirmations: the last two blocks wait
    more = generate(chain, 40, seed=82, fees=(3000,))
    chain.rpc.mine(2)  # every traffic block now has two confirmations
    second = _run(chain, pool.address, db)
    assert second["first_block"] == first["next_block"]
    assert second["next_block"] == chain.w3.eth.block_number - 1
    swaps = [int(run["by_kind"]["SwapEvent"]) for run in (first, second)]  # type: ignore[index]
    assert sum(swaps) == report.swaps + more.swaps and swaps[0] < report.swaps


def test_cli_without_an_rpc_url_says_so_and_exits_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "validator", "indexer", "--pool-address", "0x" + "11" * 20, "--once",
         "--pool-events-db-url", f"sqlite://{tmp_path / 'x.sqlite3'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "SN98_RPC_URLS": ""})
    assert result.returncode == 1
    assert "no RPC URL" in result.stderr


def test_cli_refuses_a_malformed_pool_address_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "validator", "indexer", "--pool", "0x11", "--once",
         "--pool-events-db-url", f"sqlite://{tmp_path / 'x.sqlite3'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "not an address" in result.stderr
