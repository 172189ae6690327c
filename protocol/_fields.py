"""Field-level checks of a miner answer; each returns the clean value or a `Rejection`.

Written so that no input can make them raise: every value is type-checked with `type(x) is`
before it is used, strings are length-checked before they are scanned, and values are never
`repr`-ed whole (a huge int's repr raises, a deep list's repr recurses).
"""

from protocol.decisions import MAX_TICK, MIN_TICK, ReasonCode, Rejection

UINT256_LIMIT = 2**256
"""Allocations must be below this (the contracts store amounts as uint256)."""

MISSING: object = object()
"""Sentinel for an absent key (distinct from an explicit JSON null)."""

_PREVIEW_CHARS = 40


def describe(value: object) -> str:
    """A short, safe description of any value for a rejection message."""
    if value is MISSING:
        return "nothing"
    if type(value) is int:
        if value.bit_length() > 64:
            return f"an integer of {value.bit_length()} bits"
        return f"int {value}"
    if type(value) is str:
        preview = repr(value[:_PREVIEW_CHARS])
        suffix = f"... ({len(value)} chars)" if len(value) > _PREVIEW_CHARS else ""
        return f"str {preview}{suffix}"
    if type(value) in (bool, float) or value is None:
        return repr(value)
    return f"a value of type {type(value).__name__}"


def reject(
    code: ReasonCode, message: str, index: int | None = None, field: str | None = None
) -> Rejection:
    """Build a rejection whose message names the position index and field when given."""
    where = f"position {index}: " if index is not None else ""
    return Rejection(code=code, message=where + message, position_index=index, field=field)


def parse_tick(index: int, name: str, value: object, tick_spacing: int) -> int | Rejection:
    """A tick must be a JSON integer (not bool) in [MIN_TICK, MAX_TICK] and on the spacing."""
    if value is MISSING:
        return reject(ReasonCode.MALFORMED, f"{name} is missing", index, name)
    if type(value) is not int:
        return reject(
            ReasonCode.TICK_NOT_INTEGER,
            f"{name} must be an integer, got {describe(value)}",
            index,
            name,
        )
    if not MIN_TICK <= value <= MAX_TICK:
        return reject(
            ReasonCode.TICK_OUT_OF_BOUNDS,
            f"{name}={describe(value)} outside [{MIN_TICK}, {MAX_TICK}]",
            index,
            name,
        )
    if value % tick_spacing != 0:
        return reject(
            ReasonCode.TICK_NOT_ON_SPACING,
            f"{name}={value} is not a multiple of the tick spacing {tick_spacing}",
            index,
            name,
        )
    return value


def _is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only (str.isdigit alone accepts other scripts' digits)."""
    return text.isascii() and text.isdigit()


def parse_amount(index: int, name: str, value: object, max_digits: int) -> int | Rejection:
    """An allocation: raw token units as a plain decimal digit string, below 2**256.

    No sign, exponent, fraction, hex prefix, whitespace or underscore. The length is checked
    before anything scans the string, so a megabyte of text costs nothing.
    """
    if value is MISSING:
        return reject(ReasonCode.MALFORMED, f"{name} is missing", index, name)
    if type(value) is not str:
        return reject(
            ReasonCode.MALFORMED,
            f"{name} must be a decimal string, got {describe(value)}",
            index,
            name,
        )
    if len(value) > max_digits:
        return reject(
            ReasonCode.ABSURD_SIZE,
            f"{name} has {len(value)} characters, at most {max_digits} digits allowed",
            index,
            name,
        )
    if value.startswith("-") and _is_ascii_digits(value[1:]):
        return reject(ReasonCode.NEGATIVE_AMOUNT, f"{name}={describe(value)} is negative", index, name)
    if not _is_ascii_digits(value):
        return reject(
            ReasonCode.NON_INTEGER_AMOUNT,
            f"{name}={describe(value)} is not a plain decimal integer",
            index,
            name,
        )
    amount = int(value)
    if amount >= UINT256_LIMIT:
        return reject(ReasonCode.ABSURD_SIZE, f"{name} is not below 2**256", index, name)
    return amount


def parse_confidence(index: int, value: object) -> float | None | Rejection:
    """Confidence: absent/null, or a finite number in [0, 1] (bool is not a number here)."""
    if value is MISSING or value is None:
        return None
    if type(value) is not int and type(value) is not float:
        return reject(
            ReasonCode.BAD_CONFIDENCE,
            f"confidence must be a number, got {describe(value)}",
            index,
            "confidence",
        )
    # Compare before converting: float() of a huge int overflows; NaN fails both comparisons.
    if not 0 <= value <= 1:
        return reject(
            ReasonCode.BAD_CONFIDENCE,
            f"confidence={describe(value)} is not in [0, 1]",
            index,
            "confidence",
        )
    return float(value)


def parse_refusal_reason(value: object, max_chars: int) -> str | None | Rejection:
    """refusal_reason: absent/null or a string of at most `max_chars` characters."""
    if value is MISSING or value is None:
        return None
    if type(value) is not str:
        return reject(
            ReasonCode.MALFORMED,
            f"refusal_reason must be a string, got {describe(value)}",
            field="refusal_reason",
        )
    if len(value) > max_chars:
        return reject(
            ReasonCode.OVERSIZED_FIELD,
            f"refusal_reason has {len(value)} characters, at most {max_chars} allowed",
            field="refusal_reason",
        )
    return value
