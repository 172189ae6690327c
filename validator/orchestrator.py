"""The daemon's top level: one supervised task per active job, inside one TaskGroup.

Jobs are re-read from the jobs DB every ``job_refresh_s``: new jobs start, deactivated jobs stop,
changed jobs restart with their new settings, all without restarting the process. A job runner
returns only when its job has nothing more to do (a replay window or a round limit reached). A job task that
fails is logged and restarted with exponential backoff while the others run on. When ``stop`` is
set (SIGINT/SIGTERM), rounds in flight stop at their next checkpoint and are recorded as failed
with the reason "shutdown"; after ``grace_s`` whatever still runs is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from loguru import logger

from validator._waiting import Backoff, Stopped, sleep_or_stop
from validator.jobs import ActiveJob, load_active_jobs
from validator.round_store import RoundStore
from validator.telemetry import ValidatorMetrics

JobRunner = Callable[[ActiveJob, asyncio.Event], Awaitable[None]]


class Orchestrator:
    """Runs ``job_runner`` for every active job until ``stop`` is set."""

    def __init__(self, *, job_runner: JobRunner, store: RoundStore, stop: asyncio.Event,
                 job_refresh_s: float = 30.0, grace_s: float = 30.0, backoff: Backoff = Backoff(),
                 stop_when_done: bool = False, metrics: ValidatorMetrics | None = None) -> None:
        self.job_runner = job_runner
        self.store = store
        self.stop = stop
        self.job_refresh_s = job_refresh_s
        self.grace_s = grace_s
        self.backoff = backoff
        self.stop_when_done = stop_when_done
        self.metrics = metrics
        self._tasks: dict[str, tuple[ActiveJob, asyncio.Task[None], asyncio.Event]] = {}

    @property
    def running_jobs(self) -> list[str]:
        return sorted(job_id for job_id, (_, task, _) in self._tasks.items() if not task.done())

    async def run(self) -> None:
        recovered = await self.store.recover_interrupted()
        if recovered:
            logger.warning("marked {} round(s) left active by a previous run as failed", recovered)
        async with asyncio.TaskGroup() as group:
            while not self.stop.is_set():
                await self._reconcile(group)
                self._count_running()
                if self.stop_when_done and self._tasks and not self.running_jobs:
                    logger.info("every job finished its work: stopping")
                    self.stop.set()
                    break
                await sleep_or_stop(self.job_refresh_s, self.stop)
            await self._drain()
        self._count_running()
        logger.info("all job tasks stopped")

    def _count_running(self) -> None:
        if self.metrics is not None:
            self.metrics.active_jobs.set(len(self.running_jobs))

    async def _reconcile(self, group: asyncio.TaskGroup) -> None:
        try:
            wanted = await load_active_jobs()
        except Exception as exc:  # the DB may be down for a while: keep the jobs we have
            logger.error("cannot load jobs, keeping {} running: {!r}", len(self._tasks), exc)
            return
        for job_id, (job, task, job_stop) in list(self._tasks.items()):
            current = wanted.get(job_id)
            if current is None or current.version != job.version:
                reason = "deactivated" if current is None else "changed"
                logger.bind(job=job_id).info("stopping job task: {}", reason)
                job_stop.set()
                await self._stop_task(task)
                del self._tasks[job_id]
        for job_id, job in wanted.items():
            if job_id not in self._tasks:
                job_stop = asyncio.Event()
                task = group.create_task(self._supervise(job, job_stop), name=f"job:{job_id}")
                self._tasks[job_id] = (job, task, job_stop)
                logger.bind(job=job_id).info("job task started (pool {}, vault {})", job.pool, job.vault)

    async def _stop_task(self, task: asyncio.Task[None]) -> None:
        done, _ = await asyncio.wait({task}, timeout=self.grace_s)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _drain(self) -> None:
        for _, _, job_stop in self._tasks.values():
            job_stop.set()
        tasks = [task for _, task, _ in self._tasks.values()]
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=self.grace_s)
        for task in pending:
            logger.warning("job task {} still running after {:.0f}s grace: cancelling", task.get_name(), self.grace_s)
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _supervise(self, job: ActiveJob, job_stop: asyncio.Event) -> None:
        """Run the job until it returns (its work is done) or is stopped; a failure is logged and
        retried after a growing delay. A finished job is not restarted until its row changes."""
        log = logger.bind(job=job.job_id)
        failures = 0
        while not (self.stop.is_set() or job_stop.is_set()):
            try:
                await self.job_runner(job, job_stop)
                log.info("job finished its work")
                return
            except asyncio.CancelledError:
                raise
            except Stopped:
                return
            except Exception as exc:  # isolate the job: the others run on
                failures += 1
                delay = self.backoff.delay(failures)
                log.opt(exception=exc).error("job task failed ({} in a row), restarting in {:.0f}s: {!r}",
                                             failures, delay, exc)
                await sleep_or_stop(delay, job_stop)
