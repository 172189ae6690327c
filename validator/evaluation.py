"""One evaluation round of one job: every miner steers its own simulated copy of the vault.

The round starts from the chain head (pool snapshot and the vault's real state, both pinned to
the same block). Checkpoints fall every ``checkpoint_blocks`` blocks from the start block; each
is handled once, when the head reaches it (never skipped, never repeated). At a checkpoint the
real events since the previous one advance the simulation (one exact replay for all miners),
then every miner still in the round is asked in parallel, each with its own state; answers are
validated by the protocol layer and applied to that miner's portfolio. One bad miner never
affects another: every failure becomes that miner's recorded outcome.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from loguru import logger

from db.models import Prediction, PredictionOutcome, Round, RoundResult, RoundType
from protocol.decisions import Keep, PositionSpec, Rebalance, Refuse, Rejection
from protocol.validation import DEFAULT_MAX_POSITIONS, AnswerContext, validate_answer
from simulator.attribution import OwnPosition
from simulator.batch import RoundBatch, StrategyStart
from simulator.metrics import StrategyMetrics
from simulator.pool import Pool
from simulator.portfolio import HeldPosition
from validator._answers import MinerSlot, outcome_of
from validator._waiting import Stopped, until_stopped
from validator.chain.source import ChainSource
from validator.chain.types import PoolState, VaultState
from validator.jobs import ActiveJob
from validator.miners.transport import MinerTransport
from validator.miners.types import MinerEndpoint, MinerReply, RebalanceRequest, ReplyStatus
from validator.round_store import ParticipationUpdate, RoundStore, ScoreUpdate
from simulator.targets import target_named
from validator.scoring import Contender, rank_scores_sharing_copies, winner
from validator.telemetry import QueryOutcome, ValidatorMetrics


_QUERY_OUTCOME = {
    PredictionOutcome.KEPT: QueryOutcome.OK, PredictionOutcome.REBALANCED: QueryOutcome.OK,
    PredictionOutcome.REFUSED: QueryOutcome.REFUSED, PredictionOutcome.REJECTED: QueryOutcome.REJECTED,
    PredictionOutcome.NO_ANSWER: QueryOutcome.REJECTED, PredictionOutcome.TIMEOUT: QueryOutcome.TIMEOUT,
    PredictionOutcome.TRANSPORT_ERROR: QueryOutcome.ERROR,
}
"""A checkpoint's outcome as counted in ``miner_queries_total`` (a missing answer is a rejection,
reason ``no_answer``)."""


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    """Knobs of evaluation rounds. ``block_time_s``: seconds per block of the pool's chain (Base 2)."""

    query_timeout_s: float = 60.0
    block_time_s: float = 2.0
    max_positions: int = DEFAULT_MAX_POSITIONS


@dataclass(frozen=True, slots=True)
class RoundSummary:
    round_id: str
    start_block: int
    end_block: int
    winner: str | None
    raw_scores: dict[str, float | None]


def round_end_block(start_block: int, duration_seconds: float, block_time_s: float) -> int:
    """The block a round of ``duration_seconds`` that starts at ``start_block`` ends at (at least one block on)."""
    return start_block + max(1, int(duration_seconds / block_time_s))


def checkpoint_blocks(start_block: int, end_block: int, every: int) -> list[int]:
    """Checkpoint blocks of a round: the start, then every ``every`` blocks, all before the end."""
    return list(range(start_block, end_block, max(1, every)))


def _vault_start(vault: VaultState) -> StrategyStart:
    held = tuple(HeldPosition(p.tick_lower, p.tick_upper, p.liquidity) for p in vault.positions if p.liquidity > 0)
    return StrategyStart(vault.idle0, vault.idle1, held)


def _own_positions(vault: VaultState) -> list[OwnPosition]:
    # The vault's positions change during an evaluation round only through live execution, whose
    # events carry the position manager as owner; a private owner name keeps them fixed here.
    return [OwnPosition(f"vault:{vault.address}", p.tick_lower, p.tick_upper, p.liquidity)
            for p in vault.positions if p.liquidity > 0]


class EvaluationRound:
    """Runs one round from start to stored result (``run``), or records why it could not."""

    def __init__(self, job: ActiveJob, chain: ChainSource, transport: MinerTransport, store: RoundStore,
                 miners: Sequence[MinerEndpoint], settings: EvaluationSettings, stop: asyncio.Event,
                 metrics: ValidatorMetrics | None = None) -> None:
        self.job = job
        self.chain = chain
        self.transport = transport
        self.store = store
        self.settings = settings
        self.stop = stop
        self.slots = [MinerSlot(i, m) for i, m in enumerate(miners)]
        self.log = logger.bind(job=job.job_id)
        self.metrics = metrics
        self._labels = {"job": job.job_id, "round_type": RoundType.EVALUATION.value}

    async def run(self) -> RoundSummary:
        start_block = await self.chain.head_block()
        pool_state = await self.chain.pool_state(self.job.pool, start_block)
        vault = await self.chain.vault_state(self.job.vault, self.job.vault_kind, self.job.pool, start_block)
        end_block = round_end_block(start_block, self.job.round_duration_seconds, self.settings.block_time_s)
        row = await self.store.open_round(self.job.db_id, self.job.job_id, RoundType.EVALUATION, start_block,
                                          pool_state.snapshot.sqrt_price_x96,
                                          {"end_block": end_block, "miners": len(self.slots)})
        self.log = self.log.bind(round=row.round_id)
        if self.metrics:
            self.metrics.rounds_started.labels(**self._labels).inc()
        try:
            summary = await self._run_round(row, pool_state, vault, start_block, end_block)
        except BaseException as exc:
            reason = "shutdown" if isinstance(exc, (Stopped, asyncio.CancelledError)) else repr(exc)
            self.log.warning("round failed: {}", reason)
            if self.metrics:
                self.metrics.rounds_failed.labels(**self._labels, reason=type(exc).__name__).inc()
            try:
                await asyncio.shield(self.store.fail_round(row.id, reason))
            except Exception as store_error:  # the DB may be what failed: keep the round's own error
                self.log.error("could not record the failure of the round (closed later): {!r}", store_error)
            raise
        if self.metrics:
            self.metrics.rounds_completed.labels(**self._labels).inc()
        return summary

    async def _run_round(self, row: Round, pool_state: PoolState, vault: VaultState, start_block: int,
                         end_block: int) -> RoundSummary:
        batch = RoundBatch(Pool.from_snapshot(pool_state.snapshot), [_vault_start(vault)] * len(self.slots),
                           start_block=start_block, from_snapshot=True, own_positions=_own_positions(vault),
                           max_positions=self.settings.max_positions)
        tick_spacing = pool_state.info.tick_spacing
        for block in checkpoint_blocks(start_block, end_block, self.job.checkpoint_blocks):
            await self._advance(batch, block)
            await self._checkpoint(row, batch, block, tick_spacing)
            await self.store.checkpoint_done(row.id, block)
        await self._advance(batch, end_block)
        return await self._finish(row, batch, start_block, end_block)

    async def _advance(self, batch: RoundBatch, block: int) -> None:
        await until_stopped(self.chain.wait_for_block(block), self.stop)
        if block > batch.block_number:
            events = await self.chain.pool_events(self.job.pool, batch.block_number + 1, block)
            batch.advance_to(block, events)

    def _request(self, row: Round, batch: RoundBatch, slot: MinerSlot, tick_spacing: int,
                 block: int) -> tuple[RebalanceRequest, AnswerContext]:
        state = batch.state(slot.index)
        current = tuple(PositionSpec(p.tick_lower, p.tick_upper, p.amount0, p.amount1) for p in state.positions)
        request = RebalanceRequest(
            job_id=self.job.job_id, sn_liquidity_manager_address=self.job.vault, pair_address=self.job.pool,
            chain_id=self.job.chain_id, round_id=row.round_id, round_type=RoundType.EVALUATION.value,
            block_number=block, sqrt_price_x96=state.sqrt_price_x96, tick=state.tick, tick_spacing=tick_spacing,
            current_positions=current, inventory0=state.available0, inventory1=state.available1,
            rebalances_so_far=state.rebalances)
        context = AnswerContext(tick_spacing=tick_spacing, inventory0=state.available0,
                                inventory1=state.available1, current_positions=current,
                                max_positions=self.settings.max_positions)
        return request, context

    async def _checkpoint(self, row: Round, batch: RoundBatch, block: int, tick_spacing: int) -> None:
        began = time.perf_counter()
        active = [slot for slot in self.slots if not slot.refused]
        prepared = [self._request(row, batch, slot, tick_spacing, block) for slot in active]
        replies = await self.transport.query_many(
            [(slot.endpoint, request) for slot, (request, _) in zip(active, prepared)], self.settings.query_timeout_s)
        counts: dict[str, int] = {}
        for slot, (_, context), reply in zip(active, prepared, replies):
            outcome = self._apply(batch, slot, context, reply, block)
            counts[outcome] = counts.get(outcome, 0) + 1
            self._observe(slot, reply)
        took = time.perf_counter() - began
        if self.metrics:
            self.metrics.checkpoint_duration.labels(**self._labels).observe(took)
        self.log.info("checkpoint block={} queried={} outcomes={} took={:.2f}s", block, len(active), counts, took)

    def _observe(self, slot: MinerSlot, reply: MinerReply) -> None:
        if self.metrics is None or not slot.checkpoints:
            return
        self.metrics.record_query(self._labels["round_type"], _QUERY_OUTCOME[slot.last_outcome],
                                  reply.elapsed_ms / 1000, slot.checkpoints[-1]["reason_code"])

    def _apply(self, batch: RoundBatch, slot: MinerSlot, context: AnswerContext, reply: MinerReply,
               block: int) -> str:
        if reply.status is not ReplyStatus.OK or reply.answer is None:
            return slot.failed(block, reply).value
        decision = validate_answer(reply.answer, context)
        outcome = outcome_of(decision)
        if isinstance(decision, Refuse):
            slot.refused, slot.refusal_reason = True, decision.reason
            slot.record(block, outcome, reply, reason_code="refused")
        elif isinstance(decision, Keep):
            slot.valid_answers += 1
            slot.record(block, outcome, reply)
        elif isinstance(decision, Rebalance):
            return self._rebalance(batch, slot, decision, reply, block)
        else:
            self._reject(slot, decision, outcome, reply, block)
        return outcome.value

    def _rebalance(self, batch: RoundBatch, slot: MinerSlot, decision: Rebalance, reply: MinerReply,
                   block: int) -> str:
        wishes = [(p.tick_lower, p.tick_upper, p.allocation0, p.allocation1) for p in decision.positions]
        result = batch.apply(slot.index, wishes)
        if not result.applied:
            slot.rejected_answers += 1
            slot.record(block, PredictionOutcome.REJECTED, reply, reason_code=result.reason,
                        positions=decision.positions)
            return "rejected"
        slot.valid_answers += 1
        slot.rebalances += 1
        slot.record(block, outcome_of(decision), reply, positions=decision.positions)
        return "rebalanced"

    def _reject(self, slot: MinerSlot, decision: Rejection, outcome: PredictionOutcome, reply: MinerReply,
                block: int) -> None:
        if outcome is not PredictionOutcome.NO_ANSWER:
            slot.rejected_answers += 1
        slot.record(block, outcome, reply, reason_code=decision.code.value)
        self.log.bind(miner=slot.endpoint.uid).debug("answer rejected: {} {}", decision.code.value, decision.message)

    async def _finish(self, row: Round, batch: RoundBatch, start_block: int, end_block: int) -> RoundSummary:
        target = target_named(self.job.target)
        metrics = batch.metrics()
        scored = [slot for slot in self.slots if slot.scored]
        raw = {s.endpoint.hotkey: (target(metrics[s.index]) if s.valid_answers else None) for s in scored}
        ranks = rank_scores_sharing_copies(raw, {s.endpoint.hotkey: s.answer_fingerprint()
                                                 for s in scored if s.valid_answers})
        places = _places(ranks.values())
        previous = await self.store.previous_combined(self.job.db_id)
        best = winner([Contender(s.endpoint.hotkey, s.endpoint.uid, raw[s.endpoint.hotkey],
                                 previous.get(s.endpoint.hotkey, 0.0), s.mean_response_ms)
                      for s in scored if not s.refused])
        await self.store.finish_evaluation(
            row, end_block=end_block, end_sqrt_price_x96=batch.sqrt_price_x96,
            winner=(best.hotkey, best.uid) if best else None,
            predictions=[self._prediction(row, s) for s in self.slots],
            results=[_result(row, s, metrics[s.index], raw[s.endpoint.hotkey], ranks[s.endpoint.hotkey],
                             places[ranks[s.endpoint.hotkey]]) for s in scored],
            scores=[ScoreUpdate(s.endpoint.hotkey, s.endpoint.uid, ranks[s.endpoint.hotkey]) for s in scored],
            refused=[(s.endpoint.hotkey, s.endpoint.uid) for s in self.slots if s.refused],
            participation=[ParticipationUpdate(s.endpoint.hotkey, s.endpoint.uid, s.valid_answers)
                           for s in self.slots if s.valid_answers > 0],
            day=dt.datetime.now(dt.timezone.utc).date())
        self.log.info("round completed blocks={}..{} miners={} refused={} answered={} winner={}", start_block,
                      end_block, len(self.slots), sum(s.refused for s in self.slots),
                      sum(s.valid_answers > 0 for s in self.slots), best.uid if best else None)
        return RoundSummary(row.round_id, start_block, end_block, best.hotkey if best else None, raw)

    @staticmethod
    def _prediction(row: Round, slot: MinerSlot) -> Prediction:
        return Prediction(round=row, miner_hotkey=slot.endpoint.hotkey, miner_uid=slot.endpoint.uid,
                          accepted=not slot.refused, refusal_reason=(slot.refusal_reason or "")[:1000] or None,
                          last_outcome=slot.last_outcome, valid_answers=slot.valid_answers,
                          rejected_answers=slot.rejected_answers, failed_queries=slot.failed_queries,
                          rebalances=slot.rebalances, checkpoints=slot.checkpoints)


def _places(rank_scores: Iterable[float]) -> dict[float, int]:
    """The place of each rank score, 1 for the best; equal scores share the better place."""
    places: dict[float, int] = {}
    for place, score in enumerate(sorted(rank_scores, reverse=True), start=1):
        places.setdefault(score, place)
    return places


def _result(row: Round, slot: MinerSlot, metrics: StrategyMetrics, raw: float | None, rank_score: float,
            place: int) -> RoundResult:
    return RoundResult(
        round=row, miner_hotkey=slot.endpoint.hotkey, miner_uid=slot.endpoint.uid,
        raw_score=raw if raw is not None else float("-inf"), rank_score=rank_score,
        rank=place, initial_value=metrics.initial_value,
        final_value=metrics.final_value, hodl_value=metrics.hodl_value, fees0=metrics.fees0, fees1=metrics.fees1,
        pnl_vs_hodl=metrics.pnl_vs_hodl, rebalances=metrics.rebalance_count, valid_answers=slot.valid_answers,
        metrics={"time_in_range": metrics.time_in_range, "final_amount0": str(metrics.final_amount0),
                 "final_amount1": str(metrics.final_amount1), "impermanent_loss": str(metrics.impermanent_loss),
                 "fees_value": str(metrics.fees_value)})
