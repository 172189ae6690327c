"""Everything the rounds write to the jobs DB, in transactions, with a bounded statement count.

A round's end is one transaction: predictions and results as bulk inserts, score rows created if
missing, the EMA of every scored miner in ONE ``UPDATE ... FROM (VALUES ...)`` statement (atomic
per row, so the live loop updating ``live_score`` of the same row cannot lose either write, and
``combined_score`` is recomputed from both columns inside the statement), participation the same
way, then the round row. Whatever the number of miners, that is a fixed number of statements plus
bulk inserts in batches of up to 1,000 rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from db.connection import JOBS_CONNECTION
from db.models import (
    ExecutionStatus,
    LiveExecution,
    MinerParticipation,
    MinerScore,
    Prediction,
    Round,
    RoundResult,
    RoundStatus,
    RoundType,
)
from validator.scoring import (
    EVALUATION_EMA_NEW,
    EVALUATION_EMA_OLD,
    EVALUATION_WEIGHT,
    LIVE_EMA_NEW,
    LIVE_EMA_OLD,
    LIVE_WEIGHT,
)

BATCH = 1000
INTERRUPTED = "interrupted: the daemon stopped while the round was active"
UNRECORDED = "failed: its failure could not be recorded at the time (database unavailable)"


@dataclass(frozen=True, slots=True)
class ScoreUpdate:
    """One miner's new round score for the EMA (``score`` in [0, 1])."""

    hotkey: str
    uid: int
    score: float


@dataclass(frozen=True, slots=True)
class ParticipationUpdate:
    hotkey: str
    uid: int
    valid_answers: int


def _placeholders(connection: BaseDBAsyncClient) -> Callable[[int], str]:
    postgres = connection.capabilities.dialect == "postgres"

    def mark(n: int) -> str:
        return f"${n}" if postgres else f"?{n}"  # numbered: binding follows the numbers, not text order

    return mark


async def _update_from_values(
    connection: BaseDBAsyncClient, sql_head: str, rows: Sequence[tuple[Any, ...]],
    casts: Sequence[str], where_params: Sequence[Any], sql_tail: str,
) -> None:
    """Run ``sql_head FROM (VALUES rows) AS v sql_tail`` in chunks; ``casts`` type each VALUES column.

    ``where_params`` are bound first (they are ``{p1}``, ``{p2}`` ... in head and tail).
    """
    mark = _placeholders(connection)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        params: list[Any] = list(where_params)
        tuples = []
        for row in chunk:
            cells = []
            for value, cast in zip(row, casts):
                params.append(value)
                cells.append(f"CAST({mark(len(params))} AS {cast})")
            tuples.append("(" + ", ".join(cells) + ")")
        fixed = {f"p{i + 1}": mark(i + 1) for i in range(len(where_params))}
        sql = f"{sql_head.format(**fixed)} FROM (VALUES {', '.join(tuples)}) AS v {sql_tail.format(**fixed)}"
        await connection.execute_query(sql, params)


class RoundStore:
    """Round persistence for one daemon. Must be used inside ``db.connection.open_databases``."""

    async def recover_interrupted(self) -> int:
        """Mark rounds left pending or active by a crash as failed; return how many."""
        return await Round.filter(status__in=[RoundStatus.PENDING, RoundStatus.ACTIVE]).update(
            status=RoundStatus.FAILED, end_reason=INTERRUPTED, finished_at=dt.datetime.now(dt.timezone.utc))

    async def open_round(self, job_db_id: int, job_id: str, round_type: RoundType, start_block: int,
                         sqrt_price_x96: int, metadata: dict[str, Any]) -> Round:
        """Create the next round of this job and type, already active."""
        last = await Round.filter(job_id=job_db_id, round_type=round_type).order_by("-round_number").first()
        number = 1 if last is None else last.round_number + 1
        return await Round.create(
            round_id=f"{job_id}:{round_type.value}:{number}", job_id=job_db_id, round_type=round_type,
            round_number=number, status=RoundStatus.ACTIVE, start_block=start_block,
            start_sqrt_price_x96=sqrt_price_x96, metadata=metadata, started_at=dt.datetime.now(dt.timezone.utc))

    async def checkpoint_done(self, round_db_id: int, block: int) -> None:
        await Round.filter(id=round_db_id).update(last_checkpoint_block=block)

    async def fail_round(self, round_db_id: int, reason: str) -> None:
        await Round.filter(id=round_db_id, status=RoundStatus.ACTIVE).update(
            status=RoundStatus.FAILED, end_reason=reason[:2000], finished_at=dt.datetime.now(dt.timezone.utc))

    async def fail_unrecorded(self, job_db_id: int, round_type: RoundType, reason: str) -> int:
        """Mark the job's rounds of ``round_type`` still active as failed; return how many.

        For the job's own task, before its next round after a failure: a round whose failure could
        not be written (the database was down when it failed) must not stay active until a restart."""
        return await Round.filter(job_id=job_db_id, round_type=round_type, status=RoundStatus.ACTIVE).update(
            status=RoundStatus.FAILED, end_reason=reason[:2000], finished_at=dt.datetime.now(dt.timezone.utc))

    async def previous_combined(self, job_db_id: int) -> dict[str, float]:
        rows = await MinerScore.filter(job_id=job_db_id).values("miner_hotkey", "combined_score")
        return {str(r["miner_hotkey"]): float(r["combined_score"]) for r in rows}

    async def finish_evaluation(
        self, round_row: Round, *, end_block: int, end_sqrt_price_x96: int, winner: tuple[str, int] | None,
        predictions: Sequence[Prediction], results: Sequence[RoundResult], scores: Sequence[ScoreUpdate],
        refused: Sequence[tuple[str, int]], participation: Sequence[ParticipationUpdate], day: dt.date,
    ) -> None:
        """Write a completed evaluation round, all or nothing."""
        job_db_id = round_row.job_id  # type: ignore[attr-defined]
        async with in_transaction(JOBS_CONNECTION) as connection:
            if predictions:
                await Prediction.bulk_create(predictions, batch_size=BATCH, using_db=connection)
            if results:
                await RoundResult.bulk_create(results, batch_size=BATCH, using_db=connection)
            await self._ensure_score_rows(connection, job_db_id, [(s.hotkey, s.uid) for s in scores] + list(refused))
            await self._apply_evaluation_scores(connection, job_db_id, round_row.round_id, scores)
            await self._count_refusals(connection, job_db_id, refused)
            await self._add_participation(connection, job_db_id, participation, day)
            round_row.status = RoundStatus.COMPLETED
            round_row.end_block = end_block
            round_row.end_sqrt_price_x96 = end_sqrt_price_x96
            round_row.winner_hotkey, round_row.winner_uid = winner if winner else (None, None)
            round_row.finished_at = dt.datetime.now(dt.timezone.utc)
            await round_row.save(using_db=connection, update_fields=[
                "status", "end_block", "end_sqrt_price_x96", "winner_hotkey", "winner_uid", "finished_at"])

    async def _ensure_score_rows(self, connection: BaseDBAsyncClient, job_db_id: int,
                                 miners: Sequence[tuple[str, int]]) -> None:
        rows = [MinerScore(job_id=job_db_id, miner_hotkey=hotkey, miner_uid=uid) for hotkey, uid in dict(miners).items()]
        if rows:
            await MinerScore.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True, using_db=connection)

    async def _apply_evaluation_scores(self, connection: BaseDBAsyncClient, job_db_id: int, round_id: str,
                                       scores: Sequence[ScoreUpdate]) -> None:
        if not scores:
            return
        new_eval = f"({EVALUATION_EMA_OLD!r} * evaluation_score + {EVALUATION_EMA_NEW!r} * v.column2)"
        head = (f"UPDATE miner_scores SET evaluation_score = {new_eval}, "
                f"combined_score = {EVALUATION_WEIGHT!r} * {new_eval} + {LIVE_WEIGHT!r} * live_score, "
                f"evaluation_rounds = evaluation_rounds + 1, miner_uid = v.column3, last_round_id = {{p2}}, "
                f"updated_at = {{p3}}")
        tail = "WHERE miner_scores.job_id = {p1} AND miner_scores.miner_hotkey = v.column1"
        rows = [(s.hotkey, s.score, s.uid) for s in scores]
        now = dt.datetime.now(dt.timezone.utc)
        await _update_from_values(connection, head, rows, ("VARCHAR(64)", "DOUBLE PRECISION", "INTEGER"),
                                  [job_db_id, round_id, _timestamp(connection, now)], tail)

    async def _count_refusals(self, connection: BaseDBAsyncClient, job_db_id: int,
                              refused: Sequence[tuple[str, int]]) -> None:
        if refused:
            rows = [(hotkey, 1) for hotkey, _ in refused]
            await _update_from_values(
                connection, "UPDATE miner_scores SET refusals = refusals + v.column2", rows,
                ("VARCHAR(64)", "INTEGER"), [job_db_id],
                "WHERE miner_scores.job_id = {p1} AND miner_scores.miner_hotkey = v.column1")

    async def _add_participation(self, connection: BaseDBAsyncClient, job_db_id: int,
                                 participation: Sequence[ParticipationUpdate], day: dt.date) -> None:
        if not participation:
            return
        rows = [MinerParticipation(job_id=job_db_id, miner_hotkey=p.hotkey, miner_uid=p.uid, day=day)
                for p in participation]
        await MinerParticipation.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True, using_db=connection)
        values = [(p.hotkey, p.valid_answers, p.uid) for p in participation]
        await _update_from_values(
            connection, "UPDATE miner_participation SET valid_answers = valid_answers + v.column2, "
            "rounds = rounds + 1, miner_uid = v.column3", values, ("VARCHAR(64)", "INTEGER", "INTEGER"),
            [job_db_id, _date(connection, day)],
            "WHERE miner_participation.job_id = {p1} AND miner_participation.day = {p2} "
            "AND miner_participation.miner_hotkey = v.column1")

    async def apply_live_score(self, job_db_id: int, hotkey: str, uid: int, score: float) -> None:
        """Feed one live round score into the live EMA, recomputing the combined score atomically."""
        async with in_transaction(JOBS_CONNECTION) as connection:
            await self._ensure_score_rows(connection, job_db_id, [(hotkey, uid)])
            new_live = f"({LIVE_EMA_OLD!r} * live_score + {LIVE_EMA_NEW!r} * v.column2)"
            head = (f"UPDATE miner_scores SET live_score = {new_live}, "
                    f"combined_score = {EVALUATION_WEIGHT!r} * evaluation_score + {LIVE_WEIGHT!r} * {new_live}, "
                    f"live_rounds = live_rounds + 1")
            await _update_from_values(connection, head, [(hotkey, score)], ("VARCHAR(64)", "DOUBLE PRECISION"),
                                      [job_db_id], "WHERE miner_scores.job_id = {p1} AND miner_scores.miner_hotkey = v.column1")

    async def participation_days(self, job_db_id: int, hotkey: str) -> int:
        return await MinerParticipation.filter(job_id=job_db_id, miner_hotkey=hotkey, valid_answers__gt=0).count()

    async def last_completed_evaluation(self, job_db_id: int) -> Round | None:
        """The job's most recent completed evaluation round (its winner is the live candidate)."""
        return await Round.filter(job_id=job_db_id, round_type=RoundType.EVALUATION,
                                  status=RoundStatus.COMPLETED).order_by("-round_number").first()

    async def overlapping_evaluation(self, job_db_id: int, start_block: int, end_block: int) -> Round | None:
        """The job's evaluation round (active or completed) sharing the most blocks with
        ``[start_block, end_block)``; ties go to the later round. Active rounds use their planned end."""
        rows = await Round.filter(job_id=job_db_id, round_type=RoundType.EVALUATION,
                                  status__in=[RoundStatus.ACTIVE, RoundStatus.COMPLETED],
                                  start_block__lt=end_block).order_by("-round_number").limit(50)
        best, best_overlap = None, 0
        for row in rows:
            planned = row.end_block or int((row.metadata or {}).get("end_block", row.start_block))
            overlap = min(end_block, planned) - max(start_block, row.start_block)
            if overlap > best_overlap:
                best, best_overlap = row, overlap
        return best

    async def round_status(self, round_db_id: int) -> RoundStatus | None:
        row = await Round.filter(id=round_db_id).values_list("status", flat=True)
        return RoundStatus(row[0]) if row else None

    async def evaluation_raw_scores(self, round_db_id: int) -> list[float]:
        """Raw scores of a completed round's results (miners without a valid answer store -inf)."""
        rows = await RoundResult.filter(round_id=round_db_id).values("raw_score")
        return [float(r["raw_score"]) for r in rows]

    async def finish_live(self, round_row: Round, *, end_block: int, end_sqrt_price_x96: int,
                          prediction: Prediction, result: RoundResult | None, end_reason: str | None) -> None:
        """Write a completed live round (its one prediction row and its result), all or nothing."""
        async with in_transaction(JOBS_CONNECTION) as connection:
            await prediction.save(using_db=connection)
            if result is not None:
                await result.save(using_db=connection)
            round_row.status = RoundStatus.COMPLETED
            round_row.end_block, round_row.end_sqrt_price_x96 = end_block, end_sqrt_price_x96
            round_row.end_reason = end_reason  # type: ignore[assignment]  # nullable column
            round_row.finished_at = dt.datetime.now(dt.timezone.utc)
            await round_row.save(using_db=connection, update_fields=[
                "status", "end_block", "end_sqrt_price_x96", "end_reason", "finished_at"])

    async def open_execution(self, round_row: Round, key: str, hotkey: str, uid: int, block: int,
                             decision: dict[str, Any]) -> LiveExecution:
        """The execution row of a live decision, ``pending``; the same key returns the existing row."""
        row, _ = await LiveExecution.get_or_create(
            idempotency_key=key, defaults={"job_id": round_row.job_id,  # type: ignore[attr-defined]
                                           "round": round_row, "miner_hotkey": hotkey, "miner_uid": uid,
                                           "block_number": block, "decision": decision,
                                           "status": ExecutionStatus.PENDING})
        return row

    async def update_execution(self, row: LiveExecution, status: ExecutionStatus, **changes: Any) -> None:
        """Move an execution row along its lifecycle (``tx_hashes``, ``gas_used``, ``gas_cost_wei``,
        ``error``, ``decision`` may change with it)."""
        row.status = status
        for name, value in changes.items():
            setattr(row, name, value)
        await row.save(update_fields=["status", "updated_at", *changes])


def _date(connection: BaseDBAsyncClient, day: dt.date) -> Any:
    return day if connection.capabilities.dialect == "postgres" else day.isoformat()


def _timestamp(connection: BaseDBAsyncClient, moment: dt.datetime) -> Any:
    """Datetimes as each driver stores Tortoise's DatetimeField (SQLite: ISO text; asyncpg: aware datetime)."""
    return moment if connection.capabilities.dialect == "postgres" else moment.isoformat(" ")
