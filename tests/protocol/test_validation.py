"""validate_answer: one test per decision and per rejection reason (DESIGN section 5)."""

import json

import pytest

from protocol import (
    MAX_TICK,
    MIN_TICK,
    AnswerContext,
    AnswerLimits,
    InvalidAnswer,
    InvalidContext,
    Keep,
    Position,
    PositionSpec,
    ReasonCode,
    Rebalance,
    Refuse,
    Rejection,
    validate_answer,
)

CURRENT = (PositionSpec(-600, 600, 10**18, 2 * 10**9), PositionSpec(600, 1200, 0, 5 * 10**8))
CONTEXT = AnswerContext(
    tick_spacing=60, inventory0=10**18, inventory1=3 * 10**9, current_positions=CURRENT, max_positions=4
)


def position(
    lower: object = -120, upper: object = 120, a0: object = "1000", a1: object = "2000", **extra: object
) -> dict[str, object]:
    return {"tick_lower": lower, "tick_upper": upper, "allocation0": a0, "allocation1": a1, **extra}


def answer(*positions: object, **fields: object) -> dict[str, object]:
    return {"accepted": True, "desired_positions": list(positions), **fields}


def rejected(decision: object, code: ReasonCode) -> Rejection:
    assert isinstance(decision, Rejection), decision
    assert decision.code is code, decision
    return decision


def test_new_valid_positions_give_a_rebalance_with_exact_ints_in_the_miners_order() -> None:
    decision = validate_answer(
        answer(position(60, 180, "5", "0", confidence=0.25), position(-120, 120, "0", str(3 * 10**9))),
        CONTEXT,
    )
    assert decision == Rebalance(
        positions=(PositionSpec(60, 180, 5, 0, 0.25), PositionSpec(-120, 120, 0, 3 * 10**9, None))
    )


def test_current_positions_in_another_order_give_keep_whatever_the_confidence() -> None:
    desired = [
        position(600, 1200, "0", str(5 * 10**8), confidence=0.9),
        position(-600, 600, str(10**18), str(2 * 10**9)),
    ]
    assert validate_answer(answer(*desired), CONTEXT) == Keep()


def test_keep_is_exact_a_one_unit_difference_is_a_rebalance() -> None:
    desired = [position(600, 1200, "0", str(5 * 10**8 - 1)), position(-600, 600, str(10**18), str(2 * 10**9))]
    assert isinstance(validate_answer(answer(*desired), CONTEXT), Rebalance)


def test_an_empty_list_withdraws_everything_and_is_a_rebalance() -> None:
    assert validate_answer(answer(), CONTEXT) == Rebalance(positions=())


def test_an_empty_list_without_current_positions_is_keep() -> None:
    context = AnswerContext(tick_spacing=1, inventory0=0, inventory1=0)
    assert validate_answer(answer(), context) == Keep()


def test_accepted_false_is_a_refusal_with_its_reason() -> None:
    assert validate_answer({"accepted": False, "refusal_reason": "busy"}, CONTEXT) == Refuse("busy")
    assert validate_answer({"accepted": False}, CONTEXT) == Refuse(None)


def test_a_refusal_wins_over_garbage_positions() -> None:
    decision = validate_answer({"accepted": False, "desired_positions": "junk"}, CONTEXT)
    assert decision == Refuse(None)


@pytest.mark.parametrize("raw", [{}, {"accepted": True}, {"desired_positions": None}])
def test_missing_or_null_desired_positions_is_no_answer(raw: dict[str, object]) -> None:
    rejected(validate_answer(raw, CONTEXT), ReasonCode.NO_ANSWER)


@pytest.mark.parametrize("raw", [None, 5, [], "[]", "not json", b"\xff\xfe", "[" * 50_000, "{} {}"])
def test_a_non_object_answer_is_malformed(raw: object) -> None:
    rejected(validate_answer(raw, CONTEXT), ReasonCode.MALFORMED)


@pytest.mark.parametrize("accepted", ["false", 0, None, 1.0])
def test_accepted_must_be_a_bool(accepted: object) -> None:
    decision = rejected(validate_answer({"accepted": accepted}, CONTEXT), ReasonCode.MALFORMED)
    assert decision.field == "accepted"


def test_json_text_and_bytes_are_decoded() -> None:
    raw = answer(position())
    for text in (json.dumps(raw), json.dumps(raw).encode()):
        assert isinstance(validate_answer(text, CONTEXT), Rebalance)


def test_oversized_json_is_rejected_before_parsing() -> None:
    text = json.dumps({"refusal_reason": "x" * 1_000_000})
    rejected(validate_answer(text, CONTEXT), ReasonCode.OVERSIZED_FIELD)


def test_an_oversized_refusal_reason_is_rejected_even_when_refusing() -> None:
    raw = {"accepted": False, "refusal_reason": "x" * 1025}
    decision = rejected(validate_answer(raw, CONTEXT), ReasonCode.OVERSIZED_FIELD)
    assert decision.field == "refusal_reason"


def test_a_refusal_reason_that_is_not_a_string_is_malformed() -> None:
    rejected(validate_answer({"accepted": False, "refusal_reason": 5}, CONTEXT), ReasonCode.MALFORMED)


def test_desired_positions_must_be_a_list() -> None:
    decision = rejected(validate_answer({"desired_positions": {"0": 1}}, CONTEXT), ReasonCode.MALFORMED)
    assert decision.field == "desired_positions"


def test_more_than_max_positions_is_too_many() -> None:
    decision = validate_answer(answer(*[position()] * 5), CONTEXT)
    rejected(decision, ReasonCode.TOO_MANY_POSITIONS)


def test_ten_thousand_garbage_positions_are_rejected_by_count_alone() -> None:
    decision = validate_answer({"desired_positions": [object()] * 10_000}, CONTEXT)
    rejected(decision, ReasonCode.TOO_MANY_POSITIONS)


@pytest.mark.parametrize("item", [None, 5, "pos", [1, 2, 3, 4]])
def test_a_position_that_is_not_an_object_is_malformed_and_located(item: object) -> None:
    decision = rejected(validate_answer(answer(position(), item), CONTEXT), ReasonCode.MALFORMED)
    assert decision.position_index == 1 and "position 1" in decision.message


@pytest.mark.parametrize("missing", ["tick_lower", "tick_upper", "allocation0", "allocation1"])
def test_a_missing_position_field_is_malformed_and_named(missing: str) -> None:
    item = position()
    del item[missing]
    decision = rejected(validate_answer(answer(item), CONTEXT), ReasonCode.MALFORMED)
    assert decision.field == missing and missing in decision.message


@pytest.mark.parametrize("tick", [True, False, 60.0, "60", None, [60]])
def test_a_tick_that_is_not_an_integer_is_rejected(tick: object) -> None:
    decision = rejected(validate_answer(answer(position(lower=tick)), CONTEXT), ReasonCode.TICK_NOT_INTEGER)
    assert decision.position_index == 0 and decision.field == "tick_lower"


@pytest.mark.parametrize(
    ("lower", "upper", "field"),
    [(MIN_TICK - 8, 0, "tick_lower"), (0, MAX_TICK + 8, "tick_upper"), (-(10**100), 0, "tick_lower")],
)
def test_a_tick_outside_the_pool_range_is_out_of_bounds(lower: int, upper: int, field: str) -> None:
    context = AnswerContext(tick_spacing=1, inventory0=10**6, inventory1=10**6)
    decision = rejected(validate_answer(answer(position(lower, upper)), context), ReasonCode.TICK_OUT_OF_BOUNDS)
    assert decision.field == field


def test_the_extreme_ticks_themselves_are_allowed() -> None:
    context = AnswerContext(tick_spacing=1, inventory0=10**6, inventory1=10**6)
    assert isinstance(validate_answer(answer(position(MIN_TICK, MAX_TICK)), context), Rebalance)


@pytest.mark.parametrize(("lower", "upper", "field"), [(-100, 120, "tick_lower"), (-120, 130, "tick_upper")])
def test_a_tick_off_the_spacing_is_rejected(lower: int, upper: int, field: str) -> None:
    decision = validate_answer(answer(position(lower, upper)), CONTEXT)
    assert rejected(decision, ReasonCode.TICK_NOT_ON_SPACING).field == field


@pytest.mark.parametrize(("lower", "upper"), [(120, 120), (180, 120)])
def test_lower_must_be_below_upper(lower: int, upper: int) -> None:
    rejected(validate_answer(answer(position(lower, upper)), CONTEXT), ReasonCode.LOWER_NOT_BELOW_UPPER)


@pytest.mark.parametrize("amount", ["-5", "-0", "-1000000000000000000"])
def test_a_negative_amount_is_rejected(amount: str) -> None:
    decision = validate_answer(answer(position(a1=amount)), CONTEXT)
    assert rejected(decision, ReasonCode.NEGATIVE_AMOUNT).field == "allocation1"


@pytest.mark.parametrize(
    "amount", ["1e18", "0x10", " 12 ", "12 ", "1.5", "1_000", "+5", "", "NaN", "inf", "١٢", "²", "--5", "-1e3"]
)
def test_an_amount_that_is_not_a_plain_decimal_integer_is_rejected(amount: str) -> None:
    decision = validate_answer(answer(position(a0=amount)), CONTEXT)
    assert rejected(decision, ReasonCode.NON_INTEGER_AMOUNT).field == "allocation0"


@pytest.mark.parametrize("amount", [5, 5.0, None, True, ["5"]])
def test_an_amount_that_is_not_a_string_is_malformed(amount: object) -> None:
    decision = validate_answer(answer(position(a0=amount)), CONTEXT)
    assert rejected(decision, ReasonCode.MALFORMED).field == "allocation0"


@pytest.mark.parametrize("amount", [str(2**256), "9" * 78, "1" * 79, "7" * 1_000_000])
def test_an_absurdly_large_amount_is_rejected(amount: str) -> None:
    rejected(validate_answer(answer(position(a0=amount)), CONTEXT), ReasonCode.ABSURD_SIZE)


def test_the_largest_uint256_amount_passes_the_amount_rule() -> None:
    context = AnswerContext(tick_spacing=60, inventory0=2**256, inventory1=10**6)
    decision = validate_answer(answer(position(a0=str(2**256 - 1))), context)
    assert isinstance(decision, Rebalance) and decision.positions[0].allocation0 == 2**256 - 1


def test_leading_zeros_are_a_plain_decimal_integer() -> None:
    decision = validate_answer(answer(position(a0="000123")), CONTEXT)
    assert isinstance(decision, Rebalance) and decision.positions[0].allocation0 == 123


@pytest.mark.parametrize(("token", "field"), [(0, "allocation0"), (1, "allocation1")])
def test_allocations_summing_above_the_inventory_are_rejected(token: int, field: str) -> None:
    available = (CONTEXT.inventory0, CONTEXT.inventory1)[token]
    half_plus_one = str(available // 2 + 1)
    amounts = {"a0": "0", "a1": "0", ("a0", "a1")[token]: half_plus_one}
    decision = validate_answer(answer(position(**amounts), position(180, 240, **amounts)), CONTEXT)
    assert rejected(decision, ReasonCode.ALLOCATION_ABOVE_INVENTORY).field == field


def test_allocations_exactly_equal_to_the_inventory_are_allowed() -> None:
    raw = answer(position(a0=str(CONTEXT.inventory0), a1=str(CONTEXT.inventory1)))
    assert isinstance(validate_answer(raw, CONTEXT), Rebalance)


@pytest.mark.parametrize("confidence", [-0.01, 1.01, float("nan"), float("inf"), True, "0.5", 10**400, [0.5]])
def test_a_confidence_outside_zero_to_one_or_not_a_number_is_rejected(confidence: object) -> None:
    decision = validate_answer(answer(position(confidence=confidence)), CONTEXT)
    assert rejected(decision, ReasonCode.BAD_CONFIDENCE).field == "confidence"


@pytest.mark.parametrize("confidence", [0, 1, 0.0, 1.0, 0.5, None])
def test_a_confidence_in_zero_to_one_or_null_is_kept_as_float(confidence: object) -> None:
    decision = validate_answer(answer(position(confidence=confidence)), CONTEXT)
    assert isinstance(decision, Rebalance)
    expected = None if confidence is None else float(confidence)  # type: ignore[arg-type]
    assert decision.positions[0].confidence == expected


def test_the_first_bad_position_is_the_one_reported() -> None:
    raw = answer(position(), position(lower=61), position(upper=True))
    decision = rejected(validate_answer(raw, CONTEXT), ReasonCode.TICK_NOT_ON_SPACING)
    assert decision.position_index == 1


def test_a_synapse_with_position_models_is_read_like_the_dict() -> None:
    from protocol.synapse import RebalanceQuery

    query = RebalanceQuery(
        job_id="j", sn_liquidity_manager_address="v", pair_address="p", round_id="r",
        round_type="evaluation", block_number=1, current_price=1.0, current_positions=[],
        desired_positions=[Position(tick_lower=-60, tick_upper=60, allocation0="1", allocation1="2")],
    )
    assert validate_answer(query, CONTEXT) == Rebalance(positions=(PositionSpec(-60, 60, 1, 2),))


def test_position_spec_round_trips_through_the_wire_model() -> None:
    spec = PositionSpec(-60, 60, 2**200, 0, 0.5)
    decision = validate_answer(answer(spec.to_wire().model_dump()), AnswerContext(60, 2**201, 0))
    assert decision == Rebalance(positions=(spec,))


def test_a_rejection_converts_to_an_invalid_answer_exception() -> None:
    decision = rejected(validate_answer({"desired_positions": 1}, CONTEXT), ReasonCode.MALFORMED)
    error = InvalidAnswer(decision)
    assert error.code is ReasonCode.MALFORMED and "malformed" in str(error)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tick_spacing": 0, "inventory0": 0, "inventory1": 0},
        {"tick_spacing": True, "inventory0": 0, "inventory1": 0},
        {"tick_spacing": 1, "inventory0": -1, "inventory1": 0},
        {"tick_spacing": 1, "inventory0": 0, "inventory1": 0, "max_positions": -1},
        {"tick_spacing": 1, "inventory0": 0, "inventory1": 0, "current_positions": ({"tick_lower": 0},)},
    ],
)
def test_an_impossible_context_raises_invalid_context(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidContext):
        AnswerContext(**kwargs)  # type: ignore[arg-type]


def test_impossible_limits_raise_invalid_context() -> None:
    with pytest.raises(InvalidContext):
        AnswerLimits(max_amount_digits=0)
