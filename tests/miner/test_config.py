"""Miner settings: CLI > environment > .env > defaults, every setting documented, loopback in local mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.settings_cli import ConfigError, env_name_of, settings_from_namespace
from miner.cli import build_parser
from miner.config import MinerSettings

ROOT = Path(__file__).resolve().parents[2]


def _settings(argv: list[str], env_file: Path | None = None) -> MinerSettings:
    return settings_from_namespace(MinerSettings, build_parser().parse_args(argv), env_file)


def test_cli_beats_environment_beats_dotenv_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SN98_MINER_NETUID=11\nSN98_MINER_STRATEGY=hold\nSN98_MINER_AXON_PORT=9000\n"
                        "SN98_NETUID=5\n")
    monkeypatch.setenv("SN98_MINER_STRATEGY", "full-range")
    monkeypatch.setenv("SN98_MINER_AXON_PORT", "9001")
    settings = _settings(["--axon.port", "9002"], env_file)
    assert (settings.netuid, settings.strategy, settings.axon_port) == (11, "full-range", 9002)
    assert settings.answer_budget_seconds == 8.0


def test_lists_come_from_repeated_flags_or_comma_separated_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SN98_MINER_ALLOWED_HOTKEYS", "5Fa, 5Gb")
    monkeypatch.setenv("SN98_MINER_SERVED_CHAIN_IDS", "8453,1")
    settings = _settings(["--served-pool", "0x8AD599C3A0FF1DE082011EFDDC58F1908EB6E6D8", "--served-job", "j1"])
    assert settings.allowed_hotkeys == ["5Fa", "5Gb"] and settings.served_chain_ids == [8453, 1]
    assert settings.served_pools == ["0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"] and settings.served_jobs == ["j1"]


def test_the_axon_binds_loopback_in_local_mode_and_everywhere_otherwise() -> None:
    assert _settings(["--network", "local"]).bind_ip == "127.0.0.1"
    assert _settings(["--network", "test"]).bind_ip == "0.0.0.0"
    assert _settings(["--network", "test", "--axon.ip", "10.0.0.5"]).bind_ip == "10.0.0.5"
    assert _settings(["--network", "test"]).subtensor_target == "test"
    endpoint = ["--network", "test", "--subtensor.chain_endpoint", "ws://127.0.0.1:9944"]
    assert _settings(endpoint).subtensor_target == "ws://127.0.0.1:9944"


@pytest.mark.parametrize(("argv", "flag"), [
    (["--network", "mainnet"], "--network"),
    (["--axon.port", "0"], "--axon.port"),
    (["--served-pool", "0x123"], "--served-pool"),
    (["--answer-budget-seconds", "0"], "--answer-budget-seconds"),
    (["--vol-min-half-width-ticks", "900", "--vol-max-half-width-ticks", "100"], "invalid configuration"),
])
def test_invalid_settings_name_the_flag(argv: list[str], flag: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(flag)):
        _settings(argv)


def test_env_example_documents_every_setting() -> None:
    text = (ROOT / "miner" / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*(SN98_MINER_[A-Z0-9_]+)=", text, flags=re.M))
    expected = {env_name_of(MinerSettings, name) for name in MinerSettings.model_fields}
    assert expected == documented, f"missing: {sorted(expected - documented)}, stale: {sorted(documented - expected)}"


def test_backtest_strategy_flag_is_repeatable_and_leaves_the_settings_flag_alone() -> None:
    args = build_parser().parse_args(["backtest", "--events", "x", "--pool", "0x1", "--from-block", "1",
                                      "--to-block", "2", "--strategy", "hold", "--strategy", "volatility"])
    assert args.strategy_names == ["hold", "volatility"]
    assert build_parser().parse_args(["run", "--strategy", "hold"]).strategy == "hold"
