"""SubtensorChainClient: conversions of real bittensor 10.5 objects, weight processing, `.success`
handling, and connection failures against real sockets (no subtensor is reachable here)."""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import math
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bittensor.core.async_subtensor import AsyncSubtensor
from bittensor.core.chain_data import NeuronInfoLite
from bittensor.core.types import ExtrinsicResponse

from tests.support.bt_local import free_port
from tests.support.fake_chain import FakeChainClient
from validator.subtensor import (
    ChainClient,
    ChainQueryError,
    ChainTimeout,
    ChainUnavailable,
    SubtensorChainClient,
    WalletUnavailable,
    WeightsInputError,
    WeightsResult,
    check_weights,
)
from validator.subtensor._convert import NO_MESSAGE, metagraph_snapshot, neuron_snapshot, weights_result
from validator.subtensor._weights import process_for_chain
from validator.subtensor.bittensor_client import set_weights_kwargs

ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
BOB = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
CHARLIE = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"
RAO_PER_TAO = 10**9


def _decoded_neuron(uid: int, hotkey: str, *, ip: str = "0.0.0.0", port: int = 0, stake_rao: int = 0,
                    permit: bool = False) -> dict[str, Any]:
    """A neuron as the runtime API decodes it (ip as an integer, stake as (coldkey, rao) pairs)."""
    return {
        "hotkey": hotkey, "coldkey": CHARLIE, "uid": uid, "netuid": 98, "active": True,
        "stake": [(CHARLIE, stake_rao)], "emission": 0, "incentive": 0, "consensus": 0,
        "validator_trust": 0, "dividends": 0, "last_update": 10, "validator_permit": permit,
        "prometheus_info": {"block": 0, "ip_type": 4, "ip": 0, "port": 0, "version": 0},
        "axon_info": {"version": 1, "ip": int(ipaddress.ip_address(ip)), "port": port, "ip_type": 4,
                      "protocol": 4, "placeholder1": 0, "placeholder2": 0},
    }


def _neuron(uid: int, hotkey: str, **kwargs: Any) -> NeuronInfoLite:
    return NeuronInfoLite.from_dict(_decoded_neuron(uid, hotkey, **kwargs))


def test_a_decoded_neuron_becomes_a_snapshot_with_address_stake_and_permit() -> None:
    neuron = _neuron(7, ALICE, ip="203.0.113.9", port=8091, stake_rao=1_500 * RAO_PER_TAO, permit=True)
    snap = neuron_snapshot(neuron)
    assert (snap.uid, snap.hotkey, snap.coldkey) == (7, ALICE, CHARLIE)
    assert (snap.ip, snap.port, snap.serving) == ("203.0.113.9", 8091, True)
    assert snap.stake == pytest.approx(1500.0)
    assert snap.validator_permit is True


@pytest.mark.parametrize(("ip", "port"), [("0.0.0.0", 0), ("0.0.0.0", 8091), ("203.0.113.9", 0)])
def test_ip_zero_or_port_zero_reads_as_not_serving(ip: str, port: int) -> None:
    assert neuron_snapshot(_neuron(1, ALICE, ip=ip, port=port)).serving is False


def test_a_neuron_without_axon_info_is_not_serving() -> None:
    neuron = _neuron(1, ALICE, ip="203.0.113.9", port=8091)
    neuron.axon_info = None
    snap = neuron_snapshot(neuron)
    assert (snap.ip, snap.port, snap.serving) == ("0.0.0.0", 0, False)


def test_a_neuron_with_unusable_fields_is_a_chain_query_error_naming_the_uid() -> None:
    neuron = _neuron(4, ALICE)
    setattr(neuron, "hotkey", None)
    with pytest.raises(ChainQueryError, match="uid 4"):
        neuron_snapshot(neuron)


def test_metagraph_snapshot_orders_by_uid_skips_null_neurons_and_resolves_the_owner_uid() -> None:
    neurons = [_neuron(2, BOB), NeuronInfoLite.get_null_neuron(), _neuron(0, ALICE)]
    snapshot = metagraph_snapshot(98, 5_000, neurons, owner_hotkey=BOB)
    assert [n.uid for n in snapshot.neurons] == [0, 2]
    assert snapshot.block == 5_000 and snapshot.netuid == 98
    assert snapshot.owner_hotkey == BOB and snapshot.owner_uid == 2
    assert snapshot.neurons[0].hotkey == ALICE
    assert metagraph_snapshot(98, 1, neurons, owner_hotkey=None).owner_uid is None


def test_metagraph_snapshot_rejects_duplicate_uids() -> None:
    with pytest.raises(ChainQueryError, match="duplicate uids"):
        metagraph_snapshot(98, 1, [_neuron(3, ALICE), _neuron(3, BOB)], owner_hotkey=None)


def test_a_failed_extrinsic_response_is_truthy_but_reads_as_failure() -> None:
    response = ExtrinsicResponse(False, "Not enough balance")
    assert bool(response)  # the trap: bittensor's failed response object is truthy
    result = weights_result(response)
    assert result.success is False and result.message == "Not enough balance"


def test_a_successful_extrinsic_response_reads_as_success() -> None:
    result = weights_result(ExtrinsicResponse(True, "Successfully set weights"))
    assert result.success is True and result.message == "Successfully set weights"


def test_the_exception_inside_a_failed_response_is_in_the_message() -> None:
    response = ExtrinsicResponse.from_exception(raise_error=False, error=RuntimeError("drand round not found"))
    result = weights_result(response)
    assert result.success is False and "drand round not found" in result.message


def test_a_failed_response_without_message_gets_an_explanation() -> None:
    assert weights_result(ExtrinsicResponse(False)).message == NO_MESSAGE


@pytest.mark.parametrize("response", [(True, "ok"), None, "Success"])
def test_anything_but_an_extrinsic_response_is_a_failure(response: object) -> None:
    assert weights_result(response).success is False


def test_weights_are_normalised_and_capped_by_the_subnet_limit() -> None:
    uids, weights = process_for_chain([0, 1, 2, 3], [8.0, 1.0, 1.0, 0.0], num_neurons=4,
                                      min_allowed_weights=1, max_weight_limit=0.5)
    assert list(uids) == [0, 1, 2]  # the zero weight is dropped
    assert math.isclose(float(weights.sum()), 1.0, rel_tol=1e-6)
    assert float(weights.max()) <= 0.5 + 1e-6
    assert weights[1] == pytest.approx(weights[2])


def test_weights_without_a_binding_limit_keep_their_proportions() -> None:
    uids, weights = process_for_chain([5, 9], [3.0, 1.0], num_neurons=10, min_allowed_weights=0,
                                      max_weight_limit=1.0)
    assert list(uids) == [5, 9]
    np.testing.assert_allclose(weights, [0.75, 0.25], rtol=1e-6)


@pytest.mark.parametrize(
    ("uids", "weights", "message"),
    [([1, 2], [1.0], "2 uids but 1 weights"), ([], [], "no uids"), ([1, 1], [1.0, 1.0], "duplicate"),
     ([1, 9], [1.0, 1.0], "out of range"), ([-1], [1.0], "out of range"), ([1], [-0.5], "negative"),
     ([1], [math.nan], "not finite"), ([1, 2], [0.0, 0.0], "all weights are zero")],
)
def test_weight_vectors_that_must_not_be_sent_are_rejected(uids: list[int], weights: list[float], message: str) -> None:
    with pytest.raises(WeightsInputError, match=message):
        check_weights(uids, weights, num_neurons=4)


async def test_set_weights_without_a_wallet_fails_before_touching_the_network() -> None:
    client = SubtensorChainClient(f"ws://127.0.0.1:{free_port()}")
    with pytest.raises(WalletUnavailable):
        await client.set_weights(98, [1], [1.0], version_key=1, wait_for_inclusion=False)
    await client.close()


async def test_close_before_any_call_is_a_no_op_and_can_repeat() -> None:
    client = SubtensorChainClient("ws://127.0.0.1:9")
    await client.close()
    await client.close()


async def test_a_refused_connection_is_chain_unavailable() -> None:
    client = SubtensorChainClient(f"ws://127.0.0.1:{free_port()}", connect_timeout_s=5.0)
    with pytest.raises(ChainUnavailable) as info:
        await client.current_block()
    assert not isinstance(info.value, ChainTimeout)
    await client.close()


class _SilentServer:
    """A TCP server that accepts and never answers (a hung node); counts connections."""

    def __init__(self) -> None:
        self.accepted = 0
        self._writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.append(writer)

    def close_all(self) -> None:
        for writer in self._writers:
            writer.close()


@pytest.fixture
async def silent_endpoint() -> AsyncIterator[tuple[str, _SilentServer]]:
    silent = _SilentServer()
    server = await asyncio.start_server(silent.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}", silent
    finally:
        silent.close_all()
        server.close()
        await server.wait_closed()


async def test_a_hung_node_times_out_and_the_next_call_reconnects(silent_endpoint: tuple[str, _SilentServer]) -> None:
    url, server = silent_endpoint
    client = SubtensorChainClient(url, connect_timeout_s=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ChainTimeout, match="0.5 s"):
        await client.metagraph(98)
    assert loop.time() - started < 3.0
    with pytest.raises(ChainTimeout):
        await client.weights_rate_limit(98)
    assert server.accepted == 2  # no half-open connection was reused
    await client.close()


def test_our_set_weights_arguments_bind_to_bittensor_10_5_and_pass_the_version_key() -> None:
    uids, weights = process_for_chain([1, 2], [1.0, 3.0], num_neurons=3, min_allowed_weights=0, max_weight_limit=1.0)
    kwargs = set_weights_kwargs(object(), 98, uids, weights, version_key=4242, wait_for_inclusion=True)
    bound = inspect.signature(AsyncSubtensor.set_weights).bind(object(), **kwargs)
    assert bound.arguments["version_key"] == 4242
    assert bound.arguments["max_attempts"] == 1 and bound.arguments["raise_error"] is False


@pytest.mark.parametrize("method", ["neurons_lite", "get_subnet_owner_hotkey", "subnetwork_n",
                                    "min_allowed_weights", "max_weight_limit"])
def test_the_read_calls_we_make_accept_a_block_hash(method: str) -> None:
    inspect.signature(getattr(AsyncSubtensor, method)).bind(object(), 98, block_hash="0xabc")


def test_both_clients_satisfy_the_chain_client_protocol() -> None:
    clients: list[ChainClient] = [SubtensorChainClient("ws://127.0.0.1:9"), FakeChainClient()]  # checked by mypy
    assert len(clients) == 2


async def test_fake_chain_enforces_the_rate_limit_and_records_every_weights_call() -> None:
    chain = FakeChainClient(own_hotkey=ALICE, weights_rate_limit=100)
    chain.add_neuron(0, ALICE, stake=5_000.0, validator_permit=True)
    chain.add_neuron(1, BOB, ip="203.0.113.1", port=8091)
    early = await chain.set_weights(98, [1], [1.0], version_key=7, wait_for_inclusion=True)
    chain.advance(101)
    ok = await chain.set_weights(98, [1], [1.0], version_key=7, wait_for_inclusion=True)
    again = await chain.set_weights(98, [1], [1.0], version_key=7, wait_for_inclusion=True)
    assert (early.success, ok.success, again.success) == (False, True, False)
    assert "rate limited" in early.message
    assert [c.block for c in chain.weight_calls] == [1_000, 1_101, 1_101]
    assert chain.weight_calls[1].uids == (1,) and chain.weight_calls[1].version_key == 7
    assert await chain.blocks_since_last_update(98, 0) == 0


async def test_fake_chain_refuses_an_unregistered_validator_and_replays_queued_results() -> None:
    chain = FakeChainClient(own_hotkey=CHARLIE, weights_rate_limit=0)
    chain.add_neuron(0, ALICE)
    refused = await chain.set_weights(98, [0], [1.0], version_key=1, wait_for_inclusion=False)
    assert refused.success is False and "not registered" in refused.message
    chain.add_neuron(1, CHARLIE)
    chain.advance(1)
    chain.queue_weights_result(WeightsResult(False, "CommitRevealDisabled"))
    assert (await chain.set_weights(98, [0], [1.0], version_key=1, wait_for_inclusion=False)).message == "CommitRevealDisabled"
    assert (await chain.set_weights(98, [0], [1.0], version_key=1, wait_for_inclusion=False)).success is True


async def test_fake_chain_raises_queued_failures_then_recovers() -> None:
    chain = FakeChainClient()
    chain.fail_next("metagraph", ChainUnavailable("node down"), times=2)
    for _ in range(2):
        with pytest.raises(ChainUnavailable):
            await chain.metagraph(98)
    assert (await chain.metagraph(98)).block == 1_000
    with pytest.raises(ChainQueryError):
        await chain.metagraph(1)
    with pytest.raises(WeightsInputError):
        await chain.set_weights(98, [3], [1.0], version_key=1, wait_for_inclusion=False)


def test_the_public_surface_of_validator_subtensor_is_pinned() -> None:
    import validator.subtensor as package

    assert set(package.__all__) == {
        "ChainClient", "ChainClientError", "ChainQueryError", "ChainTimeout", "ChainUnavailable",
        "MetagraphSnapshot", "NeuronSnapshot", "SubtensorChainClient", "WalletUnavailable",
        "WeightsInputError", "WeightsResult", "check_weights",
    }


def test_importing_the_client_loads_neither_bittensor_nor_the_substrate_library() -> None:
    code = ("import sys, validator.subtensor, validator.miners.directory, validator.telemetry; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'bittensor', 'async_substrate_interface'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
