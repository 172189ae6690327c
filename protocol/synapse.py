"""`RebalanceQuery`, the bittensor v10 synapse of SN98 (the only protocol module that imports bittensor).

The class name and every field name are the wire format of SN98 mainnet: the validator fills
the request fields, the miner fills the response fields on the same object, and the axon sends
the whole object back as JSON. Fields added here beyond mainnet are optional with defaults, so
an old miner ignores them on the way in and omits them on the way out.

`required_hash_fields` stays empty, as on mainnet: both sides must agree on it or every call
fails with "Hash mismatch"; the consequence is that the request signature does not cover the body.
"""

import functools
from typing import ClassVar

import bittensor as bt
from pydantic import Field

from protocol.models import Inventory, MinerMetadata, Position

BASE_CHAIN_ID = 8453
ROUND_TYPES: tuple[str, ...] = ("evaluation", "live")


@functools.cache
def _required_fields(cls: type[bt.Synapse]) -> tuple[str, ...]:
    """Required field names of a synapse class, computed once per class.

    bittensor's default recomputes the JSON schema on every `to_headers()` call (both on the
    dendrite and the axon side), which costs milliseconds per query.
    """
    return tuple(cls.model_json_schema().get("required", []))


class RebalanceQuery(bt.Synapse):
    """Ask one miner what the vault's positions should be at this checkpoint.

    Request (validator fills): job and vault identity, the round, the checkpoint block, the
    pool price, that miner's current (simulated or real) positions and idle inventory.
    `current_price` is the pool's sqrtPriceX96 as a float (mainnet meaning, kept for existing
    miners); `sqrt_price_x96` (exact Q64.96 integer as a decimal string) and `tick` carry the
    exact state for new miners.

    Response (miner fills): `accepted=False` refuses the job (no penalty); otherwise
    `desired_positions` lists the positions the vault should hold: equal to `current_positions`
    means keep, `None` means no answer. Amounts are raw token units as decimal strings.
    """

    required_hash_fields: ClassVar[tuple[str, ...]] = ()

    # Job context
    job_id: str = Field(..., description="Job identifier")
    sn_liquidity_manager_address: str = Field(..., description="Vault managing the liquidity")
    pair_address: str = Field(..., description="Pool address")
    chain_id: int = Field(BASE_CHAIN_ID, description="Chain ID (Base = 8453)")
    round_id: str = Field(..., description="Round identifier")
    round_type: str = Field(..., description="Round type: 'evaluation' or 'live'")

    # Simulation state
    block_number: int = Field(..., description="Current block number in simulation")
    current_price: float = Field(
        ..., description="Pool sqrtPriceX96 as a float (mainnet meaning); exact value in sqrt_price_x96"
    )
    current_positions: list[Position] = Field(..., description="Current LP positions")
    inventory_remaining: Inventory | None = Field(
        None, description="Available tokens (amount0, amount1), raw units as decimal strings"
    )
    rebalances_so_far: int = Field(0, description="Number of rebalances executed so far")
    tick_spacing: int = Field(
        200, description="Pool tick spacing (ticks of desired positions must be multiples of it)"
    )

    # Exact pool state for new miners (optional: absent for and from old miners)
    sqrt_price_x96: str | None = Field(
        None, description="Exact pool sqrtPriceX96 (Q64.96) as a decimal string"
    )
    tick: int | None = Field(None, description="Exact current pool tick")

    # Response fields (outputs from miner)
    accepted: bool = Field(True, description="Whether miner accepts this job")
    refusal_reason: str | None = Field(None, description="Reason for refusal if declined")
    desired_positions: list[Position] | None = Field(
        None,
        description="Positions desired to be live. Return current_positions to keep them; "
        "None means no answer.",
    )
    miner_metadata: MinerMetadata | None = Field(None, description="Miner metadata")

    def get_required_fields(self) -> list[str]:
        """Required field names, cached per class (see `_required_fields`)."""
        return list(_required_fields(type(self)))

    def deserialize(self) -> "RebalanceQuery":
        """Return the synapse itself: the caller reads the response fields from it."""
        return self
