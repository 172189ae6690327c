"""Many real miner axons in a few processes, for benchmarks and load runs.

Each farm process serves a slice of the miners: every miner is a real ``bt.Axon`` with its own
wallet (hotkey) and its own port on 127.0.0.1, answering with a behaviour of
``tests.support.rotating_miners``. The validator runs elsewhere (its CPU is then its own).

As a process (what ``AxonFarm`` starts)::

    python -m tests.support.axon_farm --wallets DIR --first-uid 0 --out miners-0.json sensible rotating ...

writes ``[{uid, hotkey, ip, port, behaviour}]`` to ``--out`` once every axon listens, then serves
until SIGTERM/SIGINT. From Python::

    with AxonFarm(work_dir, behaviours, processes=4) as farm:
        farm.miners  # the miners-file entries of all axons
"""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from collections.abc import Iterator
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 300.0


class FarmFailed(RuntimeError):
    """A farm process exited or did not publish its miners in time."""


@contextlib.contextmanager
def _quiet_axon(wallet: Any, forward: Any) -> Iterator[Any]:
    """A real ``bt.Axon`` on 127.0.0.1 whose uvicorn server runs in its thread, started without
    ``Axon.start()``: that one adds a watcher thread polling every millisecond, which costs a whole
    core per 64 axons and would steal the CPU the benchmark measures."""
    import bittensor as bt
    from tests.support.bt_local import LOOPBACK, free_port, wait_for_port

    port = free_port()
    axon = bt.Axon(wallet=wallet, ip=LOOPBACK, port=port, external_ip=LOOPBACK)
    axon.fast_config.host = LOOPBACK
    axon.attach(forward_fn=forward)
    with axon.fast_server.run_in_thread():
        axon.started = True
        wait_for_port(port)
        yield axon


def _serve(wallets: Path, first_uid: int, behaviours: list[str], out: Path) -> None:
    from tests.support.bt_local import LOOPBACK, loopback_network, make_wallet
    from tests.support.rotating_miners import forward_named

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with loopback_network(), ExitStack() as stack:
        entries = []
        for offset, name in enumerate(behaviours):
            uid = first_uid + offset
            wallet = make_wallet(wallets, f"farm-miner-{uid}")
            axon = stack.enter_context(_quiet_axon(wallet, forward_named(name, uid)))
            entries.append({"uid": uid, "hotkey": wallet.hotkey.ss58_address, "ip": LOOPBACK,
                            "port": axon.port, "behaviour": name})
        partial = out.with_suffix(".partial")
        partial.write_text(json.dumps(entries))
        partial.rename(out)  # published atomically: a reader never sees half a file
        stop.wait()
        # Stopping 64 uvicorn servers one by one takes long; the process is going away anyway.
        os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.axon_farm")
    parser.add_argument("--wallets", type=Path, required=True)
    parser.add_argument("--first-uid", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("behaviours", nargs="+")
    args = parser.parse_args(argv)
    _serve(args.wallets, args.first_uid, args.behaviours, args.out)


class AxonFarm:
    """Starts ``processes`` farm processes serving ``behaviours`` (one axon each), stops them on exit."""

    def __init__(self, work: Path, behaviours: list[str], processes: int = 4) -> None:
        self.work = work
        self.behaviours = behaviours
        self.processes = max(1, min(processes, len(behaviours)))
        self._children: list[subprocess.Popen[bytes]] = []
        self.miners: list[dict[str, object]] = []

    def _slices(self) -> list[tuple[int, list[str]]]:
        size = -(-len(self.behaviours) // self.processes)
        return [(start, self.behaviours[start:start + size]) for start in range(0, len(self.behaviours), size)]

    def __enter__(self) -> "AxonFarm":
        self.work.mkdir(parents=True, exist_ok=True)
        outs = []
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for index, (first, names) in enumerate(self._slices()):
            out = self.work / f"miners-{index}.json"
            log = (self.work / f"farm-{index}.log").open("wb")
            self._children.append(subprocess.Popen(
                [sys.executable, "-m", "tests.support.axon_farm", "--wallets", str(self.work / "wallets"),
                 "--first-uid", str(first), "--out", str(out), *names],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
            log.close()
            outs.append(out)
        try:
            self._collect(outs)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _collect(self, outs: list[Path]) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not all(out.exists() for out in outs):
            for index, child in enumerate(self._children):
                if child.poll() is not None:
                    log = (self.work / f"farm-{index}.log").read_text(errors="replace")[-3000:]
                    raise FarmFailed(f"farm process {index} exited with {child.returncode}:\n{log}")
            if time.monotonic() > deadline:
                raise FarmFailed(f"the farm did not start within {STARTUP_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        for out in outs:
            self.miners.extend(json.loads(out.read_text()))

    def write_miners_file(self, path: Path) -> Path:
        """The validator's ``--miners-file`` for these axons."""
        path.write_text(json.dumps([{k: m[k] for k in ("uid", "hotkey", "ip", "port")} for m in self.miners]))
        return path

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for child in self._children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self._children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)


if __name__ == "__main__":
    main()
