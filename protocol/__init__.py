"""SN98 wire contract: pydantic models, the `RebalanceQuery` synapse, and answer validation.

`RebalanceQuery` is loaded on first access (`protocol.RebalanceQuery` or
`from protocol import RebalanceQuery`), because it is the only name that needs bittensor:
importing bittensor takes ~0.6 s, starts threads and mutes existing loggers, and the
models and the validation layer are useful without it (simulator tools, offline miners).
"""

from typing import TYPE_CHECKING

from protocol.decisions import (
    MAX_TICK,
    MIN_TICK,
    Decision,
    Keep,
    PositionSpec,
    ReasonCode,
    Rebalance,
    Refuse,
    Rejection,
)
from protocol.errors import InvalidAnswer, InvalidContext, ProtocolError
from protocol.models import Inventory, MinerMetadata, Position
from protocol.validation import (
    DEFAULT_MAX_POSITIONS,
    AnswerContext,
    AnswerLimits,
    validate_answer,
)

if TYPE_CHECKING:
    from protocol.synapse import RebalanceQuery

__all__ = [
    "DEFAULT_MAX_POSITIONS",
    "MAX_TICK",
    "MIN_TICK",
    "AnswerContext",
    "AnswerLimits",
    "Decision",
    "InvalidAnswer",
    "InvalidContext",
    "Inventory",
    "Keep",
    "MinerMetadata",
    "Position",
    "PositionSpec",
    "ProtocolError",
    "ReasonCode",
    "Rebalance",
    "RebalanceQuery",
    "Refuse",
    "Rejection",
    "validate_answer",
]


def __getattr__(name: str) -> object:
    """Import the bittensor-backed synapse only when it is asked for."""
    if name == "RebalanceQuery":
        from protocol.synapse import RebalanceQuery

        return RebalanceQuery
    raise AttributeError(f"module 'protocol' has no attribute {name!r}")
