"""``python -m validator`` (``run``): wire the parts together and run until stopped.

Order matters: bittensor is imported before logging is configured (its import mutes existing
loggers); the jobs DB is migrated before any job starts; signals are installed before the first
round; on the way out every connection is closed even when a part failed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from loguru import logger

from common.logs import configure_logging
from common.settings_cli import ConfigError
from db.connection import open_databases, upgrade_jobs_db
from db.event_reader import LAYOUTS
from db.models import Job
from validator.chain.factory import live_source
from validator.chain.replay import ReplayChainSource, ReplayDataError
from validator.chain.source import ChainSource
from validator.config import ValidatorSettings
from validator.evaluation import EvaluationSettings
from validator.executor.base import Executor
from validator.executor.factory import build_executor
from validator.job_runner import JobRunner, LiveLoop
from validator.live import directory_lookup, live_settings_from, run_live_loop
from validator.jobs import ActiveJob
from validator.miners.dendrite_v10 import DendriteTransport
from validator import VERSION_KEY
from validator.miners.directory import (
    MetagraphMinerDirectory,
    MinerDirectory,
    StaticMinerDirectory,
    directory_from_settings,
)
from validator.orchestrator import Orchestrator
from validator.round_store import RoundStore
from validator.signals import ShutdownSignals
from validator.subtensor.bittensor_client import SubtensorChainClient
from validator.telemetry import Readiness, ValidatorMetrics, serve_telemetry
from validator.weights_loop import WeightSetter, WeightsSettings


def load_wallet(settings: ValidatorSettings) -> object:
    """The validator's wallet; its hotkey signs every query. A missing hotkey is a config error."""
    from bittensor_wallet import Wallet

    wallet = Wallet(name=settings.wallet_name, hotkey=settings.wallet_hotkey,
                    path=str(settings.wallet_dir))
    if not Path(wallet.hotkey_file.path).exists():
        raise ConfigError(f"--wallet.name/--wallet.hotkey: no hotkey file at {wallet.hotkey_file.path}")
    return wallet


class ChainProvider:
    """One chain source per job: live mode shares one RPC client; replay builds one per pool window."""

    def __init__(self, settings: ValidatorSettings) -> None:
        self.settings = settings
        self._live: ChainSource | None = None
        self._replays: dict[tuple[str, str], ChainSource] = {}
        self._opened: list[ChainSource] = []

    async def for_job(self, job: ActiveJob) -> ChainSource:
        if self.settings.chain == "live":
            if self._live is None:
                self._live = live_source(self.settings)
                self._opened.append(self._live)
            return self._live
        # A replay source keeps its virtual clock across restarts of the job's task: a restarted job
        # continues where it stopped instead of replaying the same blocks again.
        key = (job.job_id, job.pool)
        if key not in self._replays:
            self._replays[key] = await self._replay(job)
            self._opened.append(self._replays[key])
        return self._replays[key]

    async def _replay(self, job: ActiveJob) -> ChainSource:
        layout = LAYOUTS[self.settings.pool_events_layout].with_prefix(self.settings.pool_events_table_prefix)
        try:
            return await ReplayChainSource.from_database(
                [job.pool], start_block=self.settings.replay_from_block or None,
                end_block=self.settings.replay_to_block or None, layout=layout, speed=self.settings.replay_speed,
                block_time_s=self.settings.block_time_seconds,
                default_idle=(self.settings.replay_vault_amount0, self.settings.replay_vault_amount1))
        except ReplayDataError as exc:
            raise ConfigError(f"job {job.job_id}: {exc}") from exc

    async def close(self) -> None:
        for source in self._opened:
            with contextlib.suppress(Exception):
                await source.close()


async def _readiness() -> Readiness:
    await Job.all().limit(1).values_list("id", flat=True)
    return Readiness(True, "")


@contextlib.asynccontextmanager
async def _background(directory: object, stop: asyncio.Event) -> AsyncIterator[None]:
    task = None
    if isinstance(directory, MetagraphMinerDirectory):
        await directory.start()
        task = asyncio.create_task(directory.run(stop), name="metagraph-sync")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


SUBTENSOR_BLOCK_S = 12.0


def _live_loop(settings: ValidatorSettings, transport: DendriteTransport, store: RoundStore, executor: Executor,
               directory: MinerDirectory) -> LiveLoop:
    """Live rounds need a real vault: they run with live chain data only (replay has none to steer)."""
    lookup = directory_lookup(directory)
    options = live_settings_from(settings)

    async def loop(job: ActiveJob, chain: ChainSource, stop: asyncio.Event) -> None:
        await run_live_loop(job, chain, transport, store, executor, lookup, options, stop)

    return loop


def _weight_setter(settings: ValidatorSettings, directory: object, chain: SubtensorChainClient | None,
                   own_hotkey: str | None, metrics: ValidatorMetrics) -> WeightSetter:
    async def uids() -> tuple[dict[str, int], int | None, int]:
        if isinstance(directory, MetagraphMinerDirectory) and directory.snapshot is not None:
            snapshot = directory.snapshot
            return {n.hotkey: n.uid for n in snapshot.neurons}, snapshot.owner_uid, snapshot.block
        if isinstance(directory, StaticMinerDirectory):
            return {m.hotkey: m.uid for m in await directory.miners()}, None, 0
        raise RuntimeError("the metagraph has not been read yet")

    options = WeightsSettings(netuid=settings.netuid, version_key=VERSION_KEY,
                              interval_s=settings.weights_interval_blocks * SUBTENSOR_BLOCK_S,
                              sharpness=settings.weights_sharpness, burn_share=settings.burn_share)
    return WeightSetter(options, uids, chain, lambda mapping: mapping.get(own_hotkey or ""), metrics)


async def run(settings: ValidatorSettings) -> int:
    import bittensor  # noqa: F401  (before configure_logging: importing it mutes existing loggers)

    configure_logging(settings.log_options())
    if settings.chain == "live" and not settings.rpc_urls:
        raise ConfigError("--rpc-url / SN98_RPC_URLS: live chain data needs at least one RPC URL")
    wallet = load_wallet(settings)
    stop = asyncio.Event()
    signals = ShutdownSignals(stop)
    signals.install()
    metrics = ValidatorMetrics()
    pool_events = settings.pool_events_db if settings.chain == "replay" else None
    try:
        async with open_databases(settings.jobs_db, pool_events):
            applied = await upgrade_jobs_db()
            logger.info("jobs DB {} ready ({} migration(s) applied)", settings.jobs_db.masked(), len(applied))
            await _run_jobs(settings, wallet, stop, metrics)
    finally:
        signals.uninstall()
    return 0


async def _run_jobs(settings: ValidatorSettings, wallet: object, stop: asyncio.Event,
                    metrics: ValidatorMetrics) -> None:
    own_hotkey = getattr(getattr(wallet, "hotkey", None), "ss58_address", None)
    chain_client = None if settings.network == "local" else SubtensorChainClient.from_settings(settings, wallet)
    directory = directory_from_settings(settings, chain_client, own_hotkey, metrics)
    transport = DendriteTransport(wallet, max_in_flight=settings.max_concurrent_queries,  # type: ignore[arg-type]
                                  external_ip="127.0.0.1" if settings.network == "local" else None)
    chains = ChainProvider(settings)
    store = RoundStore()
    executor = build_executor(url=settings.executor_url, api_key=settings.executor_api_key,
                              timeout_s=settings.executor_timeout_seconds,
                              connect_timeout_s=settings.executor_connect_timeout_seconds,
                              attempts=settings.executor_attempts, record_file=settings.executor_record_file)
    live_loop = _live_loop(settings, transport, store, executor, directory) if settings.chain == "live" else None
    runner = JobRunner(
        chain_for=chains.for_job, transport=transport, directory=directory, store=store,
        evaluation=EvaluationSettings(query_timeout_s=settings.query_timeout_seconds,
                                      block_time_s=settings.block_time_seconds, max_positions=settings.max_positions),
        max_rounds=settings.max_rounds, live_loop=live_loop, metrics=metrics)
    orchestrator = Orchestrator(job_runner=runner.run, store=store, stop=stop, job_refresh_s=settings.job_refresh_seconds,
                                grace_s=settings.shutdown_grace_seconds,
                                stop_when_done=settings.chain == "replay" or settings.max_rounds > 0, metrics=metrics)
    weights = _weight_setter(settings, directory, chain_client, own_hotkey, metrics)
    try:
        async with serve_telemetry(metrics, _readiness, settings.metrics_port), _background(directory, stop):
            weights_task = asyncio.create_task(weights.run(stop), name="weights")
            try:
                await orchestrator.run()
            finally:
                stop.set()
                await asyncio.gather(weights_task, return_exceptions=True)
    finally:
        await transport.close()
        await executor.close()
        await chains.close()
        if chain_client is not None:
            await chain_client.close()
