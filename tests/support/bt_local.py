"""Real bittensor v10 parts on loopback for tests: throw-away wallets, an Axon, a Dendrite.

Nothing leaves 127.0.0.1: `loopback_network()` replaces bittensor's public-IP lookup (which
otherwise asks outside services from `Axon()` and `Dendrite()`), the Axon's uvicorn server is
bound to 127.0.0.1 instead of its hard-coded 0.0.0.0, and it advertises 127.0.0.1.

Usage::

    with loopback_network():
        miner = make_wallet(tmp_path, "miner")
        with running_axon(miner, forward_fn) as axon:
            async with loopback_dendrite(make_wallet(tmp_path, "validator")) as dendrite:
                answer = await dendrite.call(target_axon=axon.info(), synapse=query,
                                             deserialize=False)
"""

import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import bittensor as bt
from bittensor.utils import networking
from bittensor_wallet import Wallet

LOOPBACK = "127.0.0.1"


class PortNotListening(RuntimeError):
    """The axon's port did not start (or stop) listening in time."""


def _loopback_ip() -> str:
    return LOOPBACK


@contextlib.contextmanager
def loopback_network() -> Iterator[None]:
    """Make bittensor's external-IP lookup answer 127.0.0.1 instead of asking the internet.

    Axon and Dendrite call `bittensor.utils.networking.get_external_ip` through the module
    attribute (`networking.get_external_ip()`), so replacing it there covers both.
    """
    original = networking.get_external_ip
    networking.get_external_ip = _loopback_ip
    try:
        yield
    finally:
        networking.get_external_ip = original


def make_wallet(root: Path, name: str) -> Wallet:
    """A fresh coldkey + hotkey under `root`, unencrypted (no password prompt)."""
    wallet = Wallet(name=name, hotkey="default", path=str(root))
    wallet.create_new_coldkey(use_password=False, overwrite=True, suppress=True)
    wallet.create_new_hotkey(use_password=False, overwrite=True, suppress=True)
    return wallet


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((LOOPBACK, port)) == 0


def wait_for_port(port: int, *, listening: bool = True, timeout_s: float = 15.0) -> None:
    """Poll until the port accepts connections (or, with listening=False, refuses them)."""
    deadline = time.monotonic() + timeout_s
    while _listening(port) != listening:
        if time.monotonic() > deadline:
            state = "listen" if listening else "close"
            raise PortNotListening(f"port {port} did not {state} within {timeout_s} s")
        time.sleep(0.02)


@contextlib.contextmanager
def running_axon(
    wallet: Wallet,
    forward_fn: Callable[..., Any],
    *,
    blacklist_fn: Callable[..., Any] | None = None,
    priority_fn: Callable[..., Any] | None = None,
) -> Iterator[bt.Axon]:
    """Start a real `bt.Axon` on 127.0.0.1:<free port> serving `forward_fn`; stop it after.

    `start()` returns before uvicorn listens, so this waits for the port; on exit it waits
    for the port to close so the next test can rely on a clean slate. Call inside
    `loopback_network()` if anything else in the test builds a Dendrite.
    """
    port = free_port()
    axon = bt.Axon(wallet=wallet, ip=LOOPBACK, port=port, external_ip=LOOPBACK)
    axon.fast_config.host = LOOPBACK  # bittensor hard-codes 0.0.0.0 in uvicorn's config
    axon.attach(forward_fn=forward_fn, blacklist_fn=blacklist_fn, priority_fn=priority_fn)
    axon.start()
    try:
        wait_for_port(port)
        yield axon
    finally:
        axon.stop()
        wait_for_port(port, listening=False)


@contextlib.asynccontextmanager
async def loopback_dendrite(wallet: Wallet) -> AsyncIterator[bt.Dendrite]:
    """A `bt.Dendrite` signing with `wallet`'s hotkey; its HTTP session is closed on exit."""
    with loopback_network():
        dendrite = bt.Dendrite(wallet=wallet)
    try:
        yield dendrite
    finally:
        await dendrite.aclose_session()  # type: ignore[no-untyped-call]
