"""Weights from the DB's combined scores, through our fake chain client: exact uids and values."""

from __future__ import annotations

import pytest

from db.connection import open_databases, upgrade_jobs_db
from db.models import Job, MinerScore, WeightSet
from db.urls import DatabaseUrl
from tests.support.fake_chain import FakeChainClient
from validator.subtensor.types import WeightsResult
from validator.weights_loop import WeightSetter, WeightsSettings

ADDRESS = "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"


async def _seed() -> None:
    a = await Job.create(job_id="a", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS, weight=3.0)
    b = await Job.create(job_id="b", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS, weight=1.0)
    off = await Job.create(job_id="off", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS,
                           is_active=False)
    await MinerScore.create(job=a, miner_hotkey="hk1", miner_uid=1, combined_score=0.6)
    await MinerScore.create(job=a, miner_hotkey="hk2", miner_uid=2, combined_score=0.3)
    await MinerScore.create(job=b, miner_hotkey="hk2", miner_uid=2, combined_score=0.5)
    await MinerScore.create(job=off, miner_hotkey="hk3", miner_uid=3, combined_score=1.0)
    await MinerScore.create(job=a, miner_hotkey="gone", miner_uid=4, combined_score=0.9)


def _chain() -> FakeChainClient:
    chain = FakeChainClient(own_hotkey="vali", owner_hotkey="owner", weights_rate_limit=10)
    chain.add_neuron(0, "owner")
    chain.add_neuron(1, "hk1")
    chain.add_neuron(2, "hk2")
    chain.add_neuron(3, "hk3")
    chain.add_neuron(4, "new-owner-of-uid-4")
    chain.add_neuron(5, "vali", validator_permit=True, stake=10_000)
    return chain


def _setter(chain: FakeChainClient, burn: float = 0.0) -> WeightSetter:
    async def uids() -> tuple[dict[str, int], int | None, int]:
        snapshot = await chain.metagraph(98)
        return {n.hotkey: n.uid for n in snapshot.neurons}, snapshot.owner_uid, snapshot.block

    return WeightSetter(WeightsSettings(netuid=98, version_key=1010, sharpness=1.0, burn_share=burn), uids, chain,
                        lambda mapping: mapping.get("vali"))


async def test_weights_sent_are_the_formula_of_the_active_jobs(db_url: DatabaseUrl) -> None:
    chain = _chain()
    async with open_databases(db_url):
        await upgrade_jobs_db()
        await _seed()
        chain.advance(20)
        stored = await _setter(chain, burn=0.1).set_once()
        assert stored is not None and stored.success
        [call] = chain.weight_calls
        # job a (3/4): hk1 0.6/0.9, hk2 0.3/0.9; job b (1/4): hk2 1.0; 10% burned to the owner (uid 0).
        expected = {0: 0.1, 1: 0.9 * 0.75 * (2 / 3), 2: 0.9 * (0.75 * (1 / 3) + 0.25)}
        assert dict(zip(call.uids, call.weights)) == pytest.approx(expected)
        assert call.version_key == 1010
        assert await WeightSet.all().count() == 1


async def test_rate_limit_and_chain_refusals_are_recorded_not_raised(sqlite_url: DatabaseUrl) -> None:
    chain = _chain()
    async with open_databases(sqlite_url):
        await upgrade_jobs_db()
        await _seed()
        limited = await _setter(chain).set_once()
        assert limited is not None and not limited.success and "rate limited" in limited.message
        chain.advance(20)
        chain.queue_weights_result(WeightsResult(False, "commit failed"))
        refused = await _setter(chain).set_once()
        assert refused is not None and not refused.success and refused.message == "commit failed"
        assert chain.weight_calls and not chain.weight_calls[-1].result.success
        assert await WeightSet.filter(success=False).count() == 2
