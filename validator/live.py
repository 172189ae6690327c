"""Live rounds: the last evaluation winner steers the job's real vault, and is scored on chain.

``run_live_loop`` runs next to the evaluation loop of a job. Before each live round it picks the
candidate: the winner of the job's last completed evaluation round, if it gave valid evaluation
answers in this job on at least ``eligibility_days`` UTC days and is still registered under the same
hotkey; otherwise the round is skipped with a logged reason and the loop waits ``idle_wait_s``.

A live round lasts ``round_duration_seconds`` (in blocks: / ``block_time_s``) like an evaluation
round. Every ``live_checkpoint_blocks`` blocks the candidate is asked with the vault's REAL state at
that block (pool state + vault positions, idle tokens and uncollected fees), ``round_type="live"``.
A valid rebalance goes to the executor (one ``live_executions`` row through pending -> submitted ->
confirmed | reverted | failed, keyed so that a retry never executes twice) and the vault is read
again afterwards; keep sends nothing; a refusal ends the candidate's round (no penalty, no live
score); timeouts and invalid answers execute nothing and are recorded.

Score: the target function of the job applied to the vault's real holdings at the round's start and
end blocks (idle + positions at the pool price + uncollected fees, raw token units), the same
function evaluation applies to simulated metrics. A candidate that only kept is scored on what its
held positions did. A candidate with no valid answer in the round gets 0, like in evaluation.
The raw score is ranked (``scoring.live_rank``) against the raw scores of the *concurrent
evaluation round*: the job's evaluation round sharing the most blocks with the live round (ties:
the later one), waited for up to ``evaluation_wait_s`` if still active. Without one (none
overlapping, failed, or still running after the wait) the raw score is stored but the live EMA is
not fed: there is nothing to rank it against.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from loguru import logger

from db.models import (ExecutionStatus, Prediction, PredictionOutcome, Round, RoundResult, RoundStatus,
                       RoundType)
from protocol.decisions import Decision, Keep, PositionSpec, Rebalance, Refuse
from protocol.validation import DEFAULT_MAX_POSITIONS, AnswerContext, validate_answer
from simulator.metrics import RoundStart, StrategyMetrics, compute_metrics
from simulator.fullmath import Q128, UINT256_MOD
from simulator.pool import fee_growth_inside
from simulator.portfolio import HeldPosition, Portfolio, burn_amounts, holdings
from simulator.targets import target_named
from validator._answers import MinerSlot, outcome_of
from validator._waiting import Stopped, sleep_or_stop, until_stopped
from validator.chain.source import ChainSource
from validator.config import ValidatorSettings
from validator.chain.types import PoolState, VaultPosition, VaultState
from validator.evaluation import checkpoint_blocks, round_end_block
from validator.executor import ExecutionRequest, Executor, ExecutorError, idempotency_key
from validator.executor.types import position_to_json
from validator.jobs import ActiveJob
from validator.miners.directory import MinerDirectory
from validator.miners.transport import MinerTransport
from validator.miners.types import MinerEndpoint, MinerReply, RebalanceRequest, ReplyStatus
from validator.round_store import RoundStore
from validator.scoring import live_rank

DirectoryLookup = Callable[[str], Awaitable[MinerEndpoint | None]]
"""The current endpoint of a hotkey, or None when it is not registered (``directory_lookup``)."""


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """Knobs of live rounds: ``eligibility_days`` (UTC days with valid evaluation answers),
    ``query_timeout_s``, ``block_time_s`` (seconds per block), ``max_positions`` (per answer),
    ``idle_wait_s`` (pause after a skipped round), ``evaluation_wait_s`` (wait for the concurrent
    evaluation round to complete, polling its status every ``evaluation_poll_s``)."""

    eligibility_days: int = 7
    query_timeout_s: float = 60.0
    block_time_s: float = 2.0
    max_positions: int = DEFAULT_MAX_POSITIONS
    idle_wait_s: float = 60.0
    evaluation_wait_s: float = 180.0
    evaluation_poll_s: float = 2.0


@dataclass(frozen=True, slots=True)
class Candidate:
    endpoint: MinerEndpoint
    evaluation_round_id: str


@dataclass(frozen=True, slots=True)
class LiveSummary:
    round_id: str
    start_block: int
    end_block: int
    raw_score: float | None
    live_score: float | None
    executions: int


# -- the vault's real holdings -------------------------------------------------------------------

def uncollected_fees(pool: PoolState, p: VaultPosition) -> tuple[int, int]:
    """What ``collect`` would pay besides the principal: owed tokens + fees accrued since the
    position's last update (raw units; Position.update's math, fee growth modulo 2**256). A bound
    outside the scanned ticks leaves only the owed amounts known."""
    snap = pool.snapshot
    lower, upper = snap.ticks.get(p.tick_lower), snap.ticks.get(p.tick_upper)
    if lower is None or upper is None:
        return p.tokens_owed0, p.tokens_owed1
    inside0, inside1 = fee_growth_inside(snap.fee_growth_global0_x128, snap.fee_growth_global1_x128, snap.tick,
                                         p.tick_lower, lower, p.tick_upper, upper)
    return (p.tokens_owed0 + p.liquidity * ((inside0 - p.fee_growth_inside0_last_x128) % UINT256_MOD) // Q128,
            p.tokens_owed1 + p.liquidity * ((inside1 - p.fee_growth_inside1_last_x128) % UINT256_MOD) // Q128)


def vault_specs(pool: PoolState, vault: VaultState) -> tuple[PositionSpec, ...]:
    """The vault's positions as the query shows them: ranges and what burning each returns now."""
    price = pool.snapshot.sqrt_price_x96
    return tuple(PositionSpec(p.tick_lower, p.tick_upper,
                              *burn_amounts(HeldPosition(p.tick_lower, p.tick_upper, p.liquidity), price))
                 for p in vault.positions if p.liquidity > 0)


def vault_holdings(pool: PoolState, vault: VaultState) -> tuple[int, int]:
    """Everything the vault could withdraw at this block: idle + burns at the price + fees (raw units),
    counted as the simulator counts a portfolio's holdings."""
    held = tuple(HeldPosition(p.tick_lower, p.tick_upper, p.liquidity, *uncollected_fees(pool, p))
                 for p in vault.positions)
    return holdings(Portfolio(vault.idle0, vault.idle1, held), pool.snapshot.sqrt_price_x96)


def realized_metrics(start: tuple[int, int, int], end: tuple[int, int, int], rebalances: int) -> StrategyMetrics:
    """Metrics of the real vault from (amount0, amount1, sqrtPriceX96) at the round's start and end.
    Fees are inside the amounts (not separated on chain), so ``fees*`` are 0 and ``impermanent_loss``
    equals ``pnl_vs_hodl``; swap counts are not measured (0). The simulator's ``compute_metrics`` of a
    portfolio holding the end amounts idle."""
    amount0, amount1, sqrt_price_x96 = end
    return compute_metrics(RoundStart(*start), Portfolio(amount0, amount1, rebalances=rebalances), sqrt_price_x96,
                           swaps_in_range=0, swaps_total=0)


# -- candidate selection ----------------------------------------------------------------------------

async def choose_candidate(job: ActiveJob, store: RoundStore, lookup: DirectoryLookup,
                           settings: LiveSettings) -> Candidate | str:
    """The live candidate, or why there is none (a sentence for the log)."""
    last = await store.last_completed_evaluation(job.db_id)
    if last is None:
        return "no completed evaluation round yet"
    if not last.winner_hotkey:
        return f"evaluation round {last.round_id} has no winner"
    days = await store.participation_days(job.db_id, last.winner_hotkey)
    if days < settings.eligibility_days:
        return (f"winner {last.winner_hotkey} of {last.round_id} has {days} participation day(s), "
                f"needs {settings.eligibility_days}")
    endpoint = await lookup(last.winner_hotkey)
    if endpoint is None or endpoint.hotkey != last.winner_hotkey:
        return f"winner {last.winner_hotkey} of {last.round_id} is no longer registered"
    return Candidate(endpoint, last.round_id)


async def run_live_loop(job: ActiveJob, chain: ChainSource, transport: MinerTransport, store: RoundStore,
                        executor: Executor, directory_lookup: DirectoryLookup, settings: LiveSettings,
                        stop: asyncio.Event) -> None:
    """Live rounds of one job, back to back, until ``stop`` is set (see the module docstring)."""
    log = logger.bind(job=job.job_id)
    while not stop.is_set():
        candidate = await choose_candidate(job, store, directory_lookup, settings)
        if isinstance(candidate, str):
            log.info("live round skipped: {}", candidate)
            await sleep_or_stop(settings.idle_wait_s, stop)
            continue
        try:
            await LiveRound(job, chain, transport, store, executor, candidate, settings, stop).run()
        except Stopped:
            return


# -- one live round ---------------------------------------------------------------------------------

class LiveRound:
    """One live round of one candidate, from the chain head to a stored score (``run``)."""

    def __init__(self, job: ActiveJob, chain: ChainSource, transport: MinerTransport, store: RoundStore,
                 executor: Executor, candidate: Candidate, settings: LiveSettings, stop: asyncio.Event) -> None:
        self.job, self.chain, self.transport, self.store = job, chain, transport, store
        self.executor, self.candidate, self.settings, self.stop = executor, candidate, settings, stop
        self.slot = MinerSlot(0, candidate.endpoint)
        self.executions = 0
        self.settled_block = 0  # the vault is read no earlier than this (the block after the last execution)
        self._last_read: tuple[int, PoolState, VaultState] | None = None
        self.log = logger.bind(job=job.job_id)

    async def _read(self, block: int) -> tuple[PoolState, VaultState]:
        """Pool and vault at ``block``. The state at a block never changes, so the block read last is not
        read again (the round's start block is also its first checkpoint)."""
        if self._last_read is None or self._last_read[0] != block:
            pool = await self.chain.pool_state(self.job.pool, block)
            vault = await self.chain.vault_state(self.job.vault, self.job.vault_kind, self.job.pool, block)
            self._last_read = (block, pool, vault)
        return self._last_read[1], self._last_read[2]

    async def run(self) -> LiveSummary:
        start_block = await self.chain.head_block()
        pool, vault = await self._read(start_block)
        end_block = round_end_block(start_block, self.job.round_duration_seconds, self.settings.block_time_s)
        endpoint = self.candidate.endpoint
        row = await self.store.open_round(self.job.db_id, self.job.job_id, RoundType.LIVE, start_block,
                                          pool.snapshot.sqrt_price_x96,
                                          {"end_block": end_block, "miner_hotkey": endpoint.hotkey,
                                           "miner_uid": endpoint.uid,
                                           "evaluation_round": self.candidate.evaluation_round_id})
        self.log = self.log.bind(round=row.round_id)
        self.log.info("live round started blocks={}..{} miner uid={} hotkey={} (winner of {})", start_block,
                      end_block, endpoint.uid, endpoint.hotkey, self.candidate.evaluation_round_id)
        start = (*vault_holdings(pool, vault), pool.snapshot.sqrt_price_x96)
        try:
            return await self._run_round(row, start, start_block, end_block)
        except BaseException as exc:
            reason = "shutdown" if isinstance(exc, (Stopped, asyncio.CancelledError)) else repr(exc)
            await asyncio.shield(self.store.fail_round(row.id, reason))
            self.log.warning("live round failed: {}", reason)
            raise

    async def _run_round(self, row: Round, start: tuple[int, int, int], start_block: int,
                         end_block: int) -> LiveSummary:
        for block in checkpoint_blocks(start_block, end_block, self.job.live_checkpoint_blocks):
            if self.slot.refused:
                break
            await self._checkpoint(row, block)
            await self.store.checkpoint_done(row.id, block)
        await until_stopped(self.chain.wait_for_block(end_block), self.stop)
        pool, vault = await self._read(end_block)
        end = (*vault_holdings(pool, vault), pool.snapshot.sqrt_price_x96)
        return await self._finish(row, start, end, start_block, end_block)

    async def _checkpoint(self, row: Round, checkpoint: int) -> None:
        # an execution may have landed after this checkpoint's block: never show the miner a stale vault
        block = max(checkpoint, self.settled_block)
        await until_stopped(self.chain.wait_for_block(block), self.stop)
        began = time.perf_counter()
        pool, vault = await self._read(block)
        current = vault_specs(pool, vault)
        inventory0, inventory1 = vault_holdings(pool, vault)
        request = RebalanceRequest(
            job_id=self.job.job_id, sn_liquidity_manager_address=self.job.vault, pair_address=self.job.pool,
            chain_id=self.job.chain_id, round_id=row.round_id, round_type=RoundType.LIVE.value, block_number=block,
            sqrt_price_x96=pool.snapshot.sqrt_price_x96, tick=pool.snapshot.tick,
            tick_spacing=pool.info.tick_spacing, current_positions=current, inventory0=inventory0,
            inventory1=inventory1, rebalances_so_far=self.slot.rebalances)
        context = AnswerContext(tick_spacing=pool.info.tick_spacing, inventory0=inventory0, inventory1=inventory1,
                                current_positions=current, max_positions=self.settings.max_positions)
        (reply,) = await self.transport.query_many([(self.candidate.endpoint, request)],
                                                   self.settings.query_timeout_s)
        if reply.status is not ReplyStatus.OK or reply.answer is None:
            outcome = self.slot.failed(block, reply).value
        else:
            outcome = await self._apply(row, block, validate_answer(reply.answer, context), reply)
        self.log.info("live checkpoint {} (vault read at block {}) outcome={} positions={} took={:.2f}s", checkpoint,
                      block, outcome, [(p.tick_lower, p.tick_upper) for p in current], time.perf_counter() - began)

    async def _apply(self, row: Round, block: int, decision: Decision, reply: MinerReply) -> str:
        if isinstance(decision, Refuse):
            self.slot.refused, self.slot.refusal_reason = True, decision.reason
            self.slot.record(block, PredictionOutcome.REFUSED, reply, reason_code="refused")
            return "refused"
        if isinstance(decision, Keep):
            self.slot.valid_answers += 1
            self.slot.record(block, PredictionOutcome.KEPT, reply)
            return "kept"
        if isinstance(decision, Rebalance):
            self.slot.valid_answers += 1
            self.slot.rebalances += 1
            self.slot.record(block, PredictionOutcome.REBALANCED, reply, positions=decision.positions)
            return await self._execute(row, block, decision)
        outcome = outcome_of(decision)
        if outcome is not PredictionOutcome.NO_ANSWER:
            self.slot.rejected_answers += 1
        self.slot.record(block, outcome, reply, reason_code=decision.code.value)
        self.log.info("live answer rejected at block {}: {} {}", block, decision.code.value, decision.message)
        return outcome.value

    async def _execute(self, row: Round, block: int, decision: Rebalance) -> str:
        """Hand a rebalance to the executor and track it; the vault is read again afterwards."""
        endpoint = self.candidate.endpoint
        key = idempotency_key(row.round_id, block, endpoint.hotkey)
        request = ExecutionRequest(key, self.job.job_id, row.round_id, block, endpoint.hotkey, endpoint.uid,
                                   self.job.chain_id, self.job.vault, self.job.vault_kind, self.job.pool,
                                   decision.positions)
        record: dict[str, object] = {"positions": [position_to_json(p) for p in decision.positions]}
        execution = await self.store.open_execution(row, key, endpoint.hotkey, endpoint.uid, block, record)
        if execution.status is not ExecutionStatus.PENDING:
            return f"execution already {execution.status.value}"
        await self.store.update_execution(execution, ExecutionStatus.SUBMITTED)
        try:
            report = await self.executor.execute(request)
        except ExecutorError as exc:
            # with no definite answer the bot may still have acted: record what the vault holds now
            record["vault_after"] = await self._vault_after()
            await self.store.update_execution(execution, ExecutionStatus.FAILED, error=f"{type(exc).__name__}: {exc}",
                                              decision=record)
            self.log.warning("live execution {} failed: {!r}; vault now {}", key, exc, record["vault_after"])
            return "execution_failed"
        self.executions += report.status == "confirmed"
        after = await self._vault_after()
        record |= {"dry_run": report.dry_run, "token_ids": list(report.token_ids), "vault_after": after}
        await self.store.update_execution(execution, ExecutionStatus(report.status), tx_hashes=list(report.tx_hashes),
                                          gas_used=report.gas_used, gas_cost_wei=report.gas_cost_wei,
                                          error=report.error, decision=record)
        self.log.info("live execution {} {} txs={} gas={} vault now {}{}", key, report.status, len(report.tx_hashes),
                      report.gas_used, after["positions"], f" error: {report.error}" if report.error else "")
        return f"executed:{report.status}"

    async def _vault_after(self) -> dict[str, object]:
        head = await self.chain.head_block()
        self.settled_block = head
        vault = await self.chain.vault_state(self.job.vault, self.job.vault_kind, self.job.pool, head)
        return {"block": head, "idle0": str(vault.idle0), "idle1": str(vault.idle1),
                "positions": [[p.tick_lower, p.tick_upper, str(p.liquidity)] for p in vault.positions
                              if p.liquidity > 0]}

    async def _finish(self, row: Round, start: tuple[int, int, int], end: tuple[int, int, int], start_block: int,
                      end_block: int) -> LiveSummary:
        endpoint = self.candidate.endpoint
        metrics = realized_metrics(start, end, self.executions)
        raw = target_named(self.job.target)(metrics) if self.slot.valid_answers else None
        score, reason = await self._live_score(raw, start_block, end_block)
        result = None
        if raw is not None or not self.slot.refused:
            result = RoundResult(
                round=row, miner_hotkey=endpoint.hotkey, miner_uid=endpoint.uid,
                raw_score=raw if raw is not None else float("-inf"), rank_score=score if score is not None else 0.0,
                rank=1, initial_value=metrics.initial_value, final_value=metrics.final_value,
                hodl_value=metrics.hodl_value, fees0=0, fees1=0, pnl_vs_hodl=metrics.pnl_vs_hodl,
                rebalances=self.executions, valid_answers=self.slot.valid_answers,
                metrics={"final_amount0": str(metrics.final_amount0), "final_amount1": str(metrics.final_amount1),
                         "initial_amount0": str(metrics.initial_amount0),
                         "initial_amount1": str(metrics.initial_amount1), "score_note": reason})
        await self.store.finish_live(row, end_block=end_block, end_sqrt_price_x96=end[2],
                                     prediction=self._prediction(row), result=result, end_reason=reason)
        if score is not None:
            await self.store.apply_live_score(self.job.db_id, endpoint.hotkey, endpoint.uid, score)
        self.log.info("live round completed blocks={}..{} miner uid={} raw={} live_score={} executions={} ({})",
                      start_block, end_block, endpoint.uid, raw, score, self.executions, reason)
        return LiveSummary(row.round_id, start_block, end_block, raw, score, self.executions)

    async def _live_score(self, raw: float | None, start_block: int, end_block: int) -> tuple[float | None, str]:
        """The rank score for the live EMA and a note saying what it was ranked against."""
        if self.slot.refused:
            return None, "refused: not scored"
        if raw is None:
            return 0.0, "no valid answer in the round: worst score"
        evaluation = await self._concurrent_evaluation(start_block, end_block)
        if isinstance(evaluation, str):
            return None, evaluation
        scores = await self.store.evaluation_raw_scores(evaluation.id)
        return live_rank(raw, scores), f"ranked against {len(scores)} raw score(s) of {evaluation.round_id}"

    async def _concurrent_evaluation(self, start_block: int, end_block: int) -> Round | str:
        deadline = time.monotonic() + self.settings.evaluation_wait_s
        evaluation = await self.store.overlapping_evaluation(self.job.db_id, start_block, end_block)
        if evaluation is None:
            return "no concurrent evaluation round: live EMA not fed"
        while (status := await self.store.round_status(evaluation.id)) is RoundStatus.ACTIVE:
            if time.monotonic() > deadline or self.stop.is_set():
                return f"concurrent evaluation round {evaluation.round_id} still active: live EMA not fed"
            await sleep_or_stop(self.settings.evaluation_poll_s, self.stop)
        if status is not RoundStatus.COMPLETED:
            return f"concurrent evaluation round {evaluation.round_id} {status}: live EMA not fed"
        return evaluation

    def _prediction(self, row: Round) -> Prediction:
        s = self.slot
        return Prediction(round=row, miner_hotkey=s.endpoint.hotkey, miner_uid=s.endpoint.uid, accepted=not s.refused,
                          refusal_reason=(s.refusal_reason or "")[:1000] or None, last_outcome=s.last_outcome,
                          valid_answers=s.valid_answers, rejected_answers=s.rejected_answers,
                          failed_queries=s.failed_queries, rebalances=s.rebalances, checkpoints=s.checkpoints)


def live_settings_from(settings: ValidatorSettings) -> LiveSettings:
    """The live knobs of the daemon's settings."""
    return LiveSettings(eligibility_days=settings.live_eligibility_days, query_timeout_s=settings.query_timeout_seconds,
                        block_time_s=settings.block_time_seconds, max_positions=settings.max_positions,
                        evaluation_wait_s=settings.live_evaluation_wait_seconds)


def directory_lookup(directory: MinerDirectory) -> DirectoryLookup:
    """A ``DirectoryLookup`` over the daemon's miner directory (its last synced list, no network)."""

    async def lookup(hotkey: str) -> MinerEndpoint | None:
        return next((m for m in await directory.miners() if m.hotkey == hotkey), None)

    return lookup
