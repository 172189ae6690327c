"""A running, seeded devchain: node + web3 handle + deployment, started and stopped as one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from web3 import HTTPProvider, Web3

from scripts.devchain.deploy import deploy
from scripts.devchain.deployment import Accounts, Deployment
from scripts.devchain.errors import DeploymentError
from scripts.devchain.node import HardhatNode
from scripts.devchain.rpc import Rpc

__all__ = ["Devchain", "start_devchain"]


@dataclass
class Devchain:
    """The running chain: `rpc_url`, a web3 handle `w3`, the `deployment` and the account roles."""

    node: HardhatNode
    w3: Web3
    deployment: Deployment
    startup_seconds: float
    seed: int = 1
    rpc: Rpc = field(init=False)

    def __post_init__(self) -> None:
        self.rpc = Rpc(self.w3)

    @property
    def rpc_url(self) -> str:
        return self.node.rpc_url

    @property
    def accounts(self) -> Accounts:
        return self.deployment.accounts

    def stop(self) -> None:
        """Stop the node (idempotent)."""
        self.node.stop()

    def restart(self, *, crash: bool = False, timeout_s: float = 20.0) -> None:
        """Stop (or, with `crash`, SIGKILL) the node, start a fresh one on the same URL and redeploy.

        The redeployment is deterministic: every address and token id is the same as before, so
        clients keep their configuration, but the history is new (other block hashes and
        timestamps, none of the traffic): to a client it looks like a node that lost its state.
        Use it on a chain of your own (`start_devchain()`), not on the shared session chain.
        """
        if crash:
            self.node.kill()
        else:
            self.node.stop()
        self.node.start(timeout_s=timeout_s)
        self.rpc = Rpc(self.w3)
        redeployed = deploy(self.rpc, self.deployment.accounts, seed=self.seed)
        if redeployed != self.deployment:
            self.node.stop()
            raise DeploymentError("the redeployment differs from the first deployment")

    def __enter__(self) -> Devchain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_devchain(*, port: int | None = None, seed: int = 1, timeout_s: float = 20.0) -> Devchain:
    """Start a node, deploy and seed everything; the node is stopped again if seeding fails."""
    started = time.monotonic()
    node = HardhatNode(port=port)
    node.start(timeout_s=timeout_s)
    try:
        w3 = Web3(HTTPProvider(node.rpc_url, request_kwargs={"timeout": 60}))
        accounts = Accounts.from_list([str(a) for a in w3.eth.accounts])
        deployment = deploy(Rpc(w3), accounts, seed=seed)
    except BaseException:
        node.stop()
        raise
    elapsed = time.monotonic() - started
    return Devchain(node=node, w3=w3, deployment=deployment, startup_seconds=elapsed, seed=seed)
