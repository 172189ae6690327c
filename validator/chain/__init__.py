"""Chain access: the ``ChainSource`` the rounds read, over JSON-RPC (live) or the pool events DB (replay).

Public names: ``ChainSource``; ``LiveChainSource`` with ``LiveOptions`` over an ``RpcClient`` with
``RpcOptions``; ``ReplayChainSource``; the values ``PoolInfo``, ``PoolState``, ``VaultPosition``,
``VaultState``; the error tree in ``validator.chain.errors`` (``ChainError`` and below).
"""

from validator.chain.errors import (
    ChainError,
    ReplayExhausted,
    RpcCallReverted,
    RpcRangeError,
    RpcRateLimited,
    RpcResponseError,
    RpcTimeout,
    RpcUnavailable,
)
from validator.chain.live import LiveChainSource, LiveOptions
from validator.chain.replay import ReplayChainSource
from validator.chain.rpc import RpcClient, RpcOptions, RpcStats
from validator.chain.source import ChainSource
from validator.chain.types import PoolInfo, PoolState, VaultPosition, VaultState


def _conforms(live: LiveChainSource, replay: ReplayChainSource) -> tuple[ChainSource, ChainSource]:
    """Never called: mypy checks here that both sources implement the protocol."""
    return live, replay


__all__ = [
    "ChainError", "ChainSource", "LiveChainSource", "LiveOptions", "PoolInfo", "PoolState",
    "ReplayChainSource", "ReplayExhausted", "RpcCallReverted", "RpcClient", "RpcOptions", "RpcRangeError",
    "RpcRateLimited", "RpcResponseError", "RpcStats", "RpcTimeout", "RpcUnavailable", "VaultPosition", "VaultState",
]
