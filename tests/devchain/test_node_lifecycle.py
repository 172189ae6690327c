"""The node process: chain id 8453 on loopback, and nothing left running after a stop or a Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest
from web3 import HTTPProvider, Web3

from scripts.devchain.chain import Devchain
from scripts.devchain.deployment import Deployment
from scripts.devchain.encoding import event_topic
from scripts.devchain.node import HardhatNode
from scripts.devchain.pytest_plugin import require_devchain_dependencies
from scripts.devchain.traffic import TrafficGenerator
from tests.devchain.pool_logs import read_pool_logs

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


def test_cli_up_prints_rpc_url_and_addresses_serves_cli_traffic_and_stops_the_node_on_sigint(
    tmp_path: Path,
) -> None:
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
        _cli_traffic_reaches_the_chain(printed, tmp_path)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
    assert all(_gone(pid) for pid in node_pids)


def _cli_traffic_reaches_the_chain(printed: dict[str, Any], tmp_path: Path) -> None:
    deployment_file = tmp_path / "deployment.json"
    deployment_file.write_text(json.dumps(printed))
    subprocess.run(
        [sys.executable, "-m", "scripts.devchain", "traffic", "--rpc-url", printed["rpc_url"],
         "--deployment", str(deployment_file), "--events", "30"],
        cwd=ROOT, check=True, timeout=60, capture_output=True,
    )
    w3 = Web3(HTTPProvider(printed["rpc_url"]))
    swap_topic = event_topic("Swap(address,address,int256,int256,uint160,uint128,int24)")
    pools = [p["address"] for p in printed["deployment"]["pools"]]
    logs = w3.eth.get_logs({"address": pools, "topics": [swap_topic], "fromBlock": 0, "toBlock": "latest"})
    assert len(logs) >= 20


def test_node_dies_with_its_parent_even_when_the_parent_is_killed() -> None:
    require_devchain_dependencies()
    script = (
        "from scripts.devchain.node import HardhatNode; n = HardhatNode(); n.start(); print(n.pid, flush=True); input()"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    node_pid = int(parent.stdout.readline())
    assert not _gone(node_pid)
    parent.kill()
    parent.wait(timeout=10)
    if not _gone(node_pid):
        psutil.wait_procs([psutil.Process(node_pid)], timeout=10)
    assert _gone(node_pid)


def _swaps(chain: Devchain) -> list[tuple[int, ...]]:
    fields = ("amount0", "amount1", "sqrtPriceX96", "liquidity", "tick")
    return [
        tuple(log.args[f] for f in fields)
        for pool in chain.deployment.pools
        for log in read_pool_logs(chain.w3, pool.address)
        if log.kind == "Swap"
    ]


def test_a_crashed_node_restarts_on_the_same_url_with_the_same_addresses_and_a_new_history(
    devchain_private: Devchain,
) -> None:
    chain = devchain_private
    TrafficGenerator(chain.rpc, chain.deployment).run(40)
    url, before, swaps = chain.rpc_url, chain.deployment, _swaps(chain)
    old_head = chain.w3.eth.get_block("latest")
    pid = chain.node.pid

    chain.restart(crash=True)

    assert pid is not None and _gone(pid)
    assert chain.rpc_url == url and chain.deployment == before
    assert chain.w3.eth.block_number < old_head["number"] and _swaps(chain) == []  # the history is gone
    TrafficGenerator(chain.rpc, chain.deployment).run(40)
    assert _swaps(chain) == swaps  # same seed, same state: the same events, in new blocks
    assert chain.w3.eth.get_block(old_head["number"])["hash"] != old_head["hash"]
