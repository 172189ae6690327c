"""``python -m simulator replay``: exit codes, summary and mismatch report."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]
DAY1 = ROOT.parent / "shared" / "data" / "uniswap-v3-mainnet-day1"
USDC_WETH = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"
needs_data = pytest.mark.skipif(not DAY1.is_dir(), reason=f"shared event data not found at {DAY1}")


@needs_data
def test_module_entry_point_replays_usdc_weth_and_exits_0() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "replay", "--events", str(DAY1), "--pool", USDC_WETH],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "swaps replayed: 107" in done.stdout
    assert "every event reproduced" in done.stdout


@needs_data
def test_block_window_limits_the_replay(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", "--events", str(DAY1), "--pool", USDC_WETH, "--from-block", "12376000", "--to-block", "12376300"])
    out = capsys.readouterr().out
    assert code == 0
    assert "swaps replayed: 56" in out and "step log: 37 swaps" in out


@needs_data
def test_a_tampered_swap_exits_1_with_the_event_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "events"
    shutil.copytree(DAY1, folder)
    swaps = folder / "pool_swap_events.csv"
    lines = swaps.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if USDC_WETH in line)
    fields = lines[index].split(",")
    tx_hash = fields[4].strip('"')
    fields[8] = '"' + str(int(fields[8].strip('"')) + 7) + '"'  # amount0
    lines[index] = ",".join(fields)
    swaps.write_text("".join(lines))
    code = main(["replay", "--events", str(folder), "--pool", USDC_WETH])
    out = capsys.readouterr().out
    assert code == 1
    assert "MISMATCH" in out and tx_hash in out and "field:" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["replay", "--pool", USDC_WETH],
        ["replay", "--events", "x"],
        ["replay", "--events", "x", "--pool", USDC_WETH, "--from-block", "ten"],
        ["nonsense"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_unreadable_source_exits_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--events", str(tmp_path / "absent"), "--pool", USDC_WETH]) == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and "Traceback" not in err


@needs_data
def test_unknown_pool_and_reversed_window_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--events", str(DAY1), "--pool", "0x" + "0" * 40]) == 2
    assert main(["replay", "--events", str(DAY1), "--pool", USDC_WETH, "--from-block", "9", "--to-block", "5"]) == 2
    assert "before --from-block" in capsys.readouterr().err


def test_database_urls_are_refused_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--events", "postgres://localhost/events", "--pool", USDC_WETH]) == 2
    assert "CSV folder" in capsys.readouterr().err


def test_a_history_without_its_initialize_event_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / f"ethereum-{USDC_WETH}-2024-01-05.pool.tick.csv"
    log.write_text("block_number,log_index,transaction_hash,block_timestamp,tx_type\n")
    assert main(["replay", "--events", str(tmp_path), "--pool", USDC_WETH]) == 2
    err = capsys.readouterr().err
    assert "no Initialize event" in err and "Traceback" not in err
