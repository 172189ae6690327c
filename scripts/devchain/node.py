"""The Hardhat 2 node process: start on a free loopback port, wait for JSON-RPC, stop for sure.

The node runs in its own process group so that stopping it also ends any child it spawned; stop()
sends SIGTERM, waits, then SIGKILLs. An `atexit` hook stops nodes a crashed caller forgot, and the
node is started through `run-node.js`, which exits when its parent process is gone (even after a
SIGKILL), so no run leaves an orphan node behind.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from scripts.devchain.artifacts import DEVCHAIN_DIR, missing_dependencies
from scripts.devchain.errors import DependencyMissing, NodeStartError

__all__ = ["HardhatNode", "free_port"]

_RUNNER = DEVCHAIN_DIR / "run-node.js"
CHAIN_ID = 8453


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chain_id(url: str, timeout_s: float) -> int | None:
    """eth_chainId of the node at `url`, or None while it does not answer."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(json.loads(response.read())["result"], 16)
    except (OSError, urllib.error.URLError, ValueError, KeyError):
        return None


class HardhatNode:
    """One Hardhat node process (chain id 8453, automine) serving JSON-RPC on 127.0.0.1.

    Usage: ``node = HardhatNode(); node.start(); ...; node.stop()`` or ``with HardhatNode() as node:``.
    """

    def __init__(self, *, port: int | None = None, accounts: int = 20) -> None:
        self.port = port if port is not None else free_port()
        self.accounts = accounts
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self, *, timeout_s: float = 20.0) -> None:
        """Spawn the node and return once it answers eth_chainId with 8453."""
        missing = missing_dependencies()
        if missing:
            raise DependencyMissing("devchain dependencies missing: " + "; ".join(missing))
        log = tempfile.NamedTemporaryFile(prefix="devchain-node-", suffix=".log", delete=False)
        self._log_path = Path(log.name)
        env = dict(os.environ, DEVCHAIN_ACCOUNTS=str(self.accounts), HARDHAT_DISABLE_TELEMETRY_PROMPT="true")
        self._process = subprocess.Popen(
            ["node", str(_RUNNER), "--hostname", "127.0.0.1", "--port", str(self.port)],
            cwd=DEVCHAIN_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()
        atexit.register(self.stop)
        self._wait_ready(timeout_s)

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                self.stop()
                raise NodeStartError(f"hardhat node exited early: {self.log_tail()}")
            chain_id = _chain_id(self.rpc_url, timeout_s=1.0)
            if chain_id == CHAIN_ID:
                return
            if chain_id is not None:
                self.stop()
                raise NodeStartError(f"node on port {self.port} has chain id {chain_id}, not {CHAIN_ID}")
            time.sleep(0.1)
        self.stop()
        raise NodeStartError(f"hardhat node not ready after {timeout_s} s: {self.log_tail()}")

    def log_tail(self, chars: int = 2000) -> str:
        """The last `chars` characters of the node's output, for error messages."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")[-chars:]

    def stop(self, *, timeout_s: float = 5.0) -> None:
        """Stop the node (SIGTERM to its process group, SIGKILL after `timeout_s`). Idempotent."""
        process, self._process = self._process, None
        atexit.unregister(self.stop)
        if process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout_s)
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def kill(self) -> None:
        """SIGKILL the node at once, as a crash would (for tests of RPC failure handling)."""
        if self._process is not None and self._process.poll() is None:
            _signal_group(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=5.0)
        self.stop()

    def __enter__(self) -> HardhatNode:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
