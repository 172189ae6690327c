"""The job runner: evaluation rounds up to the round limit, the live loop beside them, ended with them.

Real parts: the replayed day-1 history, a real axon on loopback, the real transport and round store.
No `from __future__ import annotations`: the axon reads forward annotations.
"""

import asyncio
from pathlib import Path

import pytest

from db.connection import open_databases, upgrade_jobs_db
from db.models import Job, Round
from db.urls import DatabaseUrl
from tests.support import scripted_miners as s
from tests.support.axon_network import axon_network
from tests.support.bt_local import LOOPBACK
from tests.support.replay_rounds import BUSY_FROM, POOL, VAULT, day1_history
from validator.chain.replay import ReplayChainSource
from validator.chain.source import ChainSource
from validator.evaluation import EvaluationSettings
from validator.job_runner import JobRunner
from validator.jobs import ActiveJob
from validator.miners.dendrite_v10 import DendriteTransport
from validator.miners.directory import StaticMinerDirectory
from validator.round_store import RoundStore

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
]

async def test_the_live_loop_runs_beside_evaluation_and_ends_with_it(sqlite_url: DatabaseUrl, tmp_path: Path) -> None:
    history = day1_history()
    live_chains: list[ChainSource] = []

    async def live_loop(job: ActiveJob, chain: ChainSource, live_stop: asyncio.Event) -> None:
        live_chains.append(chain)
        await live_stop.wait()

    with axon_network(tmp_path / "wallets", [s.sensible]) as network:
        chain = ReplayChainSource({POOL: history}, start_block=BUSY_FROM, end_block=BUSY_FROM + 600,
                                  default_idle=(10**10, 5 * 10**18))
        transport = DendriteTransport(network.validator, external_ip=LOOPBACK)

        async def chain_for(job: ActiveJob) -> ChainSource:
            return chain

        runner = JobRunner(chain_for=chain_for, transport=transport, store=RoundStore(),
                           directory=StaticMinerDirectory([m.endpoint() for m in network.miners]),
                           evaluation=EvaluationSettings(query_timeout_s=2.0), max_rounds=2, live_loop=live_loop)
        try:
            async with open_databases(sqlite_url):
                await upgrade_jobs_db()
                row = await Job.create(job_id="j", sn_liquidity_manager_address=VAULT, pair_address=POOL,
                                       round_duration_seconds=400, checkpoint_blocks=100)
                await asyncio.wait_for(runner.run(ActiveJob.from_row(row), asyncio.Event()), timeout=60)
                statuses = await Round.filter(job_id=row.id).order_by("id").values_list("status", flat=True)
        finally:
            await transport.close()
            await chain.close()
    assert [str(getattr(status, "value", status)) for status in statuses] == ["completed", "completed"]
    assert live_chains == [chain]
    leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    assert not leftovers, leftovers  # nothing of the job (its live relay included) outlives it
