"""``python -m miner`` as operators run it: serves on loopback, answers, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from miner.config import LOOPBACK
from protocol.models import Inventory
from protocol.synapse import RebalanceQuery
from simulator.tickmath import get_sqrt_ratio_at_tick
from tests.support.bt_local import free_port, loopback_dendrite, make_wallet, wait_for_port

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SN98_")} | {"PYTHONUNBUFFERED": "1"}


async def test_the_miner_process_serves_an_allowed_validator_and_stops_on_sigterm(tmp_path: Path) -> None:
    from bittensor.core.chain_data import AxonInfo

    miner, validator = make_wallet(tmp_path, "miner"), make_wallet(tmp_path, "validator")
    port = free_port()
    argv = [sys.executable, "-m", "miner", "--network", "local", "--wallet.path", str(tmp_path),
            "--wallet.name", "miner", "--axon.port", str(port), "--strategy", "hold",
            "--allowed-hotkey", validator.hotkey.ss58_address]
    process = subprocess.Popen(argv, cwd=ROOT, env=_env(), stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, timeout_s=60)
        price = get_sqrt_ratio_at_tick(0)
        query = RebalanceQuery(job_id="j", sn_liquidity_manager_address="0x" + "1" * 40, pair_address="0x" + "2" * 40,
                               round_id="r", round_type="evaluation", block_number=1, current_price=float(price),
                               current_positions=[], inventory_remaining=Inventory(amount0="1", amount1="1"),
                               tick_spacing=60, sqrt_price_x96=str(price), tick=0)
        target = AxonInfo(version=1, ip=LOOPBACK, port=port, ip_type=4, hotkey=miner.hotkey.ss58_address,
                          coldkey=miner.coldkeypub.ss58_address)
        async with loopback_dendrite(validator) as dendrite:
            result = await dendrite.call(target_axon=target, synapse=query, timeout=20, deserialize=False)
        assert isinstance(result, RebalanceQuery) and result.is_success and result.desired_positions == []
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "miner stopped after 1 queries" in stderr


def test_a_missing_hotkey_is_one_clear_error_and_exit_1(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "miner", "--network", "local", "--wallet.path", str(tmp_path / "none")]
    done = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "cannot load hotkey 'default' of wallet 'default'" in done.stderr


def test_a_bad_setting_is_one_line_and_exit_2() -> None:
    done = subprocess.run([sys.executable, "-m", "miner", "--network", "mainnet"], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--network / SN98_MINER_NETWORK" in done.stderr


def test_a_port_in_use_is_one_clear_error_and_exit_1(tmp_path: Path) -> None:
    make_wallet(tmp_path, "miner")
    with socket.socket() as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen()
        port = busy.getsockname()[1]
        argv = [sys.executable, "-m", "miner", "--network", "local", "--wallet.path", str(tmp_path),
                "--wallet.name", "miner", "--axon.port", str(port)]
        done = subprocess.run(argv, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"the axon cannot listen on 127.0.0.1:{port}" in done.stderr
