"""The load run in reduced form (issue 9 item 4): 32 real axons in 2 processes, 3 of them
misbehaving in rotating ways, two jobs, two rounds each, the real daemon. The full form is
``python -m scripts.load_test`` (256 miners, 20 rounds). The 2 s query timeout keeps checkpoints
closer than the axons' 5 s keep-alive (see test_keepalive_race.py for what happens otherwise)."""

from pathlib import Path

import pytest

from scripts.load_test import CHECKPOINT_BLOCKS, BLOCK_TIME_S, ROUND_S, LoadOptions, run_load

pytestmark = [pytest.mark.timeout(300), pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_misbehaving_miners_fail_only_their_own_queries_and_no_round_fails(tmp_path: Path) -> None:
    report = run_load(tmp_path, LoadOptions(miners=32, misbehaving=0.1, rounds=2, processes=2, timeout_s=2.0))
    assert report["daemon_exit_code"] == 0
    assert (report["rounds_completed"], report["rounds_failed"]) == (4, 0), report["failure_reasons"]
    assert report["misbehaving"] == 3
    checkpoints = 2 * 2 * (ROUND_S // BLOCK_TIME_S // CHECKPOINT_BLOCKS)  # jobs x rounds x checkpoints
    assert report["outcomes"]["rebalanced"] == (32 - 3) * checkpoints  # every honest answer was applied
    assert set(report["failed_queries_by_cause"]["misbehaving"]) == {"timeout", "miner_error"}
    assert "allocation_above_inventory" in report["rejected_answers_by_reason"]
    assert report["outcomes"]["refused"] >= 1
    assert report["round_overhead_s"]["p99"] <= report["round_wall_s"]["p99"]
