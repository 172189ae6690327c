"""The wire models match SN98 mainnet's names, types and defaults, and reject what is not the contract."""

import pytest
from pydantic import BaseModel, ValidationError

from protocol import Inventory, MinerMetadata, Position
from tests.protocol.mainnet_shape import MainnetMinerMetadata, MainnetPosition

MAINNET_PAIRS: list[tuple[type[BaseModel], type[BaseModel]]] = [
    (Position, MainnetPosition),
    (MinerMetadata, MainnetMinerMetadata),
]


@pytest.mark.parametrize(("ours", "mainnet"), MAINNET_PAIRS)
def test_model_has_mainnet_fields_with_the_same_required_flags_and_defaults(
    ours: type[BaseModel], mainnet: type[BaseModel]
) -> None:
    assert list(ours.model_fields) == list(mainnet.model_fields)
    for name, theirs in mainnet.model_fields.items():
        field = ours.model_fields[name]
        assert field.is_required() == theirs.is_required(), name
        assert field.default == theirs.default, name


def test_inventory_serializes_to_the_plain_dict_mainnet_declares() -> None:
    inventory = Inventory(amount0=str(2**255), amount1="0")
    assert inventory.model_dump() == {"amount0": str(2**255), "amount1": "0"}


def test_a_mainnet_position_json_parses_into_ours_unchanged() -> None:
    theirs = MainnetPosition(
        tick_lower=-887220, tick_upper=887220, allocation0="1" * 70, allocation1="0", confidence=0.5
    )
    ours = Position.model_validate_json(theirs.model_dump_json())
    assert ours.model_dump() == theirs.model_dump()


def test_confidence_defaults_to_none_and_accepts_a_json_integer() -> None:
    position = Position.model_validate_json(
        '{"tick_lower": 0, "tick_upper": 10, "allocation0": "1", "allocation1": "2", "confidence": 1}'
    )
    assert position.confidence == 1.0
    assert Position(tick_lower=0, tick_upper=1, allocation0="0", allocation1="0").confidence is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tick_lower", True),
        ("tick_lower", "60"),
        ("tick_upper", 60.0),
        ("allocation0", 5),
        ("allocation1", None),
    ],
)
def test_position_rejects_values_of_the_wrong_json_type(field: str, value: object) -> None:
    raw: dict[str, object] = {"tick_lower": 0, "tick_upper": 60, "allocation0": "1", "allocation1": "1"}
    raw[field] = value
    with pytest.raises(ValidationError):
        Position.model_validate(raw)


def test_position_leaves_semantic_rules_to_the_validation_layer() -> None:
    # Mainnet's Position would refuse these at construction; here validate_answer reports them.
    position = Position(tick_lower=60, tick_upper=0, allocation0="-5", allocation1="x", confidence=7.0)
    assert (position.tick_lower, position.tick_upper, position.confidence) == (60, 0, 7.0)
