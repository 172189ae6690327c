"""Tortoise models of the jobs database: what the validator decides, remembers and is paid for.

Miners are identified by hotkey everywhere (the uid is stored beside it for display and weights):
a new hotkey on a recycled uid starts from zero. Every write has a natural unique key so that a
retried write updates the row it already wrote instead of adding a second one. Token amounts and
Q64.96 prices are exact integers (``UInt256Field`` / ``Int256Field``); scores are floats in [0, 1].
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from db.fields import Int256Field, UInt256Field

APP_LABEL = "jobs"


class VaultKind(str, Enum):
    """How the validator reads the vault: an EOA owning NPM positions, or SN98's LiquidityManager."""

    EOA = "eoa"
    LIQUIDITY_MANAGER = "liquidity_manager"


class PoolKind(str, Enum):
    UNISWAP_V3 = "uniswap-v3"
    SLIPSTREAM = "slipstream"


class RoundType(str, Enum):
    EVALUATION = "evaluation"
    LIVE = "live"


class RoundStatus(str, Enum):
    """Lifecycle: pending -> active -> completed | failed (failed rounds carry an end reason)."""

    PENDING = "pending"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"


class PredictionOutcome(str, Enum):
    """What became of one miner's answer at one checkpoint."""

    REFUSED = "refused"
    KEPT = "kept"
    REBALANCED = "rebalanced"
    REJECTED = "rejected"
    NO_ANSWER = "no_answer"
    TIMEOUT = "timeout"
    TRANSPORT_ERROR = "transport_error"


class ExecutionStatus(str, Enum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    REVERTED = "reverted"


class Job(Model):
    """One liquidity-management task: a vault managing liquidity in one pool toward a target."""

    id = fields.IntField(primary_key=True)
    job_id = fields.CharField(max_length=64, unique=True)
    sn_liquidity_manager_address = fields.CharField(max_length=42)
    pair_address = fields.CharField(max_length=42)
    chain_id = fields.IntField(default=8453)
    vault_kind = fields.CharEnumField(VaultKind, max_length=32, default=VaultKind.LIQUIDITY_MANAGER)
    pool_kind = fields.CharEnumField(PoolKind, max_length=32, default=PoolKind.UNISWAP_V3)
    target = fields.CharField(max_length=64, default="pnl_vs_hodl")
    round_duration_seconds = fields.IntField(default=900)
    checkpoint_blocks = fields.IntField(default=150)
    live_checkpoint_blocks = fields.IntField(default=150)
    weight = fields.FloatField(default=1.0)
    is_active = fields.BooleanField(default=True)
    metadata: fields.JSONField[Any] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    rounds: fields.ReverseRelation[Round]

    class Meta:
        app = APP_LABEL
        table = "jobs"
        indexes = [Index(fields=("is_active",), name="jobs_active_idx")]


class Round(Model):
    """An evaluation round (every miner, simulated) or a live round (the winner, on chain)."""

    id = fields.IntField(primary_key=True)
    round_id = fields.CharField(max_length=128, unique=True)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "jobs.Job", related_name="rounds", on_delete=fields.RESTRICT
    )
    round_type = fields.CharEnumField(RoundType, max_length=16)
    round_number = fields.IntField()
    status = fields.CharEnumField(RoundStatus, max_length=16, default=RoundStatus.PENDING)
    end_reason = fields.TextField(null=True)
    start_block = fields.BigIntField()
    end_block = fields.BigIntField(null=True)
    start_sqrt_price_x96 = UInt256Field(null=True)
    end_sqrt_price_x96 = UInt256Field(null=True)
    winner_hotkey = fields.CharField(max_length=64, null=True)
    winner_uid = fields.IntField(null=True)
    last_checkpoint_block = fields.BigIntField(null=True)
    metadata: fields.JSONField[Any] = fields.JSONField(null=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = APP_LABEL
        table = "rounds"
        unique_together = (("job", "round_type", "round_number"),)
        indexes = [
            Index(fields=("status",), name="rounds_status_idx"),
            Index(fields=("job_id", "round_type", "status"), name="rounds_job_type_status_idx"),
        ]


class Prediction(Model):
    """One miner's answers over one round, compactly: a row per miner per round, not per checkpoint.

    ``checkpoints`` is a list with one entry per checkpoint the miner was queried at:
    ``{"block": int, "outcome": PredictionOutcome value, "reason_code": str | None,
    "ms": int | None, "positions": [[tick_lower, tick_upper, "allocation0", "allocation1"], ...] | None}``.
    Amounts in it are decimal strings (exact); the counters let queries avoid parsing JSON.
    """

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[Round] = fields.ForeignKeyField(
        "jobs.Round", related_name="predictions", on_delete=fields.RESTRICT
    )
    miner_hotkey = fields.CharField(max_length=64)
    miner_uid = fields.IntField()
    accepted = fields.BooleanField(default=True)
    refusal_reason = fields.TextField(null=True)
    last_outcome = fields.CharEnumField(PredictionOutcome, max_length=24)
    valid_answers = fields.IntField(default=0)
    rejected_answers = fields.IntField(default=0)
    failed_queries = fields.IntField(default=0)
    rebalances = fields.IntField(default=0)
    checkpoints: fields.JSONField[Any] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = APP_LABEL
        table = "predictions"
        unique_together = (("round", "miner_hotkey"),)
        indexes = [Index(fields=("miner_hotkey", "round_id"), name="predictions_miner_idx")]


class RoundResult(Model):
    """A miner's end-of-round metrics and scores: raw score kept, rank score fed to the EMA."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[Round] = fields.ForeignKeyField(
        "jobs.Round", related_name="results", on_delete=fields.RESTRICT
    )
    miner_hotkey = fields.CharField(max_length=64)
    miner_uid = fields.IntField()
    raw_score = fields.FloatField()
    rank_score = fields.FloatField()
    rank = fields.IntField()
    initial_value = UInt256Field()
    final_value = UInt256Field()
    hodl_value = UInt256Field()
    fees0 = UInt256Field()
    fees1 = UInt256Field()
    pnl_vs_hodl = Int256Field()
    rebalances = fields.IntField(default=0)
    valid_answers = fields.IntField(default=0)
    metrics: fields.JSONField[Any] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = APP_LABEL
        table = "round_results"
        unique_together = (("round", "miner_hotkey"),)


class MinerScore(Model):
    """Per job and miner hotkey: the EMA reputation that weights are set from."""

    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "jobs.Job", related_name="miner_scores", on_delete=fields.RESTRICT
    )
    miner_hotkey = fields.CharField(max_length=64)
    miner_uid = fields.IntField()
    evaluation_score = fields.FloatField(default=0.0)
    live_score = fields.FloatField(default=0.0)
    combined_score = fields.FloatField(default=0.0)
    evaluation_rounds = fields.IntField(default=0)
    live_rounds = fields.IntField(default=0)
    refusals = fields.IntField(default=0, db_default=0)
    last_round_id = fields.CharField(max_length=128, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = APP_LABEL
        table = "miner_scores"
        unique_together = (("job", "miner_hotkey"),)
        indexes = [Index(fields=("job_id", "combined_score"), name="miner_scores_job_combined_idx")]


class MinerParticipation(Model):
    """A UTC day on which a miner gave at least one valid evaluation answer in a job."""

    id = fields.IntField(primary_key=True)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "jobs.Job", related_name="participation", on_delete=fields.RESTRICT
    )
    miner_hotkey = fields.CharField(max_length=64)
    miner_uid = fields.IntField()
    day = fields.DateField()
    valid_answers = fields.IntField(default=0)
    rounds = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = APP_LABEL
        table = "miner_participation"
        unique_together = (("job", "miner_hotkey", "day"),)


class LiveExecution(Model):
    """A live decision handed to the executor, tracked from pending to a final status."""

    id = fields.IntField(primary_key=True)
    idempotency_key = fields.CharField(max_length=128, unique=True)
    job: fields.ForeignKeyRelation[Job] = fields.ForeignKeyField(
        "jobs.Job", related_name="live_executions", on_delete=fields.RESTRICT
    )
    round: fields.ForeignKeyRelation[Round] = fields.ForeignKeyField(
        "jobs.Round", related_name="live_executions", on_delete=fields.RESTRICT
    )
    miner_hotkey = fields.CharField(max_length=64)
    miner_uid = fields.IntField()
    block_number = fields.BigIntField()
    status = fields.CharEnumField(ExecutionStatus, max_length=16, default=ExecutionStatus.PENDING)
    decision: fields.JSONField[Any] = fields.JSONField()
    tx_hashes: fields.JSONField[Any] = fields.JSONField(null=True)
    gas_used = UInt256Field(null=True)
    gas_cost_wei = UInt256Field(null=True)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = APP_LABEL
        table = "live_executions"
        indexes = [
            Index(fields=("job_id", "status"), name="live_exec_job_status_idx"),
            Index(fields=("round_id",), name="live_exec_round_idx"),
        ]


class WeightSet(Model):
    """One computed weight vector and what became of it (set on chain, refused, or local-only)."""

    id = fields.IntField(primary_key=True)
    block = fields.BigIntField()
    network = fields.CharField(max_length=16)
    uids: fields.JSONField[Any] = fields.JSONField()
    weights: fields.JSONField[Any] = fields.JSONField()
    success = fields.BooleanField()
    message = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = APP_LABEL
        table = "weight_sets"
        indexes = [Index(fields=("created_at",), name="weight_sets_created_idx")]


__all__ = [
    "APP_LABEL",
    "ExecutionStatus",
    "Job",
    "LiveExecution",
    "MinerParticipation",
    "MinerScore",
    "PoolKind",
    "Prediction",
    "PredictionOutcome",
    "Round",
    "RoundResult",
    "RoundStatus",
    "RoundType",
    "VaultKind",
    "WeightSet",
]
