"""The roster built from bittensor's own neuron records, the caller rules, and the local miner list."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
from bittensor.core.chain_data import NeuronInfoLite
from bittensor.utils.balance import Balance

from miner.blacklist import CallerPolicy, Roster
from miner.local_entry import MinerListError, entry, upsert
from miner.metagraph import MetagraphWatcher, roster_of
from tests.support.bt_local import free_port


def _neuron(uid: int, hotkey: str, tao: float, permit: bool) -> NeuronInfoLite:
    return dataclasses.replace(NeuronInfoLite.get_null_neuron(), uid=uid, hotkey=hotkey,
                               total_stake=Balance.from_tao(tao), validator_permit=permit, is_null=False)


def test_roster_of_reads_bittensor_neurons_and_skips_placeholders() -> None:
    roster = roster_of([_neuron(0, "5V", 5000.0, True), _neuron(1, "5M", 2.5, False),
                        NeuronInfoLite.get_null_neuron()], block=77)
    assert roster.block == 77 and set(roster.callers) == {"5V", "5M"}
    assert roster.callers["5V"].stake == pytest.approx(5000.0) and roster.callers["5V"].validator_permit
    assert CallerPolicy(1000.0).verdict("5V", roster) == (False, "allowed")
    blocked, reason = CallerPolicy(1000.0).verdict("5M", roster)
    assert blocked and "not a validator" in reason


def test_nobody_is_served_before_the_metagraph_is_loaded_or_without_a_hotkey() -> None:
    assert CallerPolicy().verdict("5V", Roster.not_loaded()) == (True, "metagraph not loaded yet")
    assert CallerPolicy().verdict(None, Roster.allowlist(["5V"]))[0]


def test_local_allowlist_ignores_stake() -> None:
    roster = Roster.allowlist(["5A", "5B"])
    assert CallerPolicy(min_stake=0.0).verdict("5B", roster) == (False, "allowed")
    assert CallerPolicy(min_stake=0.0).verdict("5C", roster)[0]


def test_local_entries_are_added_or_replaced_by_uid_and_hotkey(tmp_path: Path) -> None:
    path = tmp_path / "miners.json"
    upsert(path, entry(2, "5B", "127.0.0.1", 8092))
    upsert(path, entry(1, "5A", "127.0.0.1", 8091))
    upsert(path, entry(2, "5B2", "127.0.0.1", 8093))
    upsert(path, entry(3, "5A", "127.0.0.1", 8094))  # same hotkey on a new uid replaces its old entry
    assert json.loads(path.read_text()) == [
        {"uid": 2, "hotkey": "5B2", "ip": "127.0.0.1", "port": 8093},
        {"uid": 3, "hotkey": "5A", "ip": "127.0.0.1", "port": 8094},
    ]
    path.write_text('{"not": "a list"}')
    with pytest.raises(MinerListError):
        upsert(path, entry(1, "5A", "127.0.0.1", 8091))


async def test_an_unreachable_subtensor_leaves_the_roster_unloaded_and_the_watcher_retrying() -> None:
    watcher = MetagraphWatcher(f"ws://127.0.0.1:{free_port()}", 98, refresh_s=0.2, call_timeout_s=10)
    with pytest.raises(ConnectionError):
        await watcher.refresh()
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    await asyncio.sleep(0.5)
    assert not task.done() and not watcher.roster().loaded
    stop.set()
    await asyncio.wait_for(task, 20)
    assert CallerPolicy().verdict("5V", watcher.roster()) == (True, "metagraph not loaded yet")


def test_local_entry_command_adds_this_miners_hotkey_and_a_reachable_address(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from miner.cli import main
    from tests.support.bt_local import make_wallet

    wallet = make_wallet(tmp_path, "m")
    path = tmp_path / "miners.json"
    code = main(["local-entry", "--uid", "4", "--list", str(path), "--wallet.path", str(tmp_path),
                 "--wallet.name", "m", "--axon.port", "8095", "--network", "test"])
    expected = {"uid": 4, "hotkey": wallet.hotkey.ss58_address, "ip": "127.0.0.1", "port": 8095}
    assert code == 0 and json.loads(capsys.readouterr().out) == expected
    assert json.loads(path.read_text()) == [expected]
