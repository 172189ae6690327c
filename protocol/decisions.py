"""What a miner's answer means once validated: refuse, keep, rebalance, or a rejection with a reason.

These are the values `protocol.validation.validate_answer` returns. They hold exact Python
ints (raw token units, ticks), never the wire's decimal strings, so later stages (simulation,
executor handoff, storage) do no parsing of their own.
"""

import enum
from dataclasses import dataclass

from protocol.models import Position

MIN_TICK = -887272
"""Smallest tick a Uniswap V3 / Slipstream pool accepts (TickMath.MIN_TICK)."""
MAX_TICK = 887272
"""Largest tick a Uniswap V3 / Slipstream pool accepts (TickMath.MAX_TICK)."""


class ReasonCode(enum.StrEnum):
    """Machine-readable reason an answer was not accepted; stored and logged as its value."""

    NO_ANSWER = "no_answer"
    """accepted=True but no desired_positions (or the call itself failed): keep and record."""
    MALFORMED = "malformed"
    """Not the expected shape: wrong container type, missing field, wrong field type."""
    OVERSIZED_FIELD = "oversized_field"
    """A text field (the JSON body, refusal_reason) is longer than the limit."""
    TOO_MANY_POSITIONS = "too_many_positions"
    TICK_NOT_INTEGER = "tick_not_integer"
    """A tick is not a JSON integer (a bool, float or string is not a tick)."""
    TICK_OUT_OF_BOUNDS = "tick_out_of_bounds"
    TICK_NOT_ON_SPACING = "tick_not_on_spacing"
    LOWER_NOT_BELOW_UPPER = "lower_not_below_upper"
    NEGATIVE_AMOUNT = "negative_amount"
    NON_INTEGER_AMOUNT = "non_integer_amount"
    """An allocation is not a plain decimal digit string (sign, exponent, fraction, hex, spaces)."""
    ABSURD_SIZE = "absurd_size"
    """An allocation has too many digits or is >= 2**256."""
    ALLOCATION_ABOVE_INVENTORY = "allocation_above_inventory"
    BAD_CONFIDENCE = "bad_confidence"
    """confidence is not None and not a finite number in [0, 1]."""


@dataclass(frozen=True, slots=True)
class PositionSpec:
    """A position as exact integers: ticks and allocations in raw token units.

    `confidence` is the miner's self-reported value in [0, 1] or None (informational only).
    """

    tick_lower: int
    tick_upper: int
    allocation0: int
    allocation1: int
    confidence: float | None = None

    def key(self) -> tuple[int, int, int, int]:
        """Identity for keep detection: ticks and allocations, confidence ignored."""
        return (self.tick_lower, self.tick_upper, self.allocation0, self.allocation1)

    def to_wire(self) -> Position:
        """The wire model of this position (allocations as decimal strings)."""
        return Position(
            tick_lower=self.tick_lower,
            tick_upper=self.tick_upper,
            allocation0=str(self.allocation0),
            allocation1=str(self.allocation1),
            confidence=self.confidence,
        )


@dataclass(frozen=True, slots=True)
class Refuse:
    """The miner declined the job (accepted=False). Not penalized; drops it for the round."""

    reason: str | None


@dataclass(frozen=True, slots=True)
class Keep:
    """The miner returned exactly its current positions: nothing to do."""


@dataclass(frozen=True, slots=True)
class Rebalance:
    """Burn the current positions and mint these, in the miner's order."""

    positions: tuple[PositionSpec, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """The answer is unusable: positions stay unchanged and the reason is recorded.

    `position_index` and `field` locate the offending value when there is one
    (e.g. index 2, field "tick_upper"); `message` is for humans and logs.
    """

    code: ReasonCode
    message: str
    position_index: int | None = None
    field: str | None = None


Decision = Refuse | Keep | Rebalance | Rejection
"""Every outcome of `validate_answer`."""
