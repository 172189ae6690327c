"""A set of real miner axons on 127.0.0.1, one per scripted behaviour, and the validator's wallet.

Shared by the daemon tests (which write the miners to a ``--miners-file``) and the in-process
round harness (``tests.support.replay_rounds``). No ``from __future__ import annotations``: the
Axon reads forward annotations as classes.
"""

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bittensor_wallet import Wallet

from tests.support.bt_local import LOOPBACK, loopback_network, make_wallet, running_axon
from validator.miners.types import MinerEndpoint


@dataclass(frozen=True, slots=True)
class LocalMiner:
    """One running axon: its uid, hotkey, port and the behaviour it serves (by function name)."""

    uid: int
    hotkey: str
    ip: str
    port: int
    behaviour: str

    def endpoint(self) -> MinerEndpoint:
        return MinerEndpoint(self.uid, self.hotkey, self.ip, self.port)

    def as_entry(self) -> dict[str, object]:
        """The miner as a ``--miners-file`` entry."""
        return {"uid": self.uid, "hotkey": self.hotkey, "ip": self.ip, "port": self.port}


@dataclass(frozen=True, slots=True)
class AxonNetwork:
    """The wallets folder (holding ``validator``), the validator wallet and the running miners."""

    wallets: Path
    validator: Wallet
    miners: tuple[LocalMiner, ...]

    def by_behaviour(self, name: str) -> LocalMiner:
        return next(m for m in self.miners if m.behaviour == name)


@contextlib.contextmanager
def axon_network(root: Path, behaviours: Sequence[Callable[..., Any]], *,
                 uids: Sequence[int] | None = None) -> Iterator[AxonNetwork]:
    """Start one axon per behaviour (uid = position, unless ``uids`` is given), each with a fresh
    hotkey; stop them all on exit. bittensor's public-IP lookup answers 127.0.0.1 meanwhile."""
    validator = make_wallet(root, "validator")
    chosen = list(uids) if uids is not None else list(range(len(behaviours)))
    with loopback_network(), contextlib.ExitStack() as stack:
        miners: list[LocalMiner] = []
        for uid, forward in zip(chosen, behaviours, strict=True):
            wallet = make_wallet(root, f"miner{len(miners)}")
            axon = stack.enter_context(running_axon(wallet, forward))
            miners.append(LocalMiner(uid, wallet.hotkey.ss58_address, LOOPBACK, axon.port, forward.__name__))
        yield AxonNetwork(root, validator, tuple(miners))
