"""The SN98 mainnet wire classes as an existing miner has them, rewritten for compatibility tests.

Field names, types, defaults and validators as in SN98 mainnet's `protocol/models.py` and
`protocol/synapses.py` (inventory_remaining is a plain dict there; no sqrt_price_x96 / tick;
Position enforces tick_upper > tick_lower and confidence in [0, 1]). The synapse class must be
called `RebalanceQuery`: the Axon routes by class name, so an Axon serving this class is what an
old mainnet miner looks like on the wire.
"""

from typing import Optional

import bittensor as bt
from pydantic import BaseModel, Field, model_validator


class MainnetPosition(BaseModel):
    tick_lower: int = Field(...)
    tick_upper: int = Field(...)
    allocation0: str = Field(...)
    allocation1: str = Field(...)
    confidence: Optional[float] = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> "MainnetPosition":
        if self.tick_upper <= self.tick_lower:
            raise ValueError("tick_upper must be greater than tick_lower")
        return self


class MainnetMinerMetadata(BaseModel):
    version: str = Field(...)
    model_info: str = Field(...)


class RebalanceQuery(bt.Synapse):
    job_id: str = Field(...)
    sn_liquidity_manager_address: str = Field(...)
    pair_address: str = Field(...)
    chain_id: int = Field(8453)
    round_id: str = Field(...)
    round_type: str = Field(...)
    block_number: int = Field(...)
    current_price: float = Field(...)
    current_positions: list[MainnetPosition] = Field(...)
    inventory_remaining: Optional[dict] = Field(None)  # type: ignore[type-arg]
    rebalances_so_far: int = Field(0)
    tick_spacing: int = Field(200)
    accepted: bool = Field(True)
    refusal_reason: Optional[str] = Field(None)
    desired_positions: Optional[list[MainnetPosition]] = Field(None)
    miner_metadata: Optional[MainnetMinerMetadata] = Field(None)

    def deserialize(self) -> "RebalanceQuery":
        return self


MainnetRebalanceQuery = RebalanceQuery
"""Alias so tests can import it beside our own `RebalanceQuery` without a name clash."""
