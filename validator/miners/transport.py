"""The miner transport interface: ask many miners at once, each its own question, within a timeout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from validator.miners.types import MinerEndpoint, MinerReply, RebalanceRequest


class MinerTransport(Protocol):
    """Sends RebalanceQuery requests. Implementations never raise for a miner's failure: every
    request gets a ``MinerReply`` (timeouts, refusals at the door and garbage included), in order."""

    async def query_many(
        self, requests: Sequence[tuple[MinerEndpoint, RebalanceRequest]], timeout_s: float
    ) -> list[MinerReply]:
        ...

    async def close(self) -> None:
        ...
