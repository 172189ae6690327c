"""Exception tree of the subtensor (Bittensor chain) client. Callers catch ``ChainClientError`` or narrower.

``ChainClientError``
  ``ChainUnavailable``   the websocket could not be opened, or dropped (the next call reconnects)
    ``ChainTimeout``     a call exceeded its timeout (the connection is reset too)
  ``ChainQueryError``    the chain answered, but not with what we need (unknown subnet or uid, bad data)
  ``WalletUnavailable``  an extrinsic was asked for but no wallet/hotkey is configured or loadable

A refused ``set_weights`` is not an exception: it comes back as ``WeightsResult(success=False, ...)``.
"""

from __future__ import annotations


class ChainClientError(Exception):
    """Base of every subtensor client error."""


class ChainUnavailable(ChainClientError):
    """The subtensor endpoint could not be reached or the connection dropped."""


class ChainTimeout(ChainUnavailable):
    """A call did not finish within its timeout (seconds)."""


class ChainQueryError(ChainClientError):
    """The chain answered, but the answer is unusable (subnet or uid does not exist, malformed data)."""


class WalletUnavailable(ChainClientError):
    """No wallet is configured, or its hotkey cannot be loaded, so nothing can be signed."""
