"""Round persistence: EMA arithmetic in one statement, refusals, participation, crash recovery."""

from __future__ import annotations

import datetime as dt

import pytest

from db.connection import open_databases, upgrade_jobs_db
from db.models import Job, MinerParticipation, MinerScore, Prediction, PredictionOutcome, Round, RoundStatus, RoundType
from db.urls import DatabaseUrl
from tests.support.round_probe import StatementCounter
from validator.round_store import INTERRUPTED, ParticipationUpdate, RoundStore, ScoreUpdate

ADDRESS = "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"
DAY = dt.date(2026, 11, 25)


async def _job() -> Job:
    return await Job.create(job_id="job", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS)


async def _finish(store: RoundStore, job: Job, scores: list[ScoreUpdate], refused: list[tuple[str, int]]) -> Round:
    rnd = await store.open_round(job.id, job.job_id, RoundType.EVALUATION, 100, 2**96, {})
    predictions = [Prediction(round=rnd, miner_hotkey=s.hotkey, miner_uid=s.uid, last_outcome=PredictionOutcome.KEPT,
                              valid_answers=1, checkpoints=[]) for s in scores]
    await store.finish_evaluation(
        rnd, end_block=550, end_sqrt_price_x96=2**96 + 1, winner=(scores[0].hotkey, scores[0].uid),
        predictions=predictions, results=[], scores=scores, refused=refused,
        participation=[ParticipationUpdate(s.hotkey, s.uid, 1) for s in scores], day=DAY)
    return rnd


async def test_evaluation_ema_live_ema_and_combined_score(db_url: DatabaseUrl) -> None:
    store = RoundStore()
    async with open_databases(db_url):
        await upgrade_jobs_db()
        job = await _job()
        await _finish(store, job, [ScoreUpdate("a", 1, 1.0), ScoreUpdate("b", 2, 0.0)], refused=[("c", 3)])
        await _finish(store, job, [ScoreUpdate("a", 1, 0.5), ScoreUpdate("b", 2, 1.0)], refused=[])
        await store.apply_live_score(job.id, "a", 1, 1.0)
        rows = {r.miner_hotkey: r for r in await MinerScore.filter(job_id=job.id)}
        a_eval = 0.9 * (0.9 * 0 + 0.1 * 1.0) + 0.1 * 0.5
        assert rows["a"].evaluation_score == pytest.approx(a_eval)
        assert rows["a"].live_score == pytest.approx(0.3)
        assert rows["a"].combined_score == pytest.approx(0.6 * a_eval + 0.4 * 0.3)
        assert rows["b"].evaluation_score == pytest.approx(0.1)
        assert rows["b"].combined_score == pytest.approx(0.06)
        assert (rows["a"].evaluation_rounds, rows["a"].live_rounds) == (2, 1)
        assert rows["c"].refusals == 1 and rows["c"].evaluation_score == 0.0
        assert rows["a"].last_round_id == "job:evaluation:2"
        days = await MinerParticipation.filter(job_id=job.id, miner_hotkey="a").values("valid_answers", "rounds", "day")
        assert days == [{"valid_answers": 2, "rounds": 2, "day": DAY}]
        assert await store.participation_days(job.id, "a") == 1
        rounds = await Round.filter(job_id=job.id).order_by("round_number")
        assert [r.status for r in rounds] == [RoundStatus.COMPLETED] * 2
        assert rounds[1].winner_hotkey == "a" and rounds[1].end_sqrt_price_x96 == 2**96 + 1


async def test_interrupted_rounds_are_marked_failed_at_start(db_url: DatabaseUrl) -> None:
    store = RoundStore()
    async with open_databases(db_url):
        await upgrade_jobs_db()
        job = await _job()
        left_active = await store.open_round(job.id, job.job_id, RoundType.EVALUATION, 1, 2**96, {})
        assert await store.recover_interrupted() == 1
        again = await Round.get(id=left_active.id)
        assert again.status == RoundStatus.FAILED and again.end_reason == INTERRUPTED
        assert await store.recover_interrupted() == 0
        nxt = await store.open_round(job.id, job.job_id, RoundType.EVALUATION, 2, 2**96, {})
        assert nxt.round_number == 2


async def test_a_round_end_sends_as_many_statements_for_300_miners_as_for_3(db_url: DatabaseUrl) -> None:
    store = RoundStore()
    counts = []
    async with open_databases(db_url):
        await upgrade_jobs_db()
        job = await _job()
        for miners in (3, 300):
            scores = [ScoreUpdate(f"hk{i}", i, 0.5) for i in range(miners)]
            with StatementCounter() as counter:
                await _finish(store, job, scores, refused=[("refuser", 999)])
            counts.append(counter.count)
    assert counts[0] == counts[1] > 0, counts
