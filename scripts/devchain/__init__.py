"""A local Base chain (Hardhat 2, chain id 8453) with the real Uniswap V3 contracts, for tests and demos.

``start_devchain()`` starts a node on a free loopback port, deploys and seeds everything and returns a
`Devchain` (rpc_url, w3, deployment, accounts); `TrafficGenerator` drives swaps, mints and burns.
CLI: ``python -m scripts.devchain up [--traffic]``. pytest fixtures: `scripts.devchain.pytest_plugin`.
"""

from scripts.devchain.chain import Devchain, start_devchain
from scripts.devchain.deployment import Accounts, Deployment, PoolInfo, VaultInfo
from scripts.devchain.errors import (
    DependencyMissing,
    DeploymentError,
    DevchainError,
    NodeStartError,
    RpcCallFailed,
    TransactionFailed,
)
from scripts.devchain.node import HardhatNode
from scripts.devchain.traffic import TrafficConfig, TrafficGenerator, TrafficReport

__all__ = [
    "Accounts",
    "DependencyMissing",
    "Deployment",
    "DeploymentError",
    "Devchain",
    "DevchainError",
    "HardhatNode",
    "NodeStartError",
    "PoolInfo",
    "RpcCallFailed",
    "TrafficConfig",
    "TrafficGenerator",
    "TrafficReport",
    "TransactionFailed",
    "VaultInfo",
    "start_devchain",
]
