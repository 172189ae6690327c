"""The daemon's view of a job: an immutable snapshot of its row, taken when a job task starts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from db.models import Job


@dataclass(frozen=True, slots=True)
class ActiveJob:
    """A job as the rounds use it. ``version`` changes whenever the row changes (restart the task)."""

    db_id: int
    job_id: str
    vault: str
    vault_kind: str
    pool: str
    pool_kind: str
    chain_id: int
    target: str
    round_duration_seconds: int
    checkpoint_blocks: int
    live_checkpoint_blocks: int
    weight: float
    version: dt.datetime | None

    @classmethod
    def from_row(cls, job: Job) -> ActiveJob:
        return cls(
            db_id=job.id, job_id=job.job_id, vault=job.sn_liquidity_manager_address,
            vault_kind=str(getattr(job.vault_kind, "value", job.vault_kind)), pool=job.pair_address,
            pool_kind=str(getattr(job.pool_kind, "value", job.pool_kind)), chain_id=job.chain_id,
            target=job.target, round_duration_seconds=job.round_duration_seconds,
            checkpoint_blocks=job.checkpoint_blocks, live_checkpoint_blocks=job.live_checkpoint_blocks,
            weight=job.weight, version=job.updated_at,
        )


async def load_active_jobs() -> dict[str, ActiveJob]:
    """Every active job by job id (inside ``open_databases``)."""
    return {job.job_id: ActiveJob.from_row(job) for job in await Job.filter(is_active=True)}
