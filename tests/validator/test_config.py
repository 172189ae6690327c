"""Settings: CLI > environment > .env > defaults; bad configuration is one line and exit code 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from common.settings_cli import ConfigError, env_name_of, flag_of
from validator.cli import build_parser
from scripts.gen_env_example import render
from validator.config import ValidatorSettings
from common.settings_cli import settings_from_namespace

ROOT = Path(__file__).resolve().parents[2]


def _settings(argv: list[str], env_file: Path | None) -> ValidatorSettings:
    return settings_from_namespace(ValidatorSettings, build_parser().parse_args(argv), env_file)


def test_cli_beats_environment_beats_dotenv_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SN98_NETUID=11\nSN98_WALLET_NAME=from_dotenv\nSN98_WALLET_HOTKEY=hk_dotenv\n")
    monkeypatch.setenv("SN98_WALLET_NAME", "from_env")
    monkeypatch.setenv("SN98_WALLET_HOTKEY", "hk_env")
    settings = _settings(["--wallet.hotkey", "hk_cli"], env_file)
    assert settings.netuid == 11
    assert settings.wallet_name == "from_env"
    assert settings.wallet_hotkey == "hk_cli"
    assert settings.axon_port == 8091


def test_rpc_urls_come_from_repeated_flags_or_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SN98_RPC_URLS", "https://a.example/rpc, https://b.example/rpc")
    assert _settings([], None).rpc_urls == ["https://a.example/rpc", "https://b.example/rpc"]
    flags = ["--rpc-url", "http://127.0.0.1:8545", "--rpc-url", "http://127.0.0.1:8546"]
    assert _settings(flags, None).rpc_urls == ["http://127.0.0.1:8545", "http://127.0.0.1:8546"]


def test_subtensor_network_follows_network_unless_given() -> None:
    assert _settings(["--network", "test"], None).subtensor_network == "test"
    assert _settings(["--network", "test", "--subtensor.network", "archive"], None).subtensor_network == "archive"


@pytest.mark.parametrize(
    ("argv", "setting"),
    [
        (["--network", "mainnet"], "--network"),
        (["--jobs-db-url", "mysql://root@localhost/x"], "--jobs-db-url"),
        (["--pool-events-db-url", "postgres://user:pw@/nodb"], "--pool-events-db-url"),
        (["--netuid", "-1"], "--netuid"),
        (["--rpc-url", "ftp://x"], "--rpc-url"),
    ],
)
def test_invalid_settings_name_the_flag(argv: list[str], setting: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(setting)):
        _settings(argv, None)


def _run_cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "validator", *argv], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "argv",
    [["--network", "mainnet"], ["--jobs-db-url", "postgres://u:hunter2secret@/x", "db", "status"],
     ["--no-such-flag"], ["jobs", "list", "--jobs-db-url", "sqlite://"]],
)
def test_bad_configuration_prints_one_line_and_exits_2(argv: list[str]) -> None:
    result = _run_cli(*argv)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2secret" not in result.stderr


def test_bad_environment_variable_is_reported_by_name() -> None:
    result = _run_cli("db", "status", env={"SN98_NETUID": "many"})
    assert result.returncode == 2
    assert "SN98_NETUID" in result.stderr


def test_help_lists_every_setting_and_every_command() -> None:
    result = _run_cli("--help")
    assert result.returncode == 0
    for name, info in ValidatorSettings.model_fields.items():
        assert flag_of(name, info) in result.stdout, name
    for flag in ("--netuid", "--subtensor.network", "--subtensor.chain_endpoint", "--wallet.name",
                 "--wallet.hotkey", "--wallet.path", "--axon.port", "--logging.debug", "--logging.trace",
                 "--network", "--chain", "--jobs-db-url", "--pool-events-db-url", "--rpc-url"):
        assert flag in result.stdout
    for command in ("run", "db", "jobs", "pool-events"):
        assert command in result.stdout


def test_env_example_documents_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*(SN98_[A-Z0-9_]+)=", text, flags=re.M))
    expected = {env_name_of(ValidatorSettings, name) for name in ValidatorSettings.model_fields}
    assert expected == documented, f"missing: {sorted(expected - documented)}, stale: {sorted(documented - expected)}"
    assert text == render(), "stale .env.example: run python -m scripts.gen_env_example"
