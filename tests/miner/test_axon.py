"""The miner's axon with real wallets on 127.0.0.1: who gets an answer, who gets 403, and in which order.

No `from __future__ import annotations`: the Axon reads forward annotations as classes.
"""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import pytest
from bittensor.core.chain_data import AxonInfo
from bittensor_wallet import Wallet

from miner.blacklist import Caller, CallerPolicy, Roster
from miner.config import LOOPBACK, MinerSettings
from miner.server import AxonHandlers, build_axon, build_service
from protocol import AnswerContext, PositionSpec, Rebalance, validate_answer
from protocol.models import Inventory
from protocol.synapse import RebalanceQuery
from simulator.tickmath import get_sqrt_ratio_at_tick
from tests.support.bt_local import free_port, loopback_dendrite, loopback_network, make_wallet, wait_for_port

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
    pytest.mark.timeout(120),
]
PRICE = get_sqrt_ratio_at_tick(195_000)


@pytest.fixture(scope="module")
def wallets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Wallet]:
    root = tmp_path_factory.mktemp("wallets")
    return {name: make_wallet(root, name) for name in ("miner", "validator", "stranger", "small", "plain")}


def _hotkey(wallet: Wallet) -> str:
    return str(wallet.hotkey.ss58_address)


def _query() -> RebalanceQuery:
    return RebalanceQuery(
        job_id="job-1", sn_liquidity_manager_address="0x" + "1" * 40,
        pair_address="0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8", round_id="job-1:eval:1", round_type="evaluation",
        block_number=1000, current_price=float(PRICE), current_positions=[],
        inventory_remaining=Inventory(amount0=str(10**8), amount1=str(10**17)), tick_spacing=60,
        sqrt_price_x96=str(PRICE), tick=195_000,
    )  # fmt: skip


def _serve(miner: Wallet, roster: Roster, policy: CallerPolicy) -> Iterator[tuple[int, AxonHandlers]]:
    port = free_port()
    settings = MinerSettings(_env_file=None, network="local", axon_port=port, strategy="volatility")
    handlers = AxonHandlers(build_service(settings), policy, lambda: roster)
    with loopback_network():
        axon = build_axon(miner, settings, handlers)
    axon.start()
    try:
        wait_for_port(port)
        yield port, handlers
    finally:
        axon.stop()
        handlers.service.close()
        wait_for_port(port, listening=False)


async def _call(caller: Wallet, miner: Wallet, port: int) -> RebalanceQuery:
    async with loopback_dendrite(caller) as dendrite:
        target = _axon_info(miner, port)
        result = await dendrite.call(target_axon=target, synapse=_query(), timeout=20, deserialize=False)
        assert isinstance(result, RebalanceQuery)
        return result


def _axon_info(miner: Wallet, port: int) -> AxonInfo:
    return AxonInfo(version=1, ip=LOOPBACK, port=port, ip_type=4, hotkey=_hotkey(miner),
                    coldkey=str(miner.coldkeypub.ss58_address))


@pytest.fixture(scope="module")
def local_axon(wallets: dict[str, Wallet]) -> Iterator[tuple[int, AxonHandlers]]:
    roster = Roster.allowlist([_hotkey(wallets["validator"])])
    yield from _serve(wallets["miner"], roster, CallerPolicy(min_stake=0.0))


@pytest.fixture(scope="module")
def network_axon(wallets: dict[str, Wallet]) -> Iterator[tuple[int, AxonHandlers]]:
    roster = Roster.of([
        Caller(_hotkey(wallets["validator"]), 0, 5000.0, True),
        Caller(_hotkey(wallets["small"]), 1, 10.0, True),
        Caller(_hotkey(wallets["plain"]), 2, 9000.0, False),
    ])
    yield from _serve(wallets["miner"], roster, CallerPolicy(min_stake=1000.0, require_permit=True))


def test_the_axon_listens_only_on_loopback_in_local_mode(local_axon: tuple[int, AxonHandlers]) -> None:
    port, _ = local_axon
    listening = [c.laddr for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port]
    assert listening and all(address.ip == LOOPBACK for address in listening)


async def test_an_allowed_validator_gets_a_valid_answer(wallets: dict[str, Wallet],
                                                        local_axon: tuple[int, AxonHandlers]) -> None:
    result = await _call(wallets["validator"], wallets["miner"], local_axon[0])
    assert result.is_success, result.dendrite.status_message if result.dendrite else None
    context = AnswerContext(tick_spacing=60, inventory0=10**8, inventory1=10**17)
    assert isinstance(validate_answer(result.model_dump(mode="json"), context), Rebalance)
    assert result.miner_metadata is not None


async def test_an_unknown_hotkey_gets_403(wallets: dict[str, Wallet], local_axon: tuple[int, AxonHandlers]) -> None:
    result = await _call(wallets["stranger"], wallets["miner"], local_axon[0])
    assert result.dendrite is not None and result.dendrite.status_code == 403
    assert "not registered" in str(result.dendrite.status_message)


@pytest.mark.parametrize(("caller", "status", "reason"), [
    ("validator", 200, ""), ("small", 403, "below 1000.00"), ("plain", 403, "is not a validator"),
    ("stranger", 403, "not registered"),
])
async def test_network_callers_need_a_permit_and_the_minimum_stake(
    wallets: dict[str, Wallet], network_axon: tuple[int, AxonHandlers], caller: str, status: int, reason: str,
) -> None:
    result = await _call(wallets[caller], wallets["miner"], network_axon[0])
    assert result.dendrite is not None and result.dendrite.status_code == status
    assert reason in str(result.dendrite.status_message)


def test_priority_is_the_callers_stake(wallets: dict[str, Wallet], network_axon: tuple[int, AxonHandlers]) -> None:
    handlers = network_axon[1]

    def priority(name: str) -> float:
        synapse = _query()
        assert synapse.dendrite is not None
        synapse.dendrite.hotkey = _hotkey(wallets[name])
        return handlers.priority(synapse)

    assert priority("plain") > priority("validator") > priority("small") > priority("stranger") == 0.0


async def test_concurrent_queries_from_an_allowed_validator_are_all_answered(
    wallets: dict[str, Wallet], local_axon: tuple[int, AxonHandlers],
) -> None:
    results = await asyncio.gather(*(_call(wallets["validator"], wallets["miner"], local_axon[0]) for _ in range(8)))
    assert all(r.is_success for r in results)
