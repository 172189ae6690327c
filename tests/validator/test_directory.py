"""Miner directories: the static local list checked at the edge, and the metagraph directory
(selection rules, first sync awaited, background refresh that keeps the last good list).

No `from __future__ import annotations`: the Axon in the loopback test reads annotations as classes.
"""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from common.settings_cli import ConfigError, settings_from_namespace
from protocol.synapse import RebalanceQuery
from tests.support.bt_local import LOOPBACK, loopback_network, make_wallet, running_axon
from tests.support.fake_chain import FakeChainClient
from validator.miners.dendrite_v10 import DendriteTransport
from validator.cli import build_parser
from validator.config import ValidatorSettings
from validator.miners.directory import (
    DirectoryNotStarted,
    MetagraphMinerDirectory,
    MinerFilter,
    MinerListError,
    StaticMinerDirectory,
    directory_from_settings,
    select_miners,
)
from validator.miners.types import MinerEndpoint, RebalanceRequest, ReplyStatus
from validator.telemetry import ValidatorMetrics
from validator.subtensor import ChainTimeout, ChainUnavailable, MetagraphSnapshot, NeuronSnapshot

ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
BOB = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
CHARLIE = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"
DAVE = "5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy"
EVE = "5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw"


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "miners.json"
    path.write_text(json.dumps(data))
    return path


async def test_a_valid_miners_file_gives_the_endpoints_in_file_order(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"uid": 3, "hotkey": BOB, "ip": "127.0.0.1", "port": 9001},
                             {"uid": 1, "hotkey": ALICE, "ip": "10.1.2.3", "port": 9002}])
    directory = StaticMinerDirectory.from_file(path)
    assert await directory.miners() == [MinerEndpoint(3, BOB, "127.0.0.1", 9001),
                                        MinerEndpoint(1, ALICE, "10.1.2.3", 9002)]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"uid": 1}, "expected a JSON list"),
        ([7], "entry 0: expected an object"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "127.0.0.1"}], r"entry 0 \(uid 1\): missing keys \['port'\]"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "127.0.0.1", "port": 1, "prot": 2}], r"unknown keys \['prot'\]"),
        ([{"uid": -1, "hotkey": ALICE, "ip": "127.0.0.1", "port": 1}], "uid must be an integer"),
        ([{"uid": True, "hotkey": ALICE, "ip": "127.0.0.1", "port": 1}], "uid must be an integer"),
        ([{"uid": 1, "hotkey": "not-a-key", "ip": "127.0.0.1", "port": 1}], "not a valid SS58"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "localhost", "port": 1}], "unicast IPv4 or IPv6"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "0.0.0.0", "port": 1}], "unicast IPv4 or IPv6"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "8.8.8.8", "port": 1}], "public"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "127.0.0.1", "port": 0}], r"port must be an integer in \[1, 65535\]"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "127.0.0.1", "port": 70000}], "port must be"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "127.0.0.1", "port": 1},
          {"uid": 2, "hotkey": BOB, "ip": "127.0.0.1", "port": 2},
          {"uid": 1, "hotkey": CHARLIE, "ip": "127.0.0.1", "port": 3}], "entry 2: uid 1 already used by entry 0"),
        ([{"uid": 1, "hotkey": ALICE, "ip": "127.0.0.1", "port": 1},
          {"uid": 2, "hotkey": ALICE, "ip": "127.0.0.1", "port": 2}], "entry 1 .*hotkey .* already used by entry 0"),
    ],
)
def test_an_invalid_miners_file_fails_with_one_error_naming_the_entry(tmp_path: Path, entries: Any, message: str) -> None:
    with pytest.raises(MinerListError, match=message) as info:
        StaticMinerDirectory.from_file(_write(tmp_path, entries))
    assert str(tmp_path / "miners.json") in str(info.value)


def test_a_public_ip_is_accepted_when_private_only_is_off(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"uid": 1, "hotkey": ALICE, "ip": "8.8.8.8", "port": 1}])
    assert StaticMinerDirectory.from_file(path, private_only=False) is not None


def test_unreadable_or_malformed_json_is_a_miner_list_error(tmp_path: Path) -> None:
    with pytest.raises(MinerListError, match="cannot read JSON"):
        StaticMinerDirectory.from_file(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[{'uid': 1}]")
    with pytest.raises(MinerListError, match="cannot read JSON"):
        StaticMinerDirectory.from_file(bad)


def _neuron(uid: int, hotkey: str, *, ip: str = "8.8.8.8", port: int = 8091, stake: float = 0.0,
            permit: bool = False) -> NeuronSnapshot:
    return NeuronSnapshot(uid=uid, hotkey=hotkey, coldkey="cold", stake=stake, validator_permit=permit, ip=ip, port=port)


def _snapshot(*neurons: NeuronSnapshot) -> MetagraphSnapshot:
    return MetagraphSnapshot(netuid=98, block=10, neurons=neurons)


def test_selection_skips_self_non_serving_and_staked_validators_but_keeps_low_stake_permits() -> None:
    snapshot = _snapshot(
        _neuron(0, ALICE, stake=50_000.0, permit=True),          # self
        _neuron(1, BOB, stake=5_000.0, permit=True),              # another validator
        _neuron(2, CHARLIE, stake=10.0, permit=True),             # a miner that holds a permit on a small subnet
        _neuron(3, DAVE, ip="0.0.0.0", port=0),                    # registered, not serving
        _neuron(4, EVE, stake=5_000.0, permit=False),             # staked but no permit: a miner
    )
    miners, skipped = select_miners(snapshot, MinerFilter(own_hotkey=ALICE, min_validator_stake=1_000.0))
    assert [m.uid for m in miners] == [2, 4]
    assert skipped == {"self": 1, "validator": 1, "not_serving": 1}
    assert miners[0] == MinerEndpoint(2, CHARLIE, "8.8.8.8", 8091)


def test_deny_list_excludes_and_a_non_empty_allow_list_restricts() -> None:
    snapshot = _snapshot(_neuron(1, BOB), _neuron(2, CHARLIE), _neuron(3, DAVE))
    denied, _ = select_miners(snapshot, MinerFilter(None, 1_000.0, deny_hotkeys=frozenset({CHARLIE})))
    assert [m.uid for m in denied] == [1, 3]
    allowed, skipped = select_miners(snapshot, MinerFilter(None, 1_000.0, allow_hotkeys=frozenset({DAVE, CHARLIE}),
                                                           deny_hotkeys=frozenset({CHARLIE})))
    assert [m.uid for m in allowed] == [3]
    assert skipped == {"denied": 1, "not_allowed": 1}


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.0.0.5", "192.168.1.2", "169.254.0.1", "::1"])
def test_miners_announcing_non_public_addresses_are_skipped_on_public_networks(ip: str) -> None:
    snapshot = _snapshot(_neuron(1, BOB, ip=ip))
    assert select_miners(snapshot, MinerFilter(None, 1_000.0))[0] == []
    assert len(select_miners(snapshot, MinerFilter(None, 1_000.0, public_ip_only=False))[0]) == 1


def _chain() -> FakeChainClient:
    chain = FakeChainClient(own_hotkey=ALICE)
    chain.add_neuron(0, ALICE, stake=50_000.0, validator_permit=True, ip="8.8.4.4", port=8091)
    chain.add_neuron(1, BOB, ip="8.8.8.1", port=8091)
    chain.add_neuron(2, CHARLIE, ip="8.8.8.2", port=8091)
    return chain


def _directory(chain: FakeChainClient, interval_s: float = 0.01) -> MetagraphMinerDirectory:
    return MetagraphMinerDirectory(chain, 98, own_hotkey=ALICE, min_validator_stake=1_000.0,
                                   sync_interval_s=interval_s)


async def test_miners_before_the_first_sync_is_an_error_and_start_awaits_it() -> None:
    directory = _directory(_chain())
    with pytest.raises(DirectoryNotStarted):
        await directory.miners()
    await directory.start()
    assert [m.hotkey for m in await directory.miners()] == [BOB, CHARLIE]
    assert directory.snapshot is not None and directory.snapshot.block == 1_000


async def test_start_raises_when_the_chain_cannot_be_read() -> None:
    chain = _chain()
    chain.fail_next("metagraph", ChainUnavailable("connection refused"))
    with pytest.raises(ChainUnavailable):
        await _directory(chain).start()


async def _run_until(directory: MetagraphMinerDirectory, stop: asyncio.Event, done: Any, timeout_s: float = 5.0) -> None:
    task = asyncio.create_task(directory.run(stop))
    try:
        async with asyncio.timeout(timeout_s):
            while not done():
                await asyncio.sleep(0.005)
    finally:
        stop.set()
        await asyncio.wait_for(task, 1.0)


async def test_a_failed_sync_keeps_the_last_good_list_and_the_next_one_recovers() -> None:
    chain = _chain()
    directory = _directory(chain)
    await directory.start()
    chain.fail_next("metagraph", ChainTimeout("slow node"), times=3)
    chain.add_neuron(3, DAVE, ip="8.8.8.3", port=8091)
    await _run_until(directory, asyncio.Event(), lambda: directory.sync_failures == 3)
    assert directory.sync_failures == 3
    stop = asyncio.Event()
    await _run_until(directory, stop, lambda: chain.call_counts["metagraph"] >= 6)
    assert [m.uid for m in await directory.miners()] == [1, 2, 3]


async def test_a_failed_sync_leaves_the_served_list_unchanged() -> None:
    chain = _chain()
    directory = _directory(chain)
    await directory.start()
    chain.add_neuron(3, DAVE, ip="8.8.8.3", port=8091)
    chain.fail_next("metagraph", ChainUnavailable("dropped"), times=1000)
    await _run_until(directory, asyncio.Event(), lambda: directory.sync_failures >= 3)
    assert [m.uid for m in await directory.miners()] == [1, 2]


async def test_a_uid_re_registered_under_a_new_hotkey_appears_with_the_new_hotkey() -> None:
    chain = _chain()
    directory = _directory(chain)
    await directory.start()
    chain.add_neuron(2, DAVE, ip="8.8.8.9", port=9000)
    await directory.refresh()
    miners = await directory.miners()
    assert MinerEndpoint(2, DAVE, "8.8.8.9", 9000) in miners
    assert all(m.hotkey != CHARLIE for m in miners)


async def test_miners_answers_at_once_while_a_slow_sync_is_in_flight() -> None:
    chain = _chain()
    directory = _directory(chain, interval_s=0.0)
    await directory.start()
    chain.metagraph_delay_s = 30.0
    stop = asyncio.Event()
    task = asyncio.create_task(directory.run(stop))
    await asyncio.sleep(0.05)  # the sync is now waiting on the slow chain
    assert len(await asyncio.wait_for(directory.miners(), timeout=1.0)) == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_run_returns_promptly_when_stop_is_set() -> None:
    directory = _directory(_chain(), interval_s=3_600.0)
    await directory.start()
    stop = asyncio.Event()
    task = asyncio.create_task(directory.run(stop))
    await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=1.0)


def _settings(argv: list[str]) -> ValidatorSettings:
    return settings_from_namespace(ValidatorSettings, build_parser().parse_args(argv), None)


def test_directory_settings_come_from_flags_and_comma_separated_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SN98_DENY_HOTKEYS", f"{BOB}, {CHARLIE}")
    settings = _settings(["--allow-hotkey", DAVE, "--allow-hotkey", EVE, "--min-validator-stake", "250",
                          "--metagraph-sync-seconds", "60", "--miners-file", str(tmp_path / "m.json")])
    assert settings.allow_hotkeys == [DAVE, EVE]
    assert settings.deny_hotkeys == [BOB, CHARLIE]
    assert (settings.min_validator_stake, settings.metagraph_sync_seconds) == (250.0, 60.0)
    assert settings.miners_file == tmp_path / "m.json"


def test_a_malformed_hotkey_in_the_deny_list_names_the_flag() -> None:
    with pytest.raises(ConfigError, match="--deny-hotkey"):
        _settings(["--deny-hotkey", "5NotAKey"])


async def test_local_network_builds_the_static_directory_from_the_miners_file(tmp_path: Path) -> None:
    path = _write(tmp_path, [{"uid": 0, "hotkey": BOB, "ip": "127.0.0.1", "port": 9001}])
    directory = directory_from_settings(_settings(["--network", "local", "--miners-file", str(path)]), None, None)
    assert await directory.miners() == [MinerEndpoint(0, BOB, "127.0.0.1", 9001)]
    with pytest.raises(MinerListError, match="--miners-file"):
        directory_from_settings(_settings(["--network", "local"]), None, None)


async def test_public_networks_build_the_metagraph_directory_with_the_configured_rules() -> None:
    chain, metrics = _chain(), ValidatorMetrics()
    settings = _settings(["--network", "test", "--deny-hotkey", BOB, "--metagraph-sync-seconds", "5"])
    directory = directory_from_settings(settings, chain, ALICE, metrics)
    assert isinstance(directory, MetagraphMinerDirectory)
    await directory.start()
    assert [m.hotkey for m in await directory.miners()] == [CHARLIE]
    assert metrics.registry.get_sample_value("sn98_validator_miners_known") == 1
    with pytest.raises(ValueError, match="chain client"):
        directory_from_settings(settings, None, ALICE)


async def test_failed_syncs_are_counted_as_subtensor_rpc_errors() -> None:
    chain, metrics = _chain(), ValidatorMetrics()
    directory = MetagraphMinerDirectory(chain, 98, own_hotkey=ALICE, min_validator_stake=1_000.0,
                                        sync_interval_s=0.01, metrics=metrics)
    await directory.start()
    chain.fail_next("metagraph", ChainUnavailable("dropped"), times=2)
    await _run_until(directory, asyncio.Event(), lambda: directory.sync_failures == 2)
    assert metrics.registry.get_sample_value("sn98_validator_rpc_errors_total", {"service": "subtensor"}) == 2


async def _hold(synapse: RebalanceQuery) -> RebalanceQuery:
    synapse.desired_positions = list(synapse.current_positions)
    return synapse


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.timeout(120)
async def test_a_miners_file_entry_reaches_a_real_axon_through_the_dendrite_transport(tmp_path: Path) -> None:
    miner, validator = make_wallet(tmp_path, "miner"), make_wallet(tmp_path, "validator")
    with loopback_network(), running_axon(miner, _hold) as axon:
        path = _write(tmp_path, [{"uid": 5, "hotkey": miner.hotkey.ss58_address, "ip": LOOPBACK, "port": axon.port}])
        endpoints = await StaticMinerDirectory.from_file(path).miners()
        transport = DendriteTransport(validator, max_in_flight=2)
        try:
            request = RebalanceRequest(
                job_id="job-1", sn_liquidity_manager_address="0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36",
                pair_address="0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8", chain_id=8453, round_id="job-1:eval:1",
                round_type="evaluation", block_number=1, sqrt_price_x96=2**96, tick=0, tick_spacing=60,
                current_positions=(), inventory0=10**18, inventory1=10**9)
            [reply] = await transport.query_many([(endpoints[0], request)], timeout_s=10.0)
        finally:
            await transport.close()
    assert reply.status is ReplyStatus.OK, reply.message
    assert reply.endpoint.uid == 5 and reply.answer is not None
