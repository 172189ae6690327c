"""The Bittensor chain behind one small interface: metagraph snapshots, hyperparameters, weights.

``ChainClient`` is the interface; ``SubtensorChainClient`` implements it over bittensor 10.5's
``AsyncSubtensor`` (imported only when the first call opens the connection).
"""

from validator.subtensor._weights import WeightsInputError, check_weights
from validator.subtensor.bittensor_client import SubtensorChainClient
from validator.subtensor.client import ChainClient
from validator.subtensor.errors import (
    ChainClientError,
    ChainQueryError,
    ChainTimeout,
    ChainUnavailable,
    WalletUnavailable,
)
from validator.subtensor.types import MetagraphSnapshot, NeuronSnapshot, WeightsResult

__all__ = [
    "ChainClient",
    "ChainClientError",
    "ChainQueryError",
    "ChainTimeout",
    "ChainUnavailable",
    "MetagraphSnapshot",
    "NeuronSnapshot",
    "SubtensorChainClient",
    "WalletUnavailable",
    "WeightsInputError",
    "WeightsResult",
    "check_weights",
]
