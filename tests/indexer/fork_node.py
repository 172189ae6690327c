"""A Hardhat node forked from the devchain at a fixed block, on a fixed port: it can be killed and
started again, serving the same chain (same blocks, hashes and logs) each time.

Hardhat runs calls at or below the fork block only with a hardfork history for the chain id, which
the devchain config does not give; ``start`` therefore mines one empty block on top, so reads
pinned to the head run on the fork's own (configured) hardfork.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request

from scripts.devchain.artifacts import DEVCHAIN_DIR
from scripts.devchain.node import free_port

# run-node.js starts `hardhat node` and exits when its parent is gone: no orphan even if the test
# process dies before its cleanup runs (a timeout inside the event loop can skip `finally`).
_RUN_NODE = DEVCHAIN_DIR / "run-node.js"


class ForkNode:
    def __init__(self, upstream: str, fork_block: int) -> None:
        self.upstream = upstream
        self.fork_block = fork_block
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _rpc(self, method: str) -> object:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.loads(response.read())["result"]

    def start(self, timeout_s: float = 30.0) -> None:
        log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            ["node", str(_RUN_NODE), "--hostname", "127.0.0.1", "--port", str(self.port),
             "--fork", self.upstream, "--fork-block-number", str(self.fork_block)],
            cwd=DEVCHAIN_DIR, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env=dict(os.environ, HARDHAT_DISABLE_TELEMETRY_PROMPT="true"),
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                self._rpc("eth_blockNumber")
                self._rpc("evm_mine")
                return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"fork node on port {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL the node's process group (no clean shutdown: a crash)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
