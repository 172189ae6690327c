"""Jobs administration: how operators create, inspect, change and retire jobs.

Input is validated at the edge (checksummed addresses, supported chain ids, sane durations, a
known target) before any row is written; a job is never deleted (rounds and scores refer to it),
only deactivated.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from web3 import Web3

from db.models import Job, PoolKind, VaultKind
from simulator.targets import TARGETS

SUPPORTED_CHAIN_IDS = {8453: "Base", 84532: "Base Sepolia"}
KNOWN_TARGETS = tuple(TARGETS)  # round-score targets by name (simulator.targets)
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class JobAdminError(ValueError):
    """A jobs command cannot be carried out (bad input, unknown job, duplicate id)."""


def checksum_address(value: str, field: str) -> str:
    """The EIP-55 form of ``value``; mixed-case input must already carry a valid checksum."""
    if not isinstance(value, str) or not _HEX_ADDRESS.match(value):
        raise ValueError(f"{field} is not a 0x-prefixed 20-byte address: {value!r}")
    body = value[2:]
    if body != body.lower() and body != body.upper() and not Web3.is_checksum_address(value):
        raise ValueError(f"{field} has an invalid EIP-55 checksum: {value}")
    return str(Web3.to_checksum_address(value))


class JobSpec(BaseModel):
    """A job as the operator describes it; every field checked before the database sees it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    job_id: str
    sn_liquidity_manager_address: str
    pair_address: str
    chain_id: int = 8453
    vault_kind: VaultKind = VaultKind.LIQUIDITY_MANAGER
    pool_kind: PoolKind = PoolKind.UNISWAP_V3
    target: str = "pnl_vs_hodl"
    round_duration_seconds: int = Field(900, ge=60, le=86_400)
    checkpoint_blocks: int = Field(150, ge=1, le=43_200)
    live_checkpoint_blocks: int = Field(150, ge=1, le=43_200)
    weight: float = Field(1.0, ge=0.0, le=1_000.0, allow_inf_nan=False)
    is_active: bool = True

    @field_validator("job_id")
    @classmethod
    def _check_job_id(cls, value: str) -> str:
        if not _JOB_ID.match(value):
            raise ValueError("job_id: 1-64 characters of letters, digits, '_', '.', ':' or '-'")
        return value

    @field_validator("sn_liquidity_manager_address", "pair_address")
    @classmethod
    def _check_address(cls, value: str, info: Any) -> str:
        return checksum_address(value, info.field_name)

    @field_validator("chain_id")
    @classmethod
    def _check_chain(cls, value: int) -> int:
        if value not in SUPPORTED_CHAIN_IDS:
            supported = ", ".join(f"{k} ({v})" for k, v in SUPPORTED_CHAIN_IDS.items())
            raise ValueError(f"chain_id {value} is not supported (supported: {supported})")
        return value

    @field_validator("target")
    @classmethod
    def _check_target(cls, value: str) -> str:
        if value not in KNOWN_TARGETS:
            raise ValueError(f"unknown target {value!r} (known: {', '.join(KNOWN_TARGETS)})")
        return value


def _describe(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "job"
        return f"{where}: {str(first.get('msg', exc)).removeprefix('Value error, ')}"
    return str(exc)


def validate_spec(values: dict[str, Any]) -> JobSpec:
    try:
        return JobSpec(**values)
    except Exception as exc:  # pydantic's ValidationError, reported as one line
        raise JobAdminError(_describe(exc)) from None


async def add_job(values: dict[str, Any]) -> Job:
    spec = validate_spec(values)
    if await Job.filter(job_id=spec.job_id).exists():
        raise JobAdminError(f"job {spec.job_id!r} already exists (use 'jobs update')")
    return await Job.create(**spec.model_dump())


async def get_job(job_id: str) -> Job:
    job = await Job.get_or_none(job_id=job_id)
    if job is None:
        raise JobAdminError(f"no job {job_id!r}")
    return job


async def update_job(job_id: str, changes: dict[str, Any]) -> Job:
    """Apply ``changes`` after validating the job as it would be afterwards."""
    job = await get_job(job_id)
    if "job_id" in changes and changes["job_id"] != job_id:
        raise JobAdminError("job_id cannot be changed")
    merged = {**job_to_dict(job, raw=True), **changes}
    spec = validate_spec(merged)
    job.update_from_dict(spec.model_dump(exclude={"job_id"}))
    await job.save()
    return job


async def deactivate_job(job_id: str) -> Job:
    return await update_job(job_id, {"is_active": False})


async def list_jobs(include_inactive: bool = False) -> list[Job]:
    query = Job.all() if include_inactive else Job.filter(is_active=True)
    return await query.order_by("job_id")


def job_to_dict(job: Job, raw: bool = False) -> dict[str, Any]:
    """A job as plain values (enums as their values); ``raw`` leaves out the bookkeeping fields."""
    data: dict[str, Any] = {name: getattr(job, name) for name in JobSpec.model_fields}
    data["vault_kind"] = VaultKind(job.vault_kind).value
    data["pool_kind"] = PoolKind(job.pool_kind).value
    if not raw:
        data["created_at"] = job.created_at.isoformat() if job.created_at else None
        data["updated_at"] = job.updated_at.isoformat() if job.updated_at else None
    return data
