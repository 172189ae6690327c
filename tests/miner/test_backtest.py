"""``python -m miner backtest`` on real Uniswap V3 events: validator-equivalent rounds, exact metrics."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from db.connection import create_pool_events_schema, open_databases
from db.importer import import_histories
from db.urls import parse_database_url
from miner.backtest import BacktestWindow, checkpoints, run_backtest
from miner.cli import main
from miner.refusal import RefusalPolicy
from miner.service import MinerService
from miner.strategies.hold import Hold
from miner.strategies.volatility import VolatilityRange
from simulator.backtest import BacktestSpec, Decision, PoolSource, StrategySpec
from simulator.backtest import run_backtest as run_schedule
from simulator.csv_events import read_event_tables, read_pool_history

pytestmark = pytest.mark.timeout(300)
USDC_WETH = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"
WINDOW = ["--pool", USDC_WETH, "--from-block", "12373000", "--to-block", "12376625"]


def _run(capsys: pytest.CaptureFixture[str], events: str, *extra: str) -> tuple[int, str]:
    code = main(["backtest", "--events", events, *WINDOW, *extra])
    return code, capsys.readouterr().out


def _by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["strategy"]: s for s in document["strategies"]}


def test_backtest_prints_metrics_and_scores_of_every_valid_strategy(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, str(shared_data / "uniswap-v3-mainnet-day1"), "--json")
    assert code == 0
    results = _by_name(json.loads(out))
    assert set(results) == {"volatility", "hold", "full-range"}
    hold, active = results["hold"], results["volatility"]
    assert hold["score"] == 0.0 and hold["pnl_vs_hodl"] == "0" and hold["rebalance_count"] == 0
    assert active["rebalance_count"] >= 1 and int(active["fees_value"]) > 0 and active["swaps_total"] == 106
    assert active["answers"]["rejected"] == 0 and active["answers"]["refused_at"] is None
    assert active["score"] == pytest.approx(int(active["pnl_vs_hodl"]) / int(active["initial_value"]))


def test_the_table_ranks_strategies_by_score(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, str(shared_data / "uniswap-v3-mainnet-day1"), "--strategy", "hold",
                     "--strategy", "full-range", "--target", "pol")
    lines = out.splitlines()
    assert code == 0 and "target pol" in lines[0] and lines[1].startswith("strategy")
    assert [line.split()[0] for line in lines[2:4]] == ["hold", "full-range"]


def test_the_miners_rebalances_replayed_as_a_fixed_schedule_give_identical_metrics(shared_data: Path) -> None:
    """Differential check against the simulator's own schedule backtest: same round, same numbers."""
    history = read_pool_history(shared_data / "uniswap-v3-mainnet-day1", USDC_WETH)
    window = BacktestWindow(pool=USDC_WETH, from_block=12373000, to_block=12376625, amount0=10**9, amount1=4 * 10**17)
    (ours,) = asyncio.run(run_backtest(history, {"volatility": MinerService(VolatilityRange())}, window))
    applied = {block: tuple((p.tick_lower, p.tick_upper, p.allocation0, p.allocation1) for p in positions)
               for block, positions in ours.applied}
    # A keep at every other checkpoint, so both runs advance (and floor fees) at the same blocks.
    schedule = tuple(Decision(block, applied.get(block)) for block in checkpoints(window))
    spec = BacktestSpec((StrategySpec("volatility", 10**9, 4 * 10**17, schedule),))
    (theirs,) = run_schedule(PoolSource.of(history), spec, from_block=12373000, to_block=12376625, max_positions=10)
    assert len(applied) >= 2
    assert theirs.metrics == ours.metrics


def test_a_refusing_miner_is_dropped_and_unscored(shared_data: Path) -> None:
    history = read_pool_history(shared_data / "uniswap-v3-mainnet-day1", USDC_WETH)
    window = BacktestWindow(pool=USDC_WETH, from_block=12373000, to_block=12374000)
    services = {"refuser": MinerService(Hold(), RefusalPolicy.of(jobs=["another-job"])), "hold": MinerService(Hold())}
    refuser, hold = asyncio.run(run_backtest(history, services, window))
    assert refuser.score is None and refuser.counts.refused_at == 12373000
    assert refuser.counts.refusal_reason == "job backtest is not served by this miner"
    assert hold.score == 0.0 and hold.counts.kept == len(range(12373000, 12374000, 150))


def test_a_pool_events_database_gives_the_same_report_as_the_csv_folder(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = parse_database_url(f"sqlite://{tmp_path / 'events.sqlite3'}")
    folder = shared_data / "uniswap-v3-mainnet-day1"

    async def load() -> None:
        async with open_databases(None, url):
            await create_pool_events_schema(url)
            await import_histories(read_event_tables(folder, USDC_WETH).values())

    asyncio.run(load())
    from_db = _run(capsys, f"sqlite://{tmp_path / 'events.sqlite3'}", "--json")
    from_csv = _run(capsys, str(folder), "--json")
    assert from_db[0] == from_csv[0] == 0
    assert json.loads(from_db[1]) == json.loads(from_csv[1])


@pytest.mark.parametrize(("args", "message"), [
    (["--pool", "0x" + "9" * 40, "--from-block", "12373000", "--to-block", "12376625"], "has no events"),
    (["--pool", USDC_WETH, "--from-block", "12373000", "--to-block", "12373000"], "must be after"),
    (["--pool", USDC_WETH, "--from-block", "12369000", "--to-block", "12373000"], "after from-block"),
])
def test_unusable_input_is_one_message_and_exit_2(
    shared_data: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["backtest", "--events", str(shared_data / "uniswap-v3-mainnet-day1"), *args])
    assert code == 2 and message in capsys.readouterr().err
