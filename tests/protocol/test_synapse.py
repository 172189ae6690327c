"""RebalanceQuery keeps SN98 mainnet's wire format and adds only optional fields."""

import json

import pytest

from protocol import Inventory, Position
from protocol.synapse import BASE_CHAIN_ID, RebalanceQuery
from tests.protocol.mainnet_shape import MainnetRebalanceQuery

EXACT_EXTRAS = {"sqrt_price_x96", "tick"}

pytestmark = pytest.mark.filterwarnings(
    # bittensor 10.5's Synapse.body_hash reads model_fields on the instance
    "ignore:Accessing the 'model_fields' attribute on the instance:DeprecationWarning"
)


def make_query(**overrides: object) -> RebalanceQuery:
    fields: dict[str, object] = {
        "job_id": "job",
        "sn_liquidity_manager_address": "0x" + "11" * 20,
        "pair_address": "0x" + "22" * 20,
        "round_id": "round",
        "round_type": "live",
        "block_number": 123,
        "current_price": 7.9e28,
        "current_positions": [],
    }
    fields.update(overrides)
    return RebalanceQuery.model_validate(fields)


def test_every_mainnet_field_exists_with_the_same_required_flag_and_default() -> None:
    ours = RebalanceQuery.model_fields
    for name, theirs in MainnetRebalanceQuery.model_fields.items():
        assert name in ours, name
        assert ours[name].is_required() == theirs.is_required(), name
        assert ours[name].default == theirs.default, name


def test_fields_beyond_mainnet_are_only_the_optional_exact_state() -> None:
    extras = set(RebalanceQuery.model_fields) - set(MainnetRebalanceQuery.model_fields)
    assert extras == EXACT_EXTRAS
    for name in extras:
        assert not RebalanceQuery.model_fields[name].is_required()
        assert RebalanceQuery.model_fields[name].default is None


def test_defaults_match_mainnet_values() -> None:
    query = make_query()
    assert query.chain_id == BASE_CHAIN_ID == 8453
    assert query.rebalances_so_far == 0 and query.tick_spacing == 200
    assert query.accepted is True
    assert query.refusal_reason is None and query.desired_positions is None
    assert query.inventory_remaining is None and query.miner_metadata is None


def test_body_hash_covers_no_fields_like_mainnet() -> None:
    assert RebalanceQuery.required_hash_fields == MainnetRebalanceQuery.required_hash_fields == ()


def test_required_fields_are_cached_and_equal_bittensors_schema_answer() -> None:
    query = make_query()
    schema_required = RebalanceQuery.model_json_schema()["required"]
    assert query.get_required_fields() == schema_required
    assert make_query().get_required_fields() == schema_required


def test_headers_build_without_error_for_a_full_query() -> None:
    query = make_query(
        current_positions=[Position(tick_lower=0, tick_upper=60, allocation0="1", allocation1="2")],
        inventory_remaining=Inventory(amount0="3", amount1="4"),
    )
    headers = query.to_headers()
    assert headers["name"] == "RebalanceQuery"
    assert "bt_header_input_obj_current_positions" in headers


def test_the_wire_json_of_our_query_is_accepted_by_a_mainnet_miner_class() -> None:
    query = make_query(
        current_positions=[Position(tick_lower=0, tick_upper=60, allocation0=str(2**250), allocation1="2")],
        inventory_remaining=Inventory(amount0=str(2**201), amount1="4"),
        sqrt_price_x96=str(2**96),
        tick=0,
    )
    theirs = MainnetRebalanceQuery(**json.loads(query.model_dump_json()))
    assert theirs.inventory_remaining == {"amount0": str(2**201), "amount1": "4"}
    assert theirs.current_positions[0].allocation0 == str(2**250)


def test_a_mainnet_miner_answer_without_the_exact_fields_parses_into_ours() -> None:
    theirs = MainnetRebalanceQuery(**json.loads(make_query().model_dump_json()))
    theirs.desired_positions = []
    ours = RebalanceQuery(**json.loads(theirs.model_dump_json()))
    assert ours.desired_positions == [] and ours.sqrt_price_x96 is None and ours.tick is None


def test_deserialize_returns_the_synapse_itself() -> None:
    query = make_query()
    assert query.deserialize() is query


@pytest.mark.parametrize("value", [True, "1"])
def test_a_response_tick_that_is_not_a_json_integer_fails_to_parse(value: object) -> None:
    with pytest.raises(ValueError):
        make_query(
            desired_positions=[
                {"tick_lower": value, "tick_upper": 60, "allocation0": "1", "allocation1": "1"}
            ]
        )
