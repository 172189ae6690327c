"""Hypothesis: validate_answer never raises, and whatever it accepts obeys every rule."""

import json
import math
from collections import Counter

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from protocol import (
    MAX_TICK,
    MIN_TICK,
    AnswerContext,
    Keep,
    Position,
    PositionSpec,
    ReasonCode,
    Rebalance,
    Refuse,
    Rejection,
    validate_answer,
)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TRICKY_STRINGS = st.sampled_from(
    ["1e18", "-5", "0x10", " 12 ", "12", "0", "", "NaN", "inf", "-0", "1.0", "+1", "١٢", "²",
     str(2**256), str(2**256 - 1), str(2**200), "9" * 79, "0" * 78, "\x00", "💰", "true", "null"]
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e30, -1e30, 0.5, 60.0])
INTEGERS = (
    st.integers()
    | st.sampled_from([0, 1, -1, 60, MIN_TICK, MAX_TICK, MIN_TICK - 1, MAX_TICK + 1, 2**256, -(2**300)])
    # beyond Python's 4,300-digit str limit: repr() of these raises, so nothing may print them
    | st.integers(4301, 6000).map(lambda digits: 10**digits)
)
SCALARS = st.none() | st.booleans() | INTEGERS | FLOATS | st.text(max_size=30) | TRICKY_STRINGS
JSON_LIKE = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def on_grid_tick(spacing: int) -> st.SearchStrategy[int]:
    """Ticks that pass every tick rule on their own."""
    return st.integers(-(MAX_TICK // spacing), MAX_TICK // spacing).map(lambda k: k * spacing)


def near_valid_tick(spacing: int) -> st.SearchStrategy[object]:
    return on_grid_tick(spacing) | st.integers(MIN_TICK - 5, MAX_TICK + 5) | SCALARS


VALID_AMOUNTS = st.integers(0, 10**30).map(str) | st.sampled_from(["0", "000", str(2**256 - 1)])
AMOUNTS = (
    st.integers(0, 2**256 + 5).map(str) | st.integers(-(10**20), 10**20).map(str) | TRICKY_STRINGS | SCALARS
)


@st.composite
def clean_position(draw: st.DrawFn, spacing: int) -> dict[str, object]:
    """A position that obeys every per-position rule (inventory and count are the context's)."""
    lower = draw(on_grid_tick(spacing).filter(lambda t: t < MAX_TICK - MAX_TICK % spacing))
    upper = draw(st.integers(lower // spacing + 1, MAX_TICK // spacing)) * spacing
    return {
        "tick_lower": lower,
        "tick_upper": upper,
        "allocation0": draw(VALID_AMOUNTS),
        "allocation1": draw(VALID_AMOUNTS),
        "confidence": draw(st.none() | st.floats(0.0, 1.0)),
    }


@st.composite
def dirty_position(draw: st.DrawFn, spacing: int) -> dict[str, object]:
    """Every field near-valid or junk, some fields possibly missing."""
    fields = {
        "tick_lower": draw(near_valid_tick(spacing)),
        "tick_upper": draw(near_valid_tick(spacing)),
        "allocation0": draw(AMOUNTS),
        "allocation1": draw(AMOUNTS),
        "confidence": draw(st.none() | st.floats(-0.5, 1.5) | SCALARS),
    }
    drop = draw(st.sets(st.sampled_from(sorted(fields)), max_size=2))
    return {k: v for k, v in fields.items() if k not in drop}


@st.composite
def positions(draw: st.DrawFn, spacing: int) -> object:
    shape = draw(st.sampled_from(["clean", "clean", "one_bad_field", "dirty", "model", "junk"]))
    if shape == "junk":
        return draw(JSON_LIKE)
    fields = draw(clean_position(spacing) if shape != "dirty" else dirty_position(spacing))
    if shape == "one_bad_field":
        bad = draw(dirty_position(spacing))
        name = draw(st.sampled_from(sorted(fields)))
        fields[name] = bad.get(name, draw(SCALARS))
    if shape == "model":  # a pydantic Position holding unvalidated values (model_construct)
        return Position.model_construct(**draw(dirty_position(spacing) | st.just(fields)))  # type: ignore[arg-type]
    return fields


@st.composite
def answers(draw: st.DrawFn, spacing: int) -> object:
    """Any field may be junk, the whole answer may be junk, as a dict or JSON text/bytes."""
    raw: dict[str, object] = {
        "accepted": draw(st.booleans() | SCALARS),
        "refusal_reason": draw(st.none() | st.text(max_size=40) | SCALARS),
        "desired_positions": draw(st.lists(positions(spacing), max_size=6) | st.none() | JSON_LIKE),
        "miner_metadata": draw(JSON_LIKE),
    }
    raw.update(draw(st.dictionaries(st.text(max_size=8), JSON_LIKE, max_size=3)))
    return draw(_encoded(raw) | JSON_LIKE)


@st.composite
def accepted_answers(draw: st.DrawFn, spacing: int) -> object:
    """accepted=True with a list of positions (clean, one bad field, dirty, junk)."""
    raw: dict[str, object] = {
        "accepted": True,
        "desired_positions": draw(st.lists(positions(spacing), max_size=6)),
        "miner_metadata": draw(st.none() | JSON_LIKE),
    }
    return draw(_encoded(raw))


def _encoded(raw: dict[str, object]) -> st.SearchStrategy[object]:
    text = _dumps(raw)
    return st.sampled_from([raw, text, text.encode()])


def _dumps(raw: dict[str, object]) -> str:
    def default(value: object) -> object:
        return dict(vars(value)) if isinstance(value, Position) else None

    try:
        return json.dumps(raw, default=default)
    except ValueError:  # ints beyond the str-conversion limit
        return "{}"


@st.composite
def contexts(draw: st.DrawFn) -> AnswerContext:
    spacing = draw(st.sampled_from([1, 10, 60, 200]))
    current = draw(
        st.lists(
            st.builds(
                lambda k, w, a0, a1: PositionSpec(k * spacing, (k + w) * spacing, a0, a1),
                st.integers(-1000, 1000),
                st.integers(1, 50),
                st.integers(0, 10**24),
                st.integers(0, 10**24),
            ),
            max_size=3,
        )
    )
    return AnswerContext(
        tick_spacing=spacing,
        inventory0=draw(st.integers(0, 2**257)),
        inventory1=draw(st.integers(0, 2**257)),
        current_positions=tuple(current),
        max_positions=draw(st.integers(0, 6)),
    )


def assert_obeys_rules(decision: Rebalance, context: AnswerContext) -> None:
    assert len(decision.positions) <= context.max_positions
    for p in decision.positions:
        for tick in (p.tick_lower, p.tick_upper):
            assert type(tick) is int and MIN_TICK <= tick <= MAX_TICK
            assert tick % context.tick_spacing == 0
        assert p.tick_lower < p.tick_upper
        for amount in (p.allocation0, p.allocation1):
            assert type(amount) is int and 0 <= amount < 2**256
        assert p.confidence is None or (type(p.confidence) is float and 0.0 <= p.confidence <= 1.0)
    assert sum(p.allocation0 for p in decision.positions) <= context.inventory0
    assert sum(p.allocation1 for p in decision.positions) <= context.inventory1
    assert Counter(p.key() for p in decision.positions) != Counter(p.key() for p in context.current_positions)


@FUZZ
@given(data=st.data(), context=contexts())
def test_never_raises_with_junk_anywhere_and_accepted_rebalances_obey_the_rules(
    data: st.DataObject, context: AnswerContext
) -> None:
    raw = data.draw(answers(context.tick_spacing))
    decision = validate_answer(raw, context)
    assert isinstance(decision, (Refuse, Keep, Rebalance, Rejection))
    event(type(decision).__name__ if not isinstance(decision, Rejection) else decision.code.value)
    if isinstance(decision, Rebalance):
        assert_obeys_rules(decision, context)
    if isinstance(decision, Rejection):
        assert isinstance(decision.code, ReasonCode) and isinstance(decision.message, str)
        assert len(decision.message) < 1000


@FUZZ
@given(data=st.data(), context=contexts())
def test_accepted_answers_with_near_valid_positions_obey_the_rules_when_accepted(
    data: st.DataObject, context: AnswerContext
) -> None:
    decision = validate_answer(data.draw(accepted_answers(context.tick_spacing)), context)
    event(type(decision).__name__ if not isinstance(decision, Rejection) else decision.code.value)
    assert isinstance(decision, (Keep, Rebalance, Rejection))
    if isinstance(decision, Rebalance):
        assert_obeys_rules(decision, context)


@FUZZ
@given(raw=JSON_LIKE, context=contexts())
def test_any_json_like_value_gives_a_decision(raw: object, context: AnswerContext) -> None:
    assert isinstance(validate_answer(raw, context), (Refuse, Keep, Rebalance, Rejection))


@FUZZ
@given(text=st.text(max_size=200) | st.binary(max_size=200), context=contexts())
def test_any_text_or_bytes_gives_a_decision(text: str | bytes, context: AnswerContext) -> None:
    assert isinstance(validate_answer(text, context), (Refuse, Keep, Rebalance, Rejection))


@st.composite
def valid_answers(draw: st.DrawFn, context: AnswerContext) -> tuple[PositionSpec, ...]:
    spacing = context.tick_spacing
    count = draw(st.integers(0, context.max_positions))
    specs = []
    for _ in range(count):
        lower = draw(st.integers(-(MAX_TICK // spacing), MAX_TICK // spacing - 1)) * spacing
        upper = draw(st.integers(lower // spacing + 1, MAX_TICK // spacing)) * spacing
        share = max(count, 1)
        a0 = draw(st.integers(0, min(context.inventory0 // share, 2**256 - 1)))
        a1 = draw(st.integers(0, min(context.inventory1 // share, 2**256 - 1)))
        conf = draw(st.none() | st.floats(0.0, 1.0))
        specs.append(PositionSpec(lower, upper, a0, a1, conf))
    return tuple(specs)


@FUZZ
@given(data=st.data(), context=contexts())
def test_every_valid_answer_is_accepted_with_its_exact_values(
    data: st.DataObject, context: AnswerContext
) -> None:
    specs = data.draw(valid_answers(context))
    wire = {"desired_positions": [json.loads(s.to_wire().model_dump_json()) for s in specs]}
    decision = validate_answer(json.dumps(wire), context)
    if Counter(s.key() for s in specs) == Counter(p.key() for p in context.current_positions):
        assert decision == Keep()
    else:
        assert decision == Rebalance(positions=specs)
        assert all(p.confidence is None or math.isfinite(p.confidence) for p in decision.positions)
