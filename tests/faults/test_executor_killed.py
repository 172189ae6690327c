"""The executor bot PROCESS killed with SIGKILL in the middle of an execution, then restarted: the
retried decision is never executed a second time (issue 9 item 3).

What tests/executor already pins (referenced, not repeated): a key the bot's store shows started is
refused after a restart (``test_a_key_interrupted_by_a_crash_is_never_run_again``, the crash written
into the store directly), a client timing out mid-execution never causes a second execution
(``test_a_client_timeout_shorter_than_the_execution_never_executes_twice``), a dead RPC fails the key
for good (``test_a_dead_rpc_is_reported_failed_and_the_key_is_not_run_again``). Missing was a real
crash: here the node stops mining, the bot sends its first transaction and waits for the receipt,
and is killed right then; mining resumes (that transaction lands), the bot restarts on the same
store, the validator side retries with the same idempotency key: HTTP 409 (in doubt), and the
vault's nonce shows no transaction after the killed one.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.devchain.chain import Devchain
from tests.executor._support import API_KEY, free_port, vault_private_key
from tests.executor.test_bot_on_devchain import _centered, _request
from tests.faults._support import ROOT, kill
from tests.support.bt_local import wait_for_port
from validator.executor import ExecutionInDoubt, ExecutorUnavailable, HttpExecutor, HttpExecutorOptions

pytestmark = [pytest.mark.chain, pytest.mark.timeout(180), pytest.mark.filterwarnings("ignore::DeprecationWarning")]
ONE_TRY = HttpExecutorOptions(request_timeout_s=60, attempts=1, wait_initial_s=0.05, wait_max_s=0.1,
                              wait_jitter_s=0.0, retry_timeout_s=60)


def _bot(devchain: Devchain, port: int, store: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SN98_EXECUTOR_RPC_URL": devchain.rpc_url,
           "SN98_EXECUTOR_PRIVATE_KEY": vault_private_key(devchain), "SN98_EXECUTOR_API_KEY": API_KEY}
    with log.open("ab") as out:
        bot = subprocess.Popen([sys.executable, "-m", "validator.executor_bot", "--port", str(port), "--store",
                                str(store), "--position-manager", devchain.deployment.position_manager],
                               cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_for_port(port, timeout_s=60)
    return bot


def _automine(devchain: Devchain, on: bool) -> None:
    devchain.w3.provider.make_request("evm_setAutomine", [on])  # type: ignore[arg-type]
    if on:
        devchain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _nonce(devchain: Devchain, block: str) -> int:
    return int(devchain.w3.eth.get_transaction_count(devchain.deployment.vault.eoa, block))  # type: ignore[arg-type]


async def test_a_bot_killed_mid_execution_never_executes_the_retried_decision_again(
    devchain_private: Devchain, tmp_path: Path,
) -> None:
    chain = devchain_private
    request = _request(chain, (_centered(chain, 600, 10 * 10**18, 20_000 * 10**6),))
    port, store, log = free_port(), tmp_path / "keys.sqlite3", tmp_path / "bot.log"
    before = _nonce(chain, "latest")
    bot = _bot(chain, port, store, log)
    executor = HttpExecutor(f"http://127.0.0.1:{port}/", API_KEY, ONE_TRY)
    try:
        _automine(chain, False)
        call = asyncio.ensure_future(executor.execute(request))
        deadline = time.monotonic() + 60
        while _nonce(chain, "pending") == before:  # the bot's first transaction waits in the mempool
            assert time.monotonic() < deadline and not call.done(), log.read_text(errors="replace")[-3000:]
            await asyncio.sleep(0.05)
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=30)
        with pytest.raises(ExecutorUnavailable):
            await call
    finally:
        _automine(chain, True)
        kill(bot)
    sent = _nonce(chain, "latest")
    assert sent == before + 1  # exactly the transaction in flight when the bot died
    bot = _bot(chain, port, store, log)
    try:
        with pytest.raises(ExecutionInDoubt):
            await executor.execute(request)
    finally:
        await executor.close()
        kill(bot)
    assert _nonce(chain, "pending") == sent  # nothing more was sent for this decision
