"""`make demo` end to end (fewer rounds): a local network of real processes on loopback exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)
def test_demo_prints_rounds_leaderboards_and_weights_and_exits_0() -> None:
    result = subprocess.run([sys.executable, "-m", "scripts.localnet", "--rounds", "1"], cwd=ROOT,
                            capture_output=True, text=True, timeout=200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert out.count("== dev-") >= 2  # one round table per job
    assert "== leaderboard dev-500" in out and "== leaderboard dev-3000" in out
    assert "refused:" in out and "allocation_above_inventory" in out
    assert "== weights the validator would set" in out and "uid   2" in out
