"""Exception tree of chain access. Callers catch ``ChainError`` or something narrower.

``ChainError``
  ``RpcUnavailable``    every endpoint failed or is marked unhealthy (after retries)
    ``RpcTimeout``      a call exceeded its timeout
    ``RpcRateLimited``  429 / rate-limit payloads persisted past the retries
  ``RpcRangeError``     eth_getLogs range too large and cannot be split further
  ``RpcResponseError``  malformed or inconsistent data (bad JSON, wrong shape, a revert where none is allowed)
    ``RpcCallReverted`` an eth_call reverted
  ``ReplayExhausted``   a replay source was asked for blocks past the end of its window
"""

from __future__ import annotations


class ChainError(Exception):
    """Base of every chain-access error."""


class RpcUnavailable(ChainError):
    """No endpoint could answer (all unhealthy, or retries exhausted)."""


class RpcTimeout(RpcUnavailable):
    """A call exceeded its timeout."""


class RpcRateLimited(RpcUnavailable):
    """The endpoint kept answering 429 or a rate-limit error."""


class RpcRangeError(ChainError):
    """A log query range could not be served even after splitting."""


class RpcResponseError(ChainError):
    """The RPC returned data we cannot trust (malformed JSON, wrong shape, inconsistent values)."""


class ReplayExhausted(ChainError):
    """A replay source reached the end of its historical window."""


class RpcCallReverted(RpcResponseError):
    """An ``eth_call`` reverted (for a read that may legitimately revert, callers check for this)."""
