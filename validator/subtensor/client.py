"""The ``ChainClient`` interface: what the validator needs from the Bittensor chain, nothing more.

Implementations: ``SubtensorChainClient`` (bittensor 10.5's ``AsyncSubtensor``) and, for tests, the
in-memory ``tests.support.fake_chain.FakeChainClient``. Blocks are subtensor block numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from validator.subtensor.types import MetagraphSnapshot, WeightsResult


class ChainClient(Protocol):
    """Reads the subnet's metagraph and hyperparameters and sets this validator's weights.

    Every method raises ``ChainClientError`` subclasses (``ChainUnavailable``, ``ChainTimeout``,
    ``ChainQueryError``) and nothing else for chain trouble; ``set_weights`` reports a refusal by the
    chain as ``WeightsResult(success=False)``.
    """

    async def metagraph(self, netuid: int) -> MetagraphSnapshot:
        """Every uid of the subnet at the current head."""
        ...

    async def current_block(self) -> int:
        """The chain head's block number."""
        ...

    async def weights_rate_limit(self, netuid: int) -> int:
        """Blocks that must pass between two weight settings of one validator."""
        ...

    async def blocks_since_last_update(self, netuid: int, uid: int) -> int:
        """Blocks since ``uid`` last set weights (or registered)."""
        ...

    async def set_weights(
        self, netuid: int, uids: Sequence[int], weights: Sequence[float], *, version_key: int,
        wait_for_inclusion: bool,
    ) -> WeightsResult:
        """Set this validator's weights (any non-negative scale; normalised against the chain's limits)."""
        ...

    async def close(self) -> None:
        """Release the connection; safe to call twice or before any call."""
        ...
