"""Validator side: turn any raw miner answer into a clean `Decision`, never an exception.

Usage::

    context = AnswerContext(tick_spacing=60, inventory0=10**18, inventory1=3_000 * 10**6,
                            current_positions=current, max_positions=5)
    decision = validate_answer(synapse_after_call, context)   # or a dict, or JSON text
    match decision:
        case Refuse(reason): ...      # accepted=False: drop for the round, no penalty
        case Keep(): ...              # desired == current (order-insensitive)
        case Rebalance(positions): ...
        case Rejection(code, message): ...   # keep positions, record code

Rules (DESIGN section 5), checked in this order, first failure wins:

1. The answer is a `RebalanceQuery` (or any pydantic model), a dict, or JSON text of at most
   `limits.max_json_chars` characters holding an object; a failed call (dendrite status not
   200) is `NO_ANSWER`.
2. `accepted` is a bool (default True); `refusal_reason` is null or a string of at most
   `limits.max_reason_chars`. `accepted=False` gives `Refuse`.
3. `desired_positions` null or absent gives `NO_ANSWER`; otherwise a list of at most
   `max_positions` objects.
4. Per position: ticks are integers (bool is not) in [MIN_TICK, MAX_TICK], multiples of
   `tick_spacing`, lower < upper; allocations are decimal digit strings (no sign, exponent,
   fraction, spaces), at most `limits.max_amount_digits` long and below 2**256; confidence is
   null or a number in [0, 1].
5. Same ticks and allocations as `current_positions` (as a multiset) gives `Keep`.
6. The allocations of each token sum to at most the inventory available (raw units).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from protocol._fields import (
    MISSING,
    describe,
    parse_amount,
    parse_confidence,
    parse_refusal_reason,
    parse_tick,
    reject,
)
from protocol.decisions import (
    Decision,
    Keep,
    PositionSpec,
    ReasonCode,
    Rebalance,
    Refuse,
    Rejection,
)
from protocol.errors import InvalidContext

Fields = Mapping[str, object]
"""Top-level or position fields of an answer (JSON object or a pydantic model's values)."""

DEFAULT_MAX_POSITIONS = 10
"""Default cap on desired positions per answer (enough for laddered ranges)."""

_STATUS_PREVIEW_CHARS = 200


@dataclass(frozen=True, slots=True)
class AnswerLimits:
    """Size bounds that keep hostile answers cheap to reject.

    `max_amount_digits`: characters of an allocation string (78 digits hold any uint256).
    `max_reason_chars`: characters of `refusal_reason`.
    `max_json_chars`: characters (or bytes) of an answer given as JSON text.
    """

    max_amount_digits: int = 78
    max_reason_chars: int = 1024
    max_json_chars: int = 262_144

    def __post_init__(self) -> None:
        for name in ("max_amount_digits", "max_reason_chars", "max_json_chars"):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise InvalidContext(f"{name} must be a positive int, got {value!r}")


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """What the validator knows when it reads one miner's answer.

    `inventory0` / `inventory1`: raw token units the desired positions may use in total
    (for a rebalance: idle tokens plus what burning the current positions returns).
    `current_positions`: that miner's positions as sent in the query (for keep detection).
    """

    tick_spacing: int
    inventory0: int
    inventory1: int
    current_positions: tuple[PositionSpec, ...] = ()
    max_positions: int = DEFAULT_MAX_POSITIONS
    limits: AnswerLimits = field(default_factory=AnswerLimits)

    def __post_init__(self) -> None:
        _require_int("tick_spacing", self.tick_spacing, minimum=1)
        _require_int("inventory0", self.inventory0, minimum=0)
        _require_int("inventory1", self.inventory1, minimum=0)
        _require_int("max_positions", self.max_positions, minimum=0)
        if not all(type(p) is PositionSpec for p in self.current_positions):
            raise InvalidContext("current_positions must hold PositionSpec values")


def _require_int(name: str, value: object, *, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise InvalidContext(f"{name} must be an int >= {minimum}, got {value!r}")


def validate_answer(answer: object, context: AnswerContext) -> Decision:
    """Decide what a miner's answer means (see the module docstring for the rules).

    Never raises for any answer: a RebalanceQuery after the call, a dict of the response
    fields, JSON text, or any JSON-like garbage.
    """
    body = _as_fields(answer, context.limits)
    if isinstance(body, Rejection):
        return body
    return _decide(body, context)


def _as_fields(answer: object, limits: AnswerLimits) -> Fields | Rejection:
    """The answer's top-level fields as a dict, or why there are none."""
    if isinstance(answer, dict):
        return answer
    if isinstance(answer, BaseModel):
        fields: Fields = vars(answer)
        return _transport_failure(fields) or fields
    if isinstance(answer, (str, bytes, bytearray)):
        return _parse_json(answer, limits.max_json_chars)
    return reject(ReasonCode.MALFORMED, f"answer must be an object, got {describe(answer)}")


def _transport_failure(fields: Fields) -> Rejection | None:
    """NO_ANSWER when the synapse records a failed call (dendrite status set and not 200)."""
    terminal = fields.get("dendrite")
    if not isinstance(terminal, BaseModel):
        return None
    status = vars(terminal).get("status_code")
    if type(status) is not int or status == 200:
        return None
    message = vars(terminal).get("status_message")
    # repr() escapes newlines and control characters: the text comes from the remote side.
    text = repr(message[:_STATUS_PREVIEW_CHARS]) if type(message) is str else "no message"
    return reject(ReasonCode.NO_ANSWER, f"the call failed with status {status}: {text}")


def _parse_json(text: str | bytes | bytearray, max_chars: int) -> Fields | Rejection:
    """Decode JSON text after a size check; deep nesting and bad encodings are MALFORMED."""
    if len(text) > max_chars:
        return reject(
            ReasonCode.OVERSIZED_FIELD,
            f"answer has {len(text)} characters, at most {max_chars} allowed",
        )
    try:
        value: object = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, nesting
        return reject(ReasonCode.MALFORMED, f"answer is not valid JSON ({type(exc).__name__})")
    if not isinstance(value, dict):
        return reject(ReasonCode.MALFORMED, f"answer must be a JSON object, got {describe(value)}")
    return value


def _decide(body: Fields, context: AnswerContext) -> Decision:
    accepted = body.get("accepted", True)
    if type(accepted) is not bool:
        return reject(
            ReasonCode.MALFORMED,
            f"accepted must be a bool, got {describe(accepted)}",
            field="accepted",
        )
    reason = parse_refusal_reason(body.get("refusal_reason", MISSING), context.limits.max_reason_chars)
    if isinstance(reason, Rejection):
        return reason
    if not accepted:
        return Refuse(reason=reason)
    desired = body.get("desired_positions")
    if desired is None:
        return reject(ReasonCode.NO_ANSWER, "desired_positions is null", field="desired_positions")
    positions = _parse_positions(desired, context)
    if isinstance(positions, Rejection):
        return positions
    if _same_positions(positions, context.current_positions):
        return Keep()
    return _over_inventory(positions, context) or Rebalance(positions=positions)


def _parse_positions(desired: object, context: AnswerContext) -> tuple[PositionSpec, ...] | Rejection:
    """Length first (10,000 items cost nothing), then each position in order."""
    if not isinstance(desired, (list, tuple)):
        return reject(
            ReasonCode.MALFORMED,
            f"desired_positions must be a list, got {describe(desired)}",
            field="desired_positions",
        )
    if len(desired) > context.max_positions:
        return reject(
            ReasonCode.TOO_MANY_POSITIONS,
            f"{len(desired)} desired positions, at most {context.max_positions} allowed",
            field="desired_positions",
        )
    specs: list[PositionSpec] = []
    for index, item in enumerate(desired):
        spec = _parse_position(index, item, context)
        if isinstance(spec, Rejection):
            return spec
        specs.append(spec)
    return tuple(specs)


def _parse_position(index: int, item: object, context: AnswerContext) -> PositionSpec | Rejection:
    fields = _position_fields(item)
    if fields is None:
        return reject(ReasonCode.MALFORMED, f"must be an object, got {describe(item)}", index)
    lower = parse_tick(index, "tick_lower", fields.get("tick_lower", MISSING), context.tick_spacing)
    if isinstance(lower, Rejection):
        return lower
    upper = parse_tick(index, "tick_upper", fields.get("tick_upper", MISSING), context.tick_spacing)
    if isinstance(upper, Rejection):
        return upper
    if lower >= upper:
        return reject(
            ReasonCode.LOWER_NOT_BELOW_UPPER,
            f"tick_lower={lower} is not below tick_upper={upper}",
            index,
            "tick_lower",
        )
    return _with_amounts(index, fields, lower, upper, context.limits.max_amount_digits)


def _with_amounts(
    index: int, fields: Fields, lower: int, upper: int, max_digits: int
) -> PositionSpec | Rejection:
    amount0 = parse_amount(index, "allocation0", fields.get("allocation0", MISSING), max_digits)
    if isinstance(amount0, Rejection):
        return amount0
    amount1 = parse_amount(index, "allocation1", fields.get("allocation1", MISSING), max_digits)
    if isinstance(amount1, Rejection):
        return amount1
    confidence = parse_confidence(index, fields.get("confidence", MISSING))
    if isinstance(confidence, Rejection):
        return confidence
    return PositionSpec(lower, upper, amount0, amount1, confidence)


def _position_fields(item: object) -> Fields | None:
    """A position's fields: a JSON object or a pydantic `Position` (already type-checked)."""
    if isinstance(item, dict):
        return item
    if isinstance(item, BaseModel):
        fields: Fields = vars(item)
        return fields
    return None


def _same_positions(desired: Sequence[PositionSpec], current: Sequence[PositionSpec]) -> bool:
    """Keep detection: equal ticks and allocations as multisets (order and confidence ignored)."""
    if len(desired) != len(current):
        return False
    return sorted(p.key() for p in desired) == sorted(p.key() for p in current)


def _over_inventory(positions: Sequence[PositionSpec], context: AnswerContext) -> Rejection | None:
    """Reject when a token's allocations add up to more than the inventory available."""
    totals = (
        ("allocation0", sum(p.allocation0 for p in positions), context.inventory0),
        ("allocation1", sum(p.allocation1 for p in positions), context.inventory1),
    )
    for name, total, available in totals:
        if total > available:
            return reject(
                ReasonCode.ALLOCATION_ABOVE_INVENTORY,
                f"{name} sums to {total} raw units, only {available} available",
                field=name,
            )
    return None
