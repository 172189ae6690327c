"""Live rounds on the devchain: a real axon decides, the reference bot executes on the real EOA vault,
the score comes from chain state. No `from __future__ import annotations` (the Axon reads annotations).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from db.connection import open_databases, upgrade_jobs_db
from db.models import (ExecutionStatus, LiveExecution, MinerScore, Prediction, Round, RoundResult, RoundStatus,
                       RoundType)
from db.urls import DatabaseUrl
from scripts.devchain.chain import Devchain
from simulator.targets import target_named
from tests.executor._support import API_KEY, bot_on_devchain, free_port, vault_npm_positions
from tests.live._support import (HALF_WIDTH, chain_holdings, concurrent_evaluation, invalid_miner,
                                seed_eligible_winner, steering_miner, traffic)
from tests.support import scripted_miners
from tests.support.bt_local import LOOPBACK, loopback_network, make_wallet, running_axon
from validator import jobs_admin
from validator.chain.live import LiveChainSource, LiveOptions
from validator.chain.rpc import RpcClient, RpcOptions
from validator.executor import Executor, HttpExecutor, HttpExecutorOptions, RecordingExecutor
from validator.jobs import ActiveJob, load_active_jobs
from validator.live import LiveSettings, directory_lookup, realized_metrics, run_live_loop
from validator.miners.dendrite_v10 import DendriteTransport
from validator.miners.directory import StaticMinerDirectory
from validator.miners.types import MinerEndpoint
from validator.round_store import RoundStore
from validator.scoring import LIVE_EMA_NEW, live_rank

pytestmark = [pytest.mark.chain, pytest.mark.timeout(300),
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")]

SETTINGS = LiveSettings(block_time_s=3.0, query_timeout_s=10.0, idle_wait_s=0.2, evaluation_wait_s=90.0,
                        evaluation_poll_s=0.2)  # a 60 s job round = 20 blocks
EVALUATION_RAW = [-1.0, -0.002, -0.0001, 0.0001, 0.002, 1.0]  # what the concurrent evaluation round "simulated"
FAST_RETRIES = HttpExecutorOptions(request_timeout_s=30, attempts=3, wait_initial_s=0.05, wait_max_s=0.1,
                                   wait_jitter_s=0.0, retry_timeout_s=10)


@dataclass
class World:
    devchain: Devchain
    job: ActiveJob
    chain: LiveChainSource
    transport: DendriteTransport
    miner: MinerEndpoint
    store: RoundStore
    logs: list[str]


@asynccontextmanager
async def live_world(devchain: Devchain, db: DatabaseUrl, tmp_path: Path,
                     forward: Callable[..., Any] = steering_miner) -> AsyncIterator[World]:
    """Jobs DB with an eligible winner, its axon on loopback, a dendrite transport, the chain source."""
    d = devchain.deployment
    logs: list[str] = []
    sink = logger.add(lambda m: logs.append(str(m).rstrip()), level="INFO",
                      format="{time:HH:mm:ss.SSS} | {level: <7} | {extra} | {message}")
    async with AsyncExitStack() as stack:
        stack.callback(logger.remove, sink)
        await stack.enter_async_context(open_databases(db))
        await upgrade_jobs_db()
        await jobs_admin.add_job({"job_id": "dev-eoa", "sn_liquidity_manager_address": d.vault.eoa,
                                  "pair_address": d.pool(500).address, "vault_kind": "eoa",
                                  "round_duration_seconds": 60, "checkpoint_blocks": 5, "live_checkpoint_blocks": 5})
        job = (await load_active_jobs())["dev-eoa"]
        stack.enter_context(loopback_network())
        miner_wallet = make_wallet(tmp_path / "wallets", "miner")
        axon = stack.enter_context(running_axon(miner_wallet, forward))
        miner = MinerEndpoint(uid=3, hotkey=miner_wallet.hotkey.ss58_address, ip=LOOPBACK, port=axon.port)
        await seed_eligible_winner(job.db_id, miner.hotkey, miner.uid)
        transport = DendriteTransport(make_wallet(tmp_path / "wallets", "validator"))
        stack.push_async_callback(transport.close)
        chain = LiveChainSource(RpcClient([devchain.rpc_url], RpcOptions(timeout_s=30)),
                                LiveOptions(confirmations=0, poll_interval_s=0.05,
                                            position_managers={"uniswap-v3": d.position_manager}))
        stack.push_async_callback(chain.close)
        yield World(devchain, job, chain, transport, miner, RoundStore(), logs)


async def _first_live_round(world: World, executor: Executor,
                            evaluation_raw: list[float] | None = None) -> Round:
    """Run the live loop until its first round ends; with ``evaluation_raw``, an evaluation round of
    the same blocks runs next to it and completes with those raw scores while the live round runs."""
    stop = asyncio.Event()
    lookup = directory_lookup(StaticMinerDirectory([world.miner]))
    loop = asyncio.create_task(run_live_loop(world.job, world.chain, world.transport, world.store, executor,
                                             lookup, SETTINGS, stop))
    evaluation = None
    if evaluation_raw is not None:
        head = world.devchain.w3.eth.block_number
        evaluation = asyncio.create_task(concurrent_evaluation(world.job.db_id, head, head + 20, evaluation_raw, 3.0))
    try:
        for _ in range(1200):
            done = await Round.filter(round_type=RoundType.LIVE, status=RoundStatus.COMPLETED).first()
            if done is not None or loop.done():
                break
            await asyncio.sleep(0.1)
        if evaluation is not None:
            await evaluation
    finally:
        stop.set()
        await asyncio.gather(loop, return_exceptions=True)
    assert done is not None, f"no live round completed; loop: {loop}"
    return done


async def test_the_winner_steers_the_real_vault_and_is_scored_from_chain_state(
        devchain_clean: Devchain, db_url: DatabaseUrl, tmp_path: Path) -> None:
    async with live_world(devchain_clean, db_url, tmp_path) as world:
        async with bot_on_devchain(devchain_clean, tmp_path / "keys.sqlite3", slippage_bps=300) as (bot, url):
            executor = HttpExecutor(url, API_KEY, FAST_RETRIES)
            with traffic(devchain_clean):
                live = await _first_live_round(world, executor, EVALUATION_RAW)
            await executor.close()
        executions = await LiveExecution.filter(round_id=live.id).order_by("block_number")
        result = await RoundResult.get(round_id=live.id)
        score = await MinerScore.get(job_id=world.job.db_id, miner_hotkey=world.miner.hotkey)
    print("\n".join(line for line in world.logs if "live" in line or "execution" in line))

    assert [e.status for e in executions] == [ExecutionStatus.CONFIRMED] and bot.executions == 1
    execution = executions[0]
    assert execution.block_number == live.start_block and len(execution.tx_hashes) == 2 and execution.gas_used > 0
    wanted = execution.decision["positions"][0]
    assert wanted["tick_upper"] - wanted["tick_lower"] == 2 * HALF_WIDTH
    held = vault_npm_positions(devchain_clean)
    assert [(lo, hi) for _, lo, hi, _ in held] == [(wanted["tick_lower"], wanted["tick_upper"])]
    assert execution.decision["vault_after"]["positions"] == [[lo, hi, str(liq)] for _, lo, hi, liq in held]

    start, end = chain_holdings(devchain_clean, live.start_block), chain_holdings(devchain_clean, live.end_block)
    assert result.metrics["initial_amount0"] == str(start[0]) and result.metrics["final_amount1"] == str(end[1])
    raw = target_named(world.job.target)(realized_metrics(start, end, 1))
    assert result.raw_score == raw
    assert result.rank_score == live_rank(raw, EVALUATION_RAW)
    assert "seed:evaluation:2" in (live.end_reason or "")
    assert score.live_rounds == 1 and score.live_score == pytest.approx(LIVE_EMA_NEW * result.rank_score)


async def test_the_recording_executor_records_the_decision_and_the_chain_stays_untouched(
        devchain_clean: Devchain, sqlite_url: DatabaseUrl, tmp_path: Path) -> None:
    before = vault_npm_positions(devchain_clean)
    recorder = RecordingExecutor(tmp_path / "decisions.jsonl")
    async with live_world(devchain_clean, sqlite_url, tmp_path) as world:
        with traffic(devchain_clean):
            live = await _first_live_round(world, recorder)
        executions = await LiveExecution.filter(round_id=live.id)
        result = await RoundResult.get(round_id=live.id)
        score = await MinerScore.get_or_none(job_id=world.job.db_id, miner_hotkey=world.miner.hotkey)
    assert vault_npm_positions(devchain_clean) == before
    # the vault never changed, so the miner saw the same two positions and asked again at every checkpoint
    assert len(recorder.requests) == len(executions) >= 2
    assert all(e.status is ExecutionStatus.CONFIRMED and e.decision["dry_run"] for e in executions)
    assert len((tmp_path / "decisions.jsonl").read_text().splitlines()) == len(executions)
    assert result.raw_score == target_named(world.job.target)(realized_metrics(
        chain_holdings(devchain_clean, live.start_block), chain_holdings(devchain_clean, live.end_block), 2))
    assert "no concurrent evaluation round" in (live.end_reason or "")
    assert score is None or score.live_rounds == 0  # nothing to rank against: the EMA is not fed


async def test_an_unreachable_executor_marks_the_execution_failed_and_the_held_vault_is_still_scored(
        devchain_clean: Devchain, sqlite_url: DatabaseUrl, tmp_path: Path) -> None:
    before = vault_npm_positions(devchain_clean)
    executor = HttpExecutor(f"http://127.0.0.1:{free_port()}/", API_KEY, FAST_RETRIES)
    async with live_world(devchain_clean, sqlite_url, tmp_path) as world:
        with traffic(devchain_clean):
            live = await _first_live_round(world, executor)
        executions = await LiveExecution.filter(round_id=live.id)
        result = await RoundResult.get(round_id=live.id)
    await executor.close()
    assert executions and all(e.status is ExecutionStatus.FAILED and "ExecutorUnavailable" in (e.error or "")
                              for e in executions)
    assert vault_npm_positions(devchain_clean) == before
    assert executions[0].decision["vault_after"]["positions"] == [[lo, hi, str(liq)] for _, lo, hi, liq in before]
    assert result.raw_score > -1.0 and result.valid_answers == len(executions)  # scored as held, not as a failure


async def test_a_winner_that_holds_is_scored_as_holding_and_nothing_is_sent(
        devchain_clean: Devchain, sqlite_url: DatabaseUrl, tmp_path: Path) -> None:
    recorder = RecordingExecutor()
    async with live_world(devchain_clean, sqlite_url, tmp_path, scripted_miners.hold) as world:
        with traffic(devchain_clean):
            live = await _first_live_round(world, recorder, EVALUATION_RAW)
        result = await RoundResult.get(round_id=live.id)
        score = await MinerScore.get(job_id=world.job.db_id, miner_hotkey=world.miner.hotkey)
    assert recorder.requests == [] and result.valid_answers >= 4 and result.rebalances == 0
    raw = target_named(world.job.target)(realized_metrics(
        chain_holdings(devchain_clean, live.start_block), chain_holdings(devchain_clean, live.end_block), 0))
    assert result.raw_score == raw and result.rank_score == live_rank(raw, EVALUATION_RAW)
    assert score.live_rounds == 1 and score.live_score == pytest.approx(LIVE_EMA_NEW * result.rank_score)


async def test_a_refusing_winner_is_neither_executed_nor_scored(
        devchain_clean: Devchain, sqlite_url: DatabaseUrl, tmp_path: Path) -> None:
    recorder = RecordingExecutor()
    async with live_world(devchain_clean, sqlite_url, tmp_path, scripted_miners.refuse) as world:
        with traffic(devchain_clean):
            live = await _first_live_round(world, recorder, EVALUATION_RAW)
        results = await RoundResult.filter(round_id=live.id).count()
        prediction = await Prediction.get(round_id=live.id)
        score = await MinerScore.get_or_none(job_id=world.job.db_id, miner_hotkey=world.miner.hotkey)
    assert recorder.requests == [] and results == 0 and live.end_reason == "refused: not scored"
    assert not prediction.accepted and prediction.refusal_reason == "this pool is not served"
    assert len(prediction.checkpoints) == 1  # dropped for the rest of the round after refusing
    assert score is None or score.live_rounds == 0


async def test_invalid_answers_execute_nothing_and_score_the_worst(
        devchain_clean: Devchain, sqlite_url: DatabaseUrl, tmp_path: Path) -> None:
    recorder = RecordingExecutor()
    async with live_world(devchain_clean, sqlite_url, tmp_path, invalid_miner) as world:
        with traffic(devchain_clean):
            live = await _first_live_round(world, recorder, EVALUATION_RAW)
        result = await RoundResult.get(round_id=live.id)
        prediction = await Prediction.get(round_id=live.id)
        score = await MinerScore.get(job_id=world.job.db_id, miner_hotkey=world.miner.hotkey)
    assert recorder.requests == [] and result.raw_score == float("-inf") and result.rank_score == 0.0
    assert {c["reason_code"] for c in prediction.checkpoints} == {"tick_not_on_spacing"}
    assert score.live_rounds == 1 and score.live_score == 0.0
