"""``python -m simulator backtest``: strategies file in, JSON metrics out, clear exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from simulator import backtest_cli

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uniswap-v3-mainnet-day1"
POOL = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"
MANAGER = "0xc36442b4a4522e871399cd717abdd847ab11fe88"
START, END = 12_375_800, 12_376_625

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"needs the shared event data at {DATA}")

INVENTORY = {"amount0": "10000000000", "amount1": "5000000000000000000"}  # 10,000 USDC, 5 WETH
STRATEGIES: dict[str, Any] = {
    "own_positions": [{"owner": MANAGER, "tick_lower": 192660, "tick_upper": 199800}],
    "strategies": [
        {"id": "hold", "inventory": INVENTORY, "schedule": []},
        {
            "id": "narrow",
            "inventory": INVENTORY,
            "schedule": [
                {"block": START, "positions": [
                    {"tick_lower": 194400, "tick_upper": 195600, "allocation0": "5000000000",
                     "allocation1": "2500000000000000000"}]},
                {"block": 12_376_300, "positions": None},
            ],
        },
        {
            "id": "greedy",
            "inventory": INVENTORY,
            "schedule": [{"block": START, "positions": [
                {"tick_lower": 194400, "tick_upper": 195600, "allocation0": str(10**30), "allocation1": "0"}]}],
        },
    ],
}  # fmt: skip


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="simulator")
    backtest_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    code = backtest_cli.run(parser.parse_args(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _argv(strategies: Path, *, to_block: int = END) -> list[str]:
    return [
        "backtest", "--events", str(DATA), "--pool", POOL, "--from-block", str(START),
        "--to-block", str(to_block), "--strategies", str(strategies),
    ]  # fmt: skip


def test_backtest_prints_metrics_for_every_strategy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "strategies.json"
    path.write_text(json.dumps(STRATEGIES))
    code, out, err = _run(capsys, _argv(path))
    assert code == 0, err
    report = json.loads(out)
    by_id = {s["id"]: s for s in report["strategies"]}
    assert list(by_id) == ["hold", "narrow", "greedy"]
    for key in ("fees0", "fees1", "final_amount0", "final_amount1", "initial_value", "final_value",
                "hodl_value", "impermanent_loss", "pnl_vs_hodl", "time_in_range", "rebalance_count"):  # fmt: skip
        assert key in by_id["narrow"]
    assert by_id["hold"]["pnl_vs_hodl"] == "0" and by_id["hold"]["time_in_range"] == 0.0
    narrow = by_id["narrow"]
    assert narrow["rebalance_count"] == 1 and int(narrow["fees0"]) + int(narrow["fees1"]) > 0
    assert [d["kept"] for d in narrow["decisions"]] == [False, True]
    assert 0 < narrow["time_in_range"] <= 1
    (refused,) = by_id["greedy"]["decisions"]
    assert refused["applied"] is False and refused["reason"] == "allocation0_above_available"
    assert by_id["greedy"]["final_amount0"] == INVENTORY["amount0"]


def test_a_plain_list_of_strategies_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "strategies.json"
    path.write_text(json.dumps(STRATEGIES["strategies"][:1]))
    code, out, _ = _run(capsys, _argv(path))
    assert code == 0 and json.loads(out)["strategies"][0]["id"] == "hold"


@pytest.mark.parametrize(
    "document",
    [
        {"strategies": [{"id": "x"}]},
        [{"id": "x", "inventory": {"amount0": "1.5", "amount1": "0"}}],
        [{"id": "x", "inventory": INVENTORY, "schedule": [{"block": END + 1, "positions": None}]}],
        [{"id": "x", "inventory": INVENTORY}, {"id": "x", "inventory": INVENTORY}],
    ],
)
def test_malformed_strategies_exit_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: object
) -> None:
    path = tmp_path / "strategies.json"
    path.write_text(json.dumps(document))
    code, out, err = _run(capsys, _argv(path))
    assert code == 2 and out == "" and err.startswith("backtest: ")


def test_a_missing_strategies_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, _argv(tmp_path / "absent.json"))
    assert code == 2 and "absent.json" in err


def test_python_m_simulator_backtest_is_wired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    path = tmp_path / "strategies.json"
    path.write_text(json.dumps(STRATEGIES))
    assert main(_argv(path)) == 0
    assert len(json.loads(capsys.readouterr().out)["strategies"]) == 3
