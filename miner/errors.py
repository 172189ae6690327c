"""Exceptions of the miner package.

    MinerError
     +-- BadRequest        a query the miner cannot read (it refuses, giving the message as reason)
     +-- UnknownStrategy   --strategy names no registered strategy (also a ValueError)
     +-- WalletError       the configured wallet or hotkey cannot be loaded
     +-- PortUnavailable   the axon's address cannot be bound (in use, not a local address)
     +-- BacktestError     the backtest's input (events, window, inventory) is unusable
"""


class MinerError(Exception):
    """Base of every error raised by the miner package."""


class BadRequest(MinerError):
    """The request fields make no sense (bad tick spacing, price outside the pool's range, ...)."""


class UnknownStrategy(MinerError, ValueError):
    """No strategy is registered under the requested name."""


class WalletError(MinerError):
    """The wallet's hotkey is missing or unreadable; the message says where it was looked for."""


class PortUnavailable(MinerError):
    """The axon cannot listen on the configured address and port; the message names both."""


class BacktestError(MinerError):
    """The backtest cannot run: no exact start state, an empty window, no inventory."""
