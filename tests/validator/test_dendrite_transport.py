"""The v10 transport against real axons on 127.0.0.1: every kind of miner gets the right reply.

No `from __future__ import annotations`: the Axon reads forward annotations as classes.
"""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from bittensor_wallet import Wallet

from protocol import AnswerContext, Keep, PositionSpec, ReasonCode, Rebalance, Refuse, Rejection, validate_answer
from tests.support import scripted_miners
from tests.support.bt_local import LOOPBACK, free_port, loopback_network, make_wallet, running_axon
from validator.miners.dendrite_v10 import DendriteTransport
from validator.miners.types import MinerEndpoint, RebalanceRequest, ReplyStatus

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
    pytest.mark.timeout(120),
]

CURRENT = (PositionSpec(-600, 600, 10**18, 5 * 10**9),)


def _request(round_id: str = "job-1:eval:1") -> RebalanceRequest:
    return RebalanceRequest(
        job_id="job-1", sn_liquidity_manager_address="0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36",
        pair_address="0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8", chain_id=8453, round_id=round_id,
        round_type="evaluation", block_number=123, sqrt_price_x96=2**96, tick=0, tick_spacing=60,
        current_positions=CURRENT, inventory0=2 * 10**18, inventory1=10**10)


BEHAVIOURS = [scripted_miners.sensible, scripted_miners.hold, scripted_miners.refuse, scripted_miners.slow,
              scripted_miners.raising, scripted_miners.malformed, scripted_miners.greedy]


@pytest.fixture(scope="module")
def miners(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[MinerEndpoint]]:
    root = tmp_path_factory.mktemp("wallets")
    with loopback_network(), ExitStack() as stack:
        endpoints = []
        for uid, forward in enumerate(BEHAVIOURS):
            wallet = make_wallet(root, f"miner{uid}")
            axon = stack.enter_context(running_axon(wallet, forward))
            endpoints.append(MinerEndpoint(uid, wallet.hotkey.ss58_address, LOOPBACK, axon.port))
        yield endpoints


@pytest.fixture(scope="module")
def validator_wallet(tmp_path_factory: pytest.TempPathFactory) -> Wallet:
    return make_wallet(tmp_path_factory.mktemp("vali"), "validator")


async def test_each_behaviour_gets_the_right_reply_and_decision(
    miners: list[MinerEndpoint], validator_wallet: Wallet
) -> None:
    with loopback_network():
        transport = DendriteTransport(validator_wallet, max_in_flight=4)
    try:
        replies = await transport.query_many([(m, _request()) for m in miners], timeout_s=2.0)
    finally:
        await transport.close()
    by_name = {forward.__name__: reply for forward, reply in zip(BEHAVIOURS, replies)}
    context = AnswerContext(tick_spacing=60, inventory0=2 * 10**18, inventory1=10**10, current_positions=CURRENT)

    def decide(name: str) -> object:
        reply = by_name[name]
        return validate_answer(reply.answer if reply.answer is not None else {}, context)

    assert [r.endpoint.uid for r in replies] == list(range(len(BEHAVIOURS)))
    assert isinstance(decide("sensible"), Rebalance)
    assert isinstance(decide("hold"), Keep)
    refused = decide("refuse")
    assert isinstance(refused, Refuse) and refused.reason == "this pool is not served"
    assert by_name["slow"].status is ReplyStatus.TIMEOUT and by_name["slow"].answer is None
    assert by_name["slow"].elapsed_ms < 4000
    assert by_name["raising"].status is ReplyStatus.MINER_ERROR
    bad = decide("malformed")
    assert isinstance(bad, Rejection) and bad.code is ReasonCode.TICK_NOT_INTEGER
    over = decide("greedy")
    assert isinstance(over, Rejection) and over.code is ReasonCode.ALLOCATION_ABOVE_INVENTORY


async def test_nothing_listening_is_unreachable_not_an_exception(validator_wallet: Wallet) -> None:
    nobody = MinerEndpoint(99, validator_wallet.hotkey.ss58_address, LOOPBACK, free_port())
    with loopback_network():
        transport = DendriteTransport(validator_wallet)
    try:
        [reply] = await transport.query_many([(nobody, _request())], timeout_s=2.0)
    finally:
        await transport.close()
    assert reply.status is ReplyStatus.UNREACHABLE and reply.answer is None
