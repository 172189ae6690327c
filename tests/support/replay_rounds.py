"""Real evaluation rounds in replay mode, in-process: ``EvaluationRound`` with a ``ReplayChainSource``
over the shipped day-1 history, the real ``DendriteTransport`` to real axons on loopback, and the
real ``RoundStore`` on a SQLite jobs DB. Only the daemon's process wrapper is left out, so a test
can run several rounds in a few seconds and read every row they leave behind.

Usage::

    with axon_network(tmp, [sensible, hold]) as net:
        async with replay_rounds(jobs_url, net, ReplayWindow(start_block=..., rounds=2)) as rounds:
            summaries = await rounds.run()
            rows = await RoundResult.all().values()   # still inside the DB context
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from db.connection import open_databases, upgrade_jobs_db
from db.models import Job
from db.urls import DatabaseUrl
from simulator.csv_events import PoolHistory, read_event_tables
from tests.support.axon_network import AxonNetwork
from tests.support.bt_local import LOOPBACK
from validator.chain.replay import ReplayChainSource
from validator.evaluation import EvaluationRound, EvaluationSettings, RoundSummary
from validator.jobs import ActiveJob
from validator.miners.dendrite_v10 import DendriteTransport
from validator.miners.types import MinerEndpoint
from validator.round_store import RoundStore
from validator.telemetry import ValidatorMetrics

DAY1 = Path(__file__).resolve().parents[3] / "shared" / "data" / "uniswap-v3-mainnet-day1"
POOL = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"  # USDC/WETH 0.3%: 107 swaps on day 1
VAULT = "0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36"
BUSY_FROM = 12_375_700
"""Most of the pool's day-1 swaps fall after this block (its tick falls ~195,300 -> ~194,850: token0,
USDC, loses ~4% against WETH, the unit values are measured in)."""
LAST_BLOCK = 12_376_625


def day1_history() -> PoolHistory:
    """The USDC/WETH pool's whole day-1 history; skips the test when ../shared/data is absent."""
    if not DAY1.is_dir():
        pytest.skip(f"{DAY1} is absent (shared day-1 event data)")
    return read_event_tables(DAY1, POOL)[POOL]


@dataclass(frozen=True, slots=True)
class ReplayWindow:
    """Where and how the rounds run. Round length in blocks = ``round_blocks``; ``idle``: the
    vault's starting raw token amounts (USDC 6 decimals, WETH 18)."""

    start_block: int = BUSY_FROM
    round_blocks: int = 400
    checkpoint_blocks: int = 100
    rounds: int = 1
    target: str = "pnl_vs_hodl"
    query_timeout_s: float = 2.0
    idle: tuple[int, int] = (10**10, 5 * 10**18)
    job_id: str = "adversarial"

    @property
    def end_block(self) -> int:
        return min(LAST_BLOCK, self.start_block + self.round_blocks * self.rounds)


@dataclass
class ReplayRounds:
    """Drives consecutive rounds of one job; ``endpoints`` may be changed between calls to ``run``."""

    job: ActiveJob
    chain: ReplayChainSource
    transport: DendriteTransport
    endpoints: list[MinerEndpoint]
    settings: EvaluationSettings
    store: RoundStore = field(default_factory=RoundStore)
    metrics: ValidatorMetrics = field(default_factory=ValidatorMetrics)

    async def run(self, rounds: int = 1) -> list[RoundSummary]:
        summaries = []
        for _ in range(rounds):
            summaries.append(await EvaluationRound(self.job, self.chain, self.transport, self.store, self.endpoints,
                                                   self.settings, asyncio.Event(), self.metrics).run())
        return summaries


async def _job(window: ReplayWindow) -> ActiveJob:
    row = await Job.create(job_id=window.job_id, sn_liquidity_manager_address=VAULT, pair_address=POOL,
                           target=window.target, round_duration_seconds=window.round_blocks * 2,
                           checkpoint_blocks=window.checkpoint_blocks)
    return ActiveJob.from_row(row)


@contextlib.asynccontextmanager
async def replay_rounds(jobs_url: DatabaseUrl, network: AxonNetwork, window: ReplayWindow,
                        miners: Sequence[MinerEndpoint] | None = None) -> AsyncIterator[ReplayRounds]:
    """Open the jobs DB (migrated), add the job, and yield a driver of its rounds over ``network``'s
    axons (or ``miners``). The DB stays open inside the block for the test's reads."""
    chain = ReplayChainSource({POOL: day1_history()}, start_block=window.start_block, end_block=window.end_block,
                              default_idle=window.idle)
    transport = DendriteTransport(network.validator, max_in_flight=64, external_ip=LOOPBACK)
    settings = EvaluationSettings(query_timeout_s=window.query_timeout_s)
    endpoints = list(miners) if miners is not None else [m.endpoint() for m in network.miners]
    try:
        async with open_databases(jobs_url):
            await upgrade_jobs_db()
            yield ReplayRounds(await _job(window), chain, transport, endpoints, settings)
    finally:
        await transport.close()
        await chain.close()
