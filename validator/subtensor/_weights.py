"""Weight vectors at the edge: checked before anything is signed, then shaped by bittensor's rules.

``check_weights`` is shared with the fake client so tests reject what production would reject.
``process_for_chain`` is the pure core of bittensor's ``process_weights_for_netuid`` (which is
synchronous and would sync a whole metagraph through a blocking ``Subtensor``): the same
``process_weights`` with the subnet's neuron count, ``MinAllowedWeights`` and ``MaxWeightsLimit``
fetched asynchronously by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


class WeightsInputError(ValueError):
    """The weight vector cannot be sent as given (lengths, duplicates, negative or non-finite values)."""


def check_weights(uids: Sequence[int], weights: Sequence[float], num_neurons: int | None = None) -> None:
    """Raise ``WeightsInputError`` unless uids and weights pair up, uids are unique and in range,
    and weights are finite, non-negative and not all zero (bittensor would turn all-zero into
    uniform weights for every uid, silently)."""
    if len(uids) != len(weights):
        raise WeightsInputError(f"{len(uids)} uids but {len(weights)} weights")
    if not uids:
        raise WeightsInputError("no uids")
    if len(set(uids)) != len(uids):
        raise WeightsInputError("duplicate uids")
    for uid in uids:
        if uid < 0 or (num_neurons is not None and uid >= num_neurons):
            raise WeightsInputError(f"uid {uid} out of range (subnet has {num_neurons} uids)")
    for weight in weights:
        if not math.isfinite(weight) or weight < 0:
            raise WeightsInputError(f"weight {weight!r} is negative or not finite")
    if not any(weight > 0 for weight in weights):
        raise WeightsInputError("all weights are zero")


def process_for_chain(
    uids: Sequence[int], weights: Sequence[float], *, num_neurons: int, min_allowed_weights: int,
    max_weight_limit: float,
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Normalise to sum 1 with bittensor's ``process_weights`` (drops zeros, caps at the limit)."""
    from bittensor.utils.weight_utils import process_weights  # bittensor loads only where it is used

    check_weights(uids, weights, num_neurons)
    out_uids, out_weights = process_weights(
        uids=np.asarray(uids, dtype=np.int64), weights=np.asarray(weights, dtype=np.float32),
        num_neurons=num_neurons, min_allowed_weights=min_allowed_weights,
        max_weight_limit=max_weight_limit,
    )
    return np.asarray(out_uids, dtype=np.int64), np.asarray(out_weights, dtype=np.float32)
