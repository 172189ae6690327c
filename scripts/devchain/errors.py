"""Exception tree of the devchain: catch `DevchainError` for all of them."""

from __future__ import annotations

__all__ = [
    "DependencyMissing",
    "DeploymentError",
    "DevchainError",
    "NodeStartError",
    "RpcCallFailed",
    "TransactionFailed",
]


class DevchainError(Exception):
    """Base of every error raised by `scripts.devchain`."""


class DependencyMissing(DevchainError):
    """Node.js or the npm packages (`npm ci --prefix scripts/devchain`) are not installed."""


class NodeStartError(DevchainError):
    """The Hardhat node did not serve JSON-RPC in time, or exited while starting."""


class RpcCallFailed(DevchainError):
    """A JSON-RPC call returned an error payload (the node's message is kept)."""


class TransactionFailed(RpcCallFailed):
    """A transaction was rejected or reverted; `index` is its position in the batch."""

    def __init__(self, message: str, *, index: int) -> None:
        super().__init__(f"transaction {index} of the batch failed: {message}")
        self.index = index


class DeploymentError(DevchainError):
    """Deploying or seeding the contracts left the chain in an unexpected state."""
