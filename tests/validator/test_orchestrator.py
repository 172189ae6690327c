"""The orchestrator follows the jobs table, isolates failing jobs and drains on stop."""

from __future__ import annotations

import asyncio
from collections import Counter

from db.connection import open_databases, upgrade_jobs_db
from db.urls import DatabaseUrl
from validator import jobs_admin
from validator.jobs import ActiveJob
from validator._waiting import Stopped, until_stopped
from validator.orchestrator import Backoff, Orchestrator
from validator.round_store import RoundStore
from validator.telemetry import ValidatorMetrics

VAULT = "0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36"
POOL = "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"
ACTIVE_JOBS = "sn98_validator_active_jobs"


async def _wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_jobs_are_followed_failures_isolated_and_stop_drains(sqlite_url: DatabaseUrl) -> None:
    started: Counter[str] = Counter()
    seen_duration: dict[str, int] = {}
    stopped_cleanly: list[str] = []

    async def runner(job: ActiveJob, job_stop: asyncio.Event) -> None:
        started[job.job_id] += 1
        if job.job_id == "quick":
            return
        seen_duration[job.job_id] = job.round_duration_seconds
        if job.job_id == "broken":
            raise RuntimeError("pool address does not answer")
        await job_stop.wait()
        stopped_cleanly.append(job.job_id)

    stop = asyncio.Event()
    async with open_databases(sqlite_url):
        await upgrade_jobs_db()
        await jobs_admin.add_job({"job_id": "good", "sn_liquidity_manager_address": VAULT, "pair_address": POOL})
        await jobs_admin.add_job({"job_id": "broken", "sn_liquidity_manager_address": VAULT, "pair_address": POOL})
        await jobs_admin.add_job({"job_id": "quick", "sn_liquidity_manager_address": VAULT, "pair_address": POOL})
        metrics = ValidatorMetrics()
        orchestrator = Orchestrator(job_runner=runner, store=RoundStore(), stop=stop, job_refresh_s=0.05,
                                    grace_s=2.0, backoff=Backoff(first_s=0.01, max_s=0.02), metrics=metrics)
        main = asyncio.create_task(orchestrator.run())
        await _wait_for(lambda: started["broken"] >= 3 and started["good"] == 1)
        assert "good" in orchestrator.running_jobs
        await _wait_for(lambda: metrics.registry.get_sample_value(ACTIVE_JOBS) == 2)  # good and broken
        await jobs_admin.update_job("good", {"round_duration_seconds": 1800})
        await _wait_for(lambda: seen_duration.get("good") == 1800)
        await jobs_admin.deactivate_job("broken")
        await _wait_for(lambda: "broken" not in orchestrator.running_jobs)
        broken_runs = started["broken"]
        await asyncio.sleep(0.2)
        assert started["broken"] == broken_runs
        stop.set()
        await asyncio.wait_for(main, timeout=5)
    assert started["good"] == 2 and stopped_cleanly == ["good", "good"]
    assert metrics.registry.get_sample_value(ACTIVE_JOBS) == 0
    assert started["quick"] == 1  # a job that finished its work is not restarted


async def test_stop_when_every_job_is_done(sqlite_url: DatabaseUrl) -> None:
    async def runner(job: ActiveJob, job_stop: asyncio.Event) -> None:
        await asyncio.sleep(0.05)

    stop = asyncio.Event()
    async with open_databases(sqlite_url):
        await upgrade_jobs_db()
        await jobs_admin.add_job({"job_id": "a", "sn_liquidity_manager_address": VAULT, "pair_address": POOL})
        orchestrator = Orchestrator(job_runner=runner, store=RoundStore(), stop=stop, job_refresh_s=0.02,
                                    stop_when_done=True)
        await asyncio.wait_for(orchestrator.run(), timeout=5)
    assert stop.is_set()


async def test_until_stopped_cancels_the_wait_when_stop_is_set() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    try:
        await until_stopped(asyncio.sleep(30), stop)
    except Stopped:
        pass
    else:
        raise AssertionError("expected Stopped")
    assert await until_stopped(asyncio.sleep(0, result=7), asyncio.Event()) == 7


async def test_until_stopped_cancelled_from_outside_leaves_no_task_behind() -> None:
    waiting = asyncio.create_task(until_stopped(asyncio.sleep(30), asyncio.Event()))
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await asyncio.sleep(0)  # let the cancelled inner tasks finish
    assert [task for task in asyncio.all_tasks() if task is not asyncio.current_task()] == []
