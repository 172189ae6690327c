"""Who may steer the vault: the last evaluation winner, eligible and still registered; else a logged skip."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from loguru import logger

from db.connection import open_databases, upgrade_jobs_db
from db.models import ExecutionStatus, MinerParticipation, Round, RoundStatus, RoundType
from db.urls import DatabaseUrl
from tests.live._support import seed_eligible_winner
from validator import jobs_admin
from validator.executor import RecordingExecutor
from validator.jobs import ActiveJob, load_active_jobs
from validator.live import Candidate, LiveSettings, choose_candidate, directory_lookup, run_live_loop
from validator.miners.directory import StaticMinerDirectory
from validator.miners.types import MinerEndpoint
from validator.round_store import RoundStore

VAULT = "0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36"
POOL = "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"
MINER = MinerEndpoint(uid=4, hotkey="5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", ip="127.0.0.1", port=1)
SETTINGS = LiveSettings()


async def _job() -> ActiveJob:
    await upgrade_jobs_db()
    await jobs_admin.add_job({"job_id": "j", "sn_liquidity_manager_address": VAULT, "pair_address": POOL})
    return (await load_active_jobs())["j"]


_registered = directory_lookup(StaticMinerDirectory([MINER]))


async def test_no_completed_evaluation_round_means_no_candidate(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        job = await _job()
        await Round.create(round_id="j:evaluation:1", job_id=job.db_id, round_type=RoundType.EVALUATION,
                           round_number=1, status=RoundStatus.ACTIVE, start_block=1, winner_hotkey=MINER.hotkey)
        assert await choose_candidate(job, RoundStore(), _registered, SETTINGS) == "no completed evaluation round yet"


async def test_a_round_without_winner_means_no_candidate(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        job = await _job()
        await Round.create(round_id="j:evaluation:1", job_id=job.db_id, round_type=RoundType.EVALUATION,
                           round_number=1, status=RoundStatus.COMPLETED, start_block=1)
        reason = await choose_candidate(job, RoundStore(), _registered, SETTINGS)
        assert reason == "evaluation round j:evaluation:1 has no winner"


@pytest.mark.parametrize(("days", "needed", "eligible"), [(6, 7, False), (7, 7, True), (3, 3, True), (0, 1, False)])
async def test_eligibility_counts_utc_days_with_valid_answers(sqlite_url: DatabaseUrl, days: int, needed: int,
                                                              eligible: bool) -> None:
    async with open_databases(sqlite_url):
        job = await _job()
        await seed_eligible_winner(job.db_id, MINER.hotkey, MINER.uid, days=days)
        today = dt.datetime.now(dt.timezone.utc).date()  # a day without a valid answer does not count
        await MinerParticipation.create(job_id=job.db_id, miner_hotkey=MINER.hotkey, miner_uid=MINER.uid, day=today,
                                        valid_answers=0, rounds=1)
        got = await choose_candidate(job, RoundStore(), _registered, LiveSettings(eligibility_days=needed))
    if eligible:
        assert got == Candidate(MINER, "seed:evaluation:1")
    else:
        assert got == f"winner {MINER.hotkey} of seed:evaluation:1 has {days} participation day(s), needs {needed}"


async def test_a_deregistered_winner_is_skipped_and_a_registered_one_found_through_the_directory(
        sqlite_url: DatabaseUrl) -> None:
    other = MinerEndpoint(uid=MINER.uid, hotkey="5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", ip="127.0.0.1", port=2)
    async with open_databases(sqlite_url):
        job = await _job()
        await seed_eligible_winner(job.db_id, MINER.hotkey, MINER.uid)
        recycled = await choose_candidate(job, RoundStore(), directory_lookup(StaticMinerDirectory([other])), SETTINGS)
        found = await choose_candidate(job, RoundStore(), directory_lookup(StaticMinerDirectory([other, MINER])),
                                       SETTINGS)
    assert recycled == f"winner {MINER.hotkey} of seed:evaluation:1 is no longer registered"  # its uid has a new hotkey
    assert found == Candidate(MINER, "seed:evaluation:1")


async def test_the_loop_logs_each_skip_and_returns_when_stopped(sqlite_url: DatabaseUrl) -> None:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="INFO", format="{message}")
    stop = asyncio.Event()
    try:
        async with open_databases(sqlite_url):
            job = await _job()
            loop = asyncio.create_task(run_live_loop(job, None, None, RoundStore(), RecordingExecutor(),  # type: ignore[arg-type]
                                                     _registered, LiveSettings(idle_wait_s=0.05), stop))
            await asyncio.sleep(0.3)
            stop.set()
            await asyncio.wait_for(loop, timeout=5)
            rounds = await Round.filter(round_type=RoundType.LIVE).count()
    finally:
        logger.remove(sink)
    skips = [line for line in lines if line.startswith("live round skipped: no completed evaluation round yet")]
    assert len(skips) >= 2 and rounds == 0


async def test_an_execution_row_is_opened_once_per_key(db_url: DatabaseUrl) -> None:
    store = RoundStore()
    async with open_databases(db_url):
        job = await _job()
        live = await store.open_round(job.db_id, job.job_id, RoundType.LIVE, 10, 2**96, {})
        first = await store.open_execution(live, "live-abc", MINER.hotkey, MINER.uid, 10, {"positions": []})
        await store.update_execution(first, ExecutionStatus.CONFIRMED, tx_hashes=["0x01"], gas_used=2**200)
        again = await store.open_execution(live, "live-abc", MINER.hotkey, MINER.uid, 10, {"positions": [1]})
    assert again.id == first.id and again.status is ExecutionStatus.CONFIRMED and again.gas_used == 2**200
    assert again.decision == {"positions": []}
