"""RebalanceQuery through a real bt.Axon and bt.Dendrite on 127.0.0.1 with throw-away wallets.

No `from __future__ import annotations` here: the Axon reads the forward function's parameter
annotation as a class.
"""

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest
from bittensor_wallet import Wallet

from protocol import (
    AnswerContext,
    Inventory,
    Keep,
    MinerMetadata,
    Position,
    PositionSpec,
    ReasonCode,
    Rebalance,
    Rejection,
    validate_answer,
)
from protocol.synapse import RebalanceQuery
from tests.protocol.mainnet_shape import MainnetMinerMetadata, MainnetPosition, MainnetRebalanceQuery
from tests.support.bt_local import (
    LOOPBACK,
    loopback_dendrite,
    loopback_network,
    make_wallet,
    running_axon,
)

pytestmark = [
    # bittensor 10.5's Synapse.body_hash reads model_fields on the instance
    pytest.mark.filterwarnings(
        "ignore:Accessing the 'model_fields' attribute on the instance:DeprecationWarning"
    ),
    # Dendrite.__del__ calls the synchronous close even after aclose_session() ran
    pytest.mark.filterwarnings(
        "ignore:You are calling this from an already-running event loop:DeprecationWarning"
    ),
]

BIG = 2**200 + 12345  # beyond float and int64: must survive as an exact decimal string
SQRT_PRICE_X96 = 79228162514264337593543950336 * 3  # Q64.96, exact
ANSWER = [
    Position(tick_lower=-600, tick_upper=600, allocation0=str(BIG), allocation1="7", confidence=0.75),
    Position(tick_lower=1200, tick_upper=2400, allocation0="0", allocation1=str(BIG // 3)),
]
METADATA = MinerMetadata(version="9.9.9", model_info="wire test")


async def answer_with_positions(synapse: RebalanceQuery) -> RebalanceQuery:
    """An async forward (a synchronous one would block the whole Axon)."""
    synapse.desired_positions = [p.model_copy() for p in ANSWER]
    synapse.miner_metadata = METADATA
    return synapse


async def refuse(synapse: RebalanceQuery) -> RebalanceQuery:
    synapse.accepted = False
    synapse.refusal_reason = "pool not supported"
    return synapse


async def old_miner_keeps(synapse: MainnetRebalanceQuery) -> MainnetRebalanceQuery:
    """An existing mainnet miner: its own classes, no exact fields, keeps its positions."""
    synapse.desired_positions = [p.model_copy() for p in synapse.current_positions]
    synapse.miner_metadata = MainnetMinerMetadata(version="1.0.0", model_info="mainnet miner")
    return synapse


async def old_miner_moves(synapse: MainnetRebalanceQuery) -> MainnetRebalanceQuery:
    assert isinstance(synapse.inventory_remaining, dict)  # a plain dict on mainnet
    synapse.desired_positions = [
        MainnetPosition(
            tick_lower=-120,
            tick_upper=120,
            allocation0=synapse.inventory_remaining["amount0"],
            allocation1="0",
            confidence=1.0,
        )
    ]
    return synapse


def make_query() -> RebalanceQuery:
    return RebalanceQuery(
        job_id="job-1",
        sn_liquidity_manager_address="0x1111111111111111111111111111111111111111",
        pair_address="0x2222222222222222222222222222222222222222",
        round_id="round-7",
        round_type="evaluation",
        block_number=31_000_000,
        current_price=float(SQRT_PRICE_X96),
        current_positions=[
            Position(tick_lower=-60, tick_upper=60, allocation0=str(BIG), allocation1="1")
        ],
        inventory_remaining=Inventory(amount0=str(BIG * 2), amount1=str(BIG)),
        rebalances_so_far=3,
        tick_spacing=60,
        sqrt_price_x96=str(SQRT_PRICE_X96),
        tick=10_986,
    )


@pytest.fixture(scope="module")
def wallets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Wallet, Wallet]]:
    root: Path = tmp_path_factory.mktemp("wallets")
    with loopback_network():
        yield make_wallet(root, "miner"), make_wallet(root, "validator")


@pytest.fixture
async def dendrite(wallets: tuple[Wallet, Wallet]) -> AsyncIterator[object]:
    async with loopback_dendrite(wallets[1]) as dendrite:
        yield dendrite


async def ask(dendrite: Any, miner: Wallet, forward: Callable[..., Any], query: RebalanceQuery) -> Any:
    """One query to a fresh loopback axon serving `forward`, raw synapse back (deserialize=False)."""
    with running_axon(miner, forward) as axon:
        return await dendrite.call(target_axon=axon.info(), synapse=query, timeout=12, deserialize=False)


async def test_every_field_survives_the_round_trip_and_the_answer_validates(
    wallets: tuple[Wallet, Wallet], dendrite: object
) -> None:
    query = make_query()
    result = await ask(dendrite, wallets[0], answer_with_positions, query.model_copy())
    assert result.is_success, (result.dendrite.status_code, result.dendrite.status_message)
    request_fields = set(RebalanceQuery.model_fields) - {
        "desired_positions", "miner_metadata", "axon", "dendrite", "computed_body_hash",
        "total_size", "header_size", "timeout", "name",
    }
    for name in request_fields:
        assert getattr(result, name) == getattr(query, name), name
    assert result.sqrt_price_x96 == str(SQRT_PRICE_X96) and result.tick == 10_986
    assert result.desired_positions == ANSWER
    assert int(result.desired_positions[0].allocation0) == BIG
    assert result.miner_metadata == METADATA
    context = AnswerContext(tick_spacing=60, inventory0=BIG * 3, inventory1=BIG)
    decision = validate_answer(result, context)
    assert decision == Rebalance(
        positions=(
            PositionSpec(-600, 600, BIG, 7, 0.75),
            PositionSpec(1200, 2400, 0, BIG // 3, None),
        )
    )


async def test_a_refusal_crosses_the_wire_with_its_reason(
    wallets: tuple[Wallet, Wallet], dendrite: object
) -> None:
    result = await ask(dendrite, wallets[0], refuse, make_query())
    assert result.is_success
    assert result.accepted is False and result.refusal_reason == "pool not supported"
    assert result.desired_positions is None


async def test_an_old_mainnet_miner_that_keeps_its_positions_gives_keep(
    wallets: tuple[Wallet, Wallet], dendrite: object
) -> None:
    query = make_query()
    result = await ask(dendrite, wallets[0], old_miner_keeps, query)
    assert result.is_success, (result.dendrite.status_code, result.dendrite.status_message)
    assert result.miner_metadata == MinerMetadata(version="1.0.0", model_info="mainnet miner")
    current = (PositionSpec(-60, 60, BIG, 1),)
    context = AnswerContext(
        tick_spacing=60, inventory0=0, inventory1=0, current_positions=current
    )
    assert validate_answer(result, context) == Keep()


async def test_an_old_mainnet_miner_reads_the_inventory_dict_and_its_answer_validates(
    wallets: tuple[Wallet, Wallet], dendrite: object
) -> None:
    result = await ask(dendrite, wallets[0], old_miner_moves, make_query())
    assert result.is_success, (result.dendrite.status_code, result.dendrite.status_message)
    # The old miner's JSON has no exact fields: the dendrite copies its (default) values back.
    assert result.sqrt_price_x96 is None and result.tick is None
    context = AnswerContext(tick_spacing=60, inventory0=BIG * 2, inventory1=0)
    assert validate_answer(result, context) == Rebalance(
        positions=(PositionSpec(-120, 120, BIG * 2, 0, 1.0),)
    )


async def test_a_dead_axon_gives_no_answer_not_an_exception(
    wallets: tuple[Wallet, Wallet], dendrite: object
) -> None:
    with running_axon(wallets[0], answer_with_positions) as axon:
        info = axon.info()
    result = await dendrite.call(  # type: ignore[attr-defined]
        target_axon=info, synapse=make_query(), timeout=5, deserialize=False
    )
    assert not result.is_success
    decision = validate_answer(result, AnswerContext(tick_spacing=60, inventory0=0, inventory1=0))
    assert isinstance(decision, Rejection) and decision.code is ReasonCode.NO_ANSWER
    assert str(result.dendrite.status_code) in decision.message


def test_the_test_axon_listens_on_loopback_only(wallets: tuple[Wallet, Wallet]) -> None:
    with running_axon(wallets[0], answer_with_positions) as axon:
        listening = [
            c.laddr
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == axon.port
        ]
    assert listening and all(addr.ip == LOOPBACK for addr in listening)


def test_loopback_network_answers_loopback_and_restores_the_real_lookup() -> None:
    from bittensor.utils import networking

    original = networking.get_external_ip
    with loopback_network():
        assert networking.get_external_ip() == LOOPBACK
    assert networking.get_external_ip is original
