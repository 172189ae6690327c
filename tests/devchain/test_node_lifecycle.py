"""The node process: chain id 8453 on loopback, and nothing left running after a stop or a Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest

from scripts.devchain.deployment import Deployment
from scripts.devchain.node import HardhatNode
from scripts.devchain.pytest_plugin import require_devchain_dependencies

pytestmark = pytest.mark.chain
ROOT = Path(__file__).resolve().parents[2]


def _gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def test_stopped_node_leaves_no_process_and_frees_its_port() -> None:
    require_devchain_dependencies()
    node = HardhatNode()
    node.start()
    pid = node.pid
    assert pid is not None and not _gone(pid)
    node.stop()
    node.stop()  # idempotent
    assert _gone(pid)
    assert not any(c.laddr.port == node.port for c in psutil.net_connections("tcp") if c.status == "LISTEN")


def test_cli_up_prints_rpc_url_and_addresses_and_stops_the_node_on_sigint() -> None:
    require_devchain_dependencies()
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.devchain", "up"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert process.stdout is not None
        printed = json.loads(process.stdout.readline())
        node_pids = [p.pid for p in psutil.Process(process.pid).children(recursive=True)]
        assert node_pids
        assert printed["rpc_url"].startswith("http://127.0.0.1:")
        round_trip = Deployment.from_json(printed["deployment"]).to_json()
        assert json.loads(json.dumps(round_trip)) == printed["deployment"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
    assert all(_gone(pid) for pid in node_pids)


def test_node_dies_with_its_parent_even_when_the_parent_is_killed() -> None:
    require_devchain_dependencies()
    script = "from scripts.devchain.node import HardhatNode; n = HardhatNode(); n.start(); print(n.pid, flush=True); input()"
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    node_pid = int(parent.stdout.readline())
    assert not _gone(node_pid)
    parent.kill()
    parent.wait(timeout=10)
    if not _gone(node_pid):
        psutil.wait_procs([psutil.Process(node_pid)], timeout=10)
    assert _gone(node_pid)
