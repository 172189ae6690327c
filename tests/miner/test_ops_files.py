"""The pm2 and systemd files start the real entry points and give each process time to stop gracefully.

(Lives with the miner tests because scripts/ops/ was delivered with the miner; it covers all three.)
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from validator.config import ValidatorSettings

ROOT = Path(__file__).resolve().parents[2]
OPS = ROOT / "scripts" / "ops"
UNITS = {"sn98-validator.service": "-m validator", "sn98-miner.service": "-m miner",
         "sn98-indexer@.service": "-m validator indexer --pool-address %i"}
VALIDATOR_GRACE_S = ValidatorSettings.model_fields["shutdown_grace_seconds"].default


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(OPS / "systemd" / name)
    return parser["Service"]


@pytest.mark.parametrize(("name", "command"), UNITS.items())
def test_systemd_units_restart_on_failure_read_an_optional_env_file_and_stop_gracefully(name: str, command: str) -> None:
    service = _unit(name)
    assert service["Type"] == "exec" and service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("-/")
    assert service["ExecStart"].endswith(".venv/bin/python " + command)
    assert int(service["TimeoutStopSec"]) >= 30
    assert service["RestartPreventExitStatus"] == "2"  # configuration errors exit 2: no restart loop


def test_the_validator_unit_waits_longer_than_the_validators_shutdown_grace() -> None:
    assert int(_unit("sn98-validator.service")["TimeoutStopSec"]) > VALIDATOR_GRACE_S + 10


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("name", UNITS)
def test_systemd_analyze_finds_nothing_but_the_install_path(name: str, tmp_path: Path) -> None:
    unit = tmp_path / name.replace("@.", "@0xabc.")
    unit.write_text((OPS / "systemd" / name).read_text())
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines() if line.strip() and "is not executable" not in line]
    assert problems == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_pm2_apps_run_the_venv_python_with_m_and_a_kill_timeout_per_process() -> None:
    script = "console.log(JSON.stringify(require(process.argv[1]).apps))"
    done = subprocess.run(["node", "-e", script, str(OPS / "ecosystem.config.js")], capture_output=True, text=True,
                          timeout=60, check=True)
    apps = {app["name"]: app for app in json.loads(done.stdout)}
    assert set(apps) == {"sn98-validator", "sn98-miner", "sn98-indexer"}
    for app in apps.values():
        assert app["script"] == str(ROOT / ".venv" / "bin" / "python") and app["interpreter"] == "none"
        assert app["args"][0] == "-m" and app["env"]["PYTHONUNBUFFERED"] == "1"
        assert app["kill_timeout"] >= 30_000
    assert apps["sn98-validator"]["kill_timeout"] > (VALIDATOR_GRACE_S + 10) * 1000
