"""Values exchanged with the miner transport: who to ask, what to ask, what came back.

These carry no bittensor types, so a future transport (bittensor 11's signed HTTP) fits behind the
same interface. Amounts are exact ints (raw token units), prices Q64.96 ints.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from protocol.decisions import PositionSpec


@dataclass(frozen=True, slots=True)
class MinerEndpoint:
    """A miner as the validator addresses it; identity is the hotkey, the uid rides along."""

    uid: int
    hotkey: str
    ip: str
    port: int


@dataclass(frozen=True, slots=True)
class RebalanceRequest:
    """One query's request fields (DESIGN section 3), for one miner's own (simulated) state."""

    job_id: str
    sn_liquidity_manager_address: str
    pair_address: str
    chain_id: int
    round_id: str
    round_type: str
    block_number: int
    sqrt_price_x96: int
    tick: int
    tick_spacing: int
    current_positions: tuple[PositionSpec, ...]
    inventory0: int
    inventory1: int
    rebalances_so_far: int = 0

    def wire_fields(self) -> dict[str, Any]:
        """The request as RebalanceQuery keyword arguments. ``current_price`` keeps its mainnet
        meaning (sqrtPriceX96 as a float); the exact value travels in ``sqrt_price_x96``."""
        return {
            "job_id": self.job_id,
            "sn_liquidity_manager_address": self.sn_liquidity_manager_address,
            "pair_address": self.pair_address,
            "chain_id": self.chain_id,
            "round_id": self.round_id,
            "round_type": self.round_type,
            "block_number": self.block_number,
            "current_price": float(self.sqrt_price_x96),
            "current_positions": [p.to_wire() for p in self.current_positions],
            "inventory_remaining": {"amount0": str(self.inventory0), "amount1": str(self.inventory1)},
            "rebalances_so_far": self.rebalances_so_far,
            "tick_spacing": self.tick_spacing,
            "sqrt_price_x96": str(self.sqrt_price_x96),
            "tick": self.tick,
        }


class ReplyStatus(str, Enum):
    """How the call ended at the transport level (before the answer's content is judged)."""

    OK = "ok"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    REJECTED = "rejected"  # the axon refused us: blacklisted, bad signature, ...
    MINER_ERROR = "miner_error"  # the miner's code raised, or sent a response we could not parse
    OVERSIZED = "oversized_response"  # the response body passed the transport's size bound
    TRANSPORT_ERROR = "transport_error"


@dataclass(frozen=True, slots=True)
class MinerReply:
    """What came back from one miner. ``answer`` holds the response fields as received (a dict,
    unvalidated; validation is the protocol layer's job), or None when nothing usable came back."""

    endpoint: MinerEndpoint
    status: ReplyStatus
    elapsed_ms: int
    answer: dict[str, Any] | None = None
    status_code: int | None = None
    message: str = ""
