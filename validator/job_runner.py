"""What one job does while it is active: evaluation rounds back to back (and, with an executor,
live rounds concurrently). Returns only when the job's work is done: its round limit reached or
its replay window exhausted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from loguru import logger

from db.models import RoundType
from validator._waiting import Backoff, Stopped, sleep_or_stop
from validator.chain.errors import ReplayExhausted
from validator.chain.source import ChainSource
from validator.evaluation import EvaluationRound, EvaluationSettings
from validator.jobs import ActiveJob
from validator.miners.directory import MinerDirectory
from validator.miners.transport import MinerTransport
from validator.round_store import UNRECORDED, RoundStore
from validator.telemetry import ValidatorMetrics

ChainFor = Callable[[ActiveJob], Awaitable[ChainSource]]
LiveLoop = Callable[[ActiveJob, ChainSource, asyncio.Event], Awaitable[None]]
NO_MINERS_WAIT_S = 30.0
ROUND_RETRY = Backoff(first_s=1.0, max_s=120.0)


@dataclass(slots=True)
class JobRunner:
    """Everything a job task needs; ``run`` is the orchestrator's job runner."""

    chain_for: ChainFor
    transport: MinerTransport
    directory: MinerDirectory
    store: RoundStore
    evaluation: EvaluationSettings
    max_rounds: int = 0
    live_loop: LiveLoop | None = None
    metrics: ValidatorMetrics | None = None

    async def run(self, job: ActiveJob, stop: asyncio.Event) -> None:
        chain = await self.chain_for(job)
        evaluation_done = asyncio.Event()
        async with asyncio.TaskGroup() as group:
            if self.live_loop is not None:
                group.create_task(self._live(job, chain, stop, evaluation_done))
            await self._evaluation_loop(job, chain, stop)
            evaluation_done.set()

    async def _live(self, job: ActiveJob, chain: ChainSource, stop: asyncio.Event, done: asyncio.Event) -> None:
        # The live loop ends with the job: when evaluation has no more work, or on stop.
        live_stop = asyncio.Event()

        async def relay() -> None:
            waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(done.wait())}
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in waits:  # the one still waiting would outlive the job
                    wait.cancel()
            live_stop.set()

        assert self.live_loop is not None
        relay_task = asyncio.ensure_future(relay())
        try:
            await self.live_loop(job, chain, live_stop)
        except ReplayExhausted:
            logger.bind(job=job.job_id).info("live rounds: replay window exhausted")
        finally:
            relay_task.cancel()

    async def _evaluation_loop(self, job: ActiveJob, chain: ChainSource, stop: asyncio.Event) -> None:
        log = logger.bind(job=job.job_id)
        rounds = failures = 0
        while not stop.is_set() and (self.max_rounds == 0 or rounds < self.max_rounds):
            miners = await self.directory.miners()
            if not miners:
                log.warning("no miners to query; waiting {:.0f}s", NO_MINERS_WAIT_S)
                await sleep_or_stop(NO_MINERS_WAIT_S, stop)
                continue
            rounds += 1
            try:
                if failures:  # the failed round may still be active if the DB was down when it failed
                    await self.store.fail_unrecorded(job.db_id, RoundType.EVALUATION, UNRECORDED)
                await EvaluationRound(job, chain, self.transport, self.store, miners, self.evaluation, stop,
                                      self.metrics).run()
                failures = 0
            except ReplayExhausted as exc:
                log.info("replay window exhausted after {} round(s): {}", rounds - 1, exc)
                return
            except (Stopped, asyncio.CancelledError):
                raise
            except Exception as exc:  # the round is recorded failed; the next one starts from a fresh state
                failures += 1
                delay = ROUND_RETRY.delay(failures)
                log.opt(exception=exc).error("evaluation round failed ({} in a row), next in {:.0f}s: {!r}",
                                             failures, delay, exc)
                await sleep_or_stop(delay, stop)
        if self.max_rounds and rounds >= self.max_rounds:
            log.info("round limit reached ({} evaluation rounds)", rounds)
