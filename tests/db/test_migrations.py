"""Jobs DB migrations: apply on empty databases, upgrade seeded ones losing nothing, match the models."""

from __future__ import annotations

import datetime as dt

import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from db import models
from db.connection import (
    JOBS_CONNECTION,
    _jobs_apps_config,
    open_databases,
    pending_jobs_migrations,
    upgrade_jobs_db,
)
from db.urls import DatabaseUrl

ADDRESS = "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"
SEEDED_TABLES = {
    "jobs": 2, "rounds": 3, "predictions": 4, "round_results": 2,
    "miner_scores": 2, "miner_participation": 2, "live_executions": 1, "weight_sets": 0,
}


async def _table_count(table: str) -> int:
    rows = await get_connection(JOBS_CONNECTION).execute_query_dict(f'SELECT COUNT(*) AS n FROM "{table}"')
    return int(rows[0]["n"])


async def _index_names(url: DatabaseUrl) -> set[str]:
    conn = get_connection(JOBS_CONNECTION)
    if url.is_sqlite:
        rows = await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE type = 'index'")
    else:
        rows = await conn.execute_query_dict("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'")
    return {str(row["name"]) for row in rows}


async def _seed() -> None:
    """Rows in every table, written through raw SQL-compatible model calls of migration 0001's columns."""
    job = await models.Job.create(job_id="a", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS)
    await models.Job.create(job_id="b", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS)
    rounds = [
        await models.Round.create(round_id=f"a-{i}", job=job, round_type=models.RoundType.EVALUATION,
                                  round_number=i, start_block=100 + i, start_sqrt_price_x96=2**150 + i)
        for i in range(3)
    ]
    for i in range(4):
        await models.Prediction.create(round=rounds[0], miner_hotkey=f"hk{i}", miner_uid=i,
                                       last_outcome=models.PredictionOutcome.KEPT, valid_answers=1,
                                       checkpoints=[{"block": 100, "outcome": "kept", "reason_code": None,
                                                     "ms": 12, "positions": None}])
    for i in range(2):
        await models.RoundResult.create(round=rounds[0], miner_hotkey=f"hk{i}", miner_uid=i, raw_score=0.5,
                                        rank_score=0.5, rank=i, initial_value=10**30, final_value=10**30 + 1,
                                        hodl_value=10**30, fees0=5, fees1=6, pnl_vs_hodl=-(10**25))
        await models.MinerScore.create(job=job, miner_hotkey=f"hk{i}", miner_uid=i, evaluation_score=0.3)
        await models.MinerParticipation.create(job=job, miner_hotkey=f"hk{i}", miner_uid=i, day=dt.date(2026, 11, 1))
    await models.LiveExecution.create(idempotency_key="k1", job=job, round=rounds[1], miner_hotkey="hk0",
                                      miner_uid=0, block_number=101, decision={"positions": []}, gas_used=21000)


async def test_migrations_create_every_table_on_an_empty_database(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        applied = await upgrade_jobs_db()
        assert applied[0] == "0001_initial"
        assert await pending_jobs_migrations() == []
        assert await upgrade_jobs_db() == []
        for table in SEEDED_TABLES:
            assert await _table_count(table) == 0


async def test_upgrading_a_seeded_database_loses_no_row_and_keeps_constraints(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        executor = MigrationExecutor(get_connection(JOBS_CONNECTION), _jobs_apps_config())
        await executor.migrate([MigrationTarget(app_label="jobs", name="0001_initial")])
        await _seed_with_0001_columns()
        indexes_before = await _index_names(db_url)
        applied = await upgrade_jobs_db()
        assert "0002_round_progress_and_refusals" in applied
        for table, count in SEEDED_TABLES.items():
            assert await _table_count(table) == count, table
        assert indexes_before <= await _index_names(db_url)
        score = await models.MinerScore.get(miner_hotkey="hk0")
        assert score.refusals == 0 and score.evaluation_score == 0.3
        result = await models.RoundResult.get(miner_hotkey="hk0")
        assert result.pnl_vs_hodl == -(10**25) and result.final_value == 10**30 + 1
        job = await models.Job.get(job_id="a")
        with pytest.raises(IntegrityError):
            await models.MinerScore.create(job=job, miner_hotkey="hk0", miner_uid=9)


async def _seed_with_0001_columns() -> None:
    # The models now carry 0002's columns; hide them while seeding the 0001 schema.
    hidden = {models.Round: "last_checkpoint_block", models.MinerScore: "refusals"}
    saved = {}
    for model, field in hidden.items():
        meta = model._meta
        saved[model] = (meta.fields_db_projection.pop(field), meta.fields_map.pop(field))
        meta.fields.discard(field)
        meta.db_fields.discard(field)
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()
    try:
        await _seed()
    finally:
        for model, (column, field_object) in saved.items():
            meta = model._meta
            name = hidden[model]
            meta.fields_db_projection[name] = column
            meta.fields_map[name] = field_object
            meta.fields.add(name)
            meta.db_fields.add(column)
        EXECUTOR_CACHE.clear()


async def test_models_and_migrations_agree(sqlite_url: DatabaseUrl) -> None:
    async with open_databases(sqlite_url) as ctx:
        detector = MigrationAutodetector(ctx.apps, _jobs_apps_config())
        changes = await detector.changes()
        assert changes == [], "models changed without a migration: run makemigrations (README, Migrations)"
