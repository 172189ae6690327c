"""The bot's optional balancing swap on the devchain, its refusal to re-run an interrupted key, its CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from protocol.decisions import PositionSpec
from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import contract_at
from tests.executor._support import API_KEY, bot_on_devchain, pool_price, vault_npm_positions
from tests.executor.test_bot_on_devchain import FAST_RETRIES, _request
from tests.live._support import chain_holdings
from validator.executor import ExecutionInDoubt, HttpExecutor
from validator.executor_bot.server import request_hash
from validator.executor_bot.store import KeyStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.chain
async def test_a_token_shortage_is_bought_through_the_router_before_the_mint(devchain_clean: Devchain,
                                                                             tmp_path: Path) -> None:
    holding0, holding1, _ = chain_holdings(devchain_clean, devchain_clean.w3.eth.block_number)
    _, tick = pool_price(devchain_clean)
    lower = (tick - 2000) // 10 * 10
    wanted = PositionSpec(lower, lower + 4000, holding0 // 4, holding1 + holding1 // 20)  # 5% more token1 than held
    token1 = contract_at(devchain_clean.w3, "DevToken", devchain_clean.deployment.pool(500).token1).functions
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3", swap=True, slippage_bps=100) as (_, url):
        executor = HttpExecutor(url, API_KEY, FAST_RETRIES)
        report = await executor.execute(_request(devchain_clean, (wanted,)))
        await executor.close()
    assert report.status == "confirmed", report.error
    assert len(report.tx_hashes) == 3  # burn multicall, exactOutputSingle, mint multicall
    assert [(lo, hi) for _, lo, hi, _ in vault_npm_positions(devchain_clean)] == [(wanted.tick_lower, wanted.tick_upper)]
    swap_block = int(devchain_clean.rpc.receipts([report.tx_hashes[1]])[0]["blockNumber"], 16)
    after_swap = token1.balanceOf(devchain_clean.deployment.vault.eoa).call(block_identifier=swap_block)
    assert wanted.allocation1 <= after_swap < wanted.allocation1 + holding1 // 1000  # bought the shortage, no more


@pytest.mark.chain
async def test_a_key_interrupted_by_a_crash_is_never_run_again(devchain_clean: Devchain, tmp_path: Path) -> None:
    request = _request(devchain_clean, ())
    crashed = KeyStore(tmp_path / "keys.sqlite3")
    crashed.begin(request.idempotency_key, request_hash(request))  # a bot died after starting this key
    crashed.close()
    before = vault_npm_positions(devchain_clean)
    async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3") as (bot, url):
        executor = HttpExecutor(url, API_KEY, FAST_RETRIES)
        with pytest.raises(ExecutionInDoubt):
            await executor.execute(request)
        await executor.close()
    assert bot.executions == 0 and vault_npm_positions(devchain_clean) == before


def test_the_cli_refuses_to_start_without_its_secrets_and_never_prints_them() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SN98_EXECUTOR_")}
    env |= {"SN98_EXECUTOR_API_KEY": "very-secret-api-key", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "validator.executor_bot", "--position-manager", "0x" + "11" * 20],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert "SN98_EXECUTOR_RPC_URL" in done.stderr and "SN98_EXECUTOR_PRIVATE_KEY" in done.stderr
    assert "very-secret-api-key" not in done.stderr + done.stdout
