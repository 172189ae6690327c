"""Jobs administration validates before writing and never deletes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.connection import open_databases, upgrade_jobs_db
from db.models import Job
from db.urls import DatabaseUrl
from validator import jobs_admin

ROOT = Path(__file__).resolve().parents[2]
POOL = "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"
VAULT = "0x4e68Ccd3E89f51C3074ca5072bbAC773960dFa36"


def _spec(**overrides: object) -> dict[str, object]:
    return {"job_id": "usdc-weth", "sn_liquidity_manager_address": VAULT, "pair_address": POOL, **overrides}


async def test_add_list_show_update_deactivate(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        await upgrade_jobs_db()
        job = await jobs_admin.add_job(_spec(pair_address=POOL.lower()))
        assert job.pair_address == POOL  # stored checksummed
        assert [j.job_id for j in await jobs_admin.list_jobs()] == ["usdc-weth"]
        updated = await jobs_admin.update_job("usdc-weth", {"round_duration_seconds": 1800, "target": "pol"})
        assert (updated.round_duration_seconds, updated.target) == (1800, "pol")
        await jobs_admin.deactivate_job("usdc-weth")
        assert await jobs_admin.list_jobs() == []
        assert len(await jobs_admin.list_jobs(include_inactive=True)) == 1
        assert await Job.all().count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pair_address": "0x8AD599C3a0ff1de082011efddc58f1908eb6e6d8"}, "checksum"),
        ({"pair_address": "0x1234"}, "not a 0x-prefixed"),
        ({"chain_id": 1}, "not supported"),
        ({"target": "moon"}, "unknown target"),
        ({"round_duration_seconds": 5}, "round_duration_seconds"),
        ({"job_id": "bad id with spaces"}, "job_id"),
        ({"weight": float("nan")}, "weight"),
    ],
)
async def test_invalid_jobs_are_refused_before_any_write(
    sqlite_url: DatabaseUrl, overrides: dict[str, object], message: str
) -> None:
    async with open_databases(sqlite_url):
        await upgrade_jobs_db()
        with pytest.raises(jobs_admin.JobAdminError, match=message):
            await jobs_admin.add_job(_spec(**overrides))
        assert await Job.all().count() == 0


async def test_duplicate_job_ids_and_unknown_jobs_are_errors(sqlite_url: DatabaseUrl) -> None:
    async with open_databases(sqlite_url):
        await upgrade_jobs_db()
        await jobs_admin.add_job(_spec())
        with pytest.raises(jobs_admin.JobAdminError, match="already exists"):
            await jobs_admin.add_job(_spec())
        with pytest.raises(jobs_admin.JobAdminError, match="no job"):
            await jobs_admin.update_job("other", {"weight": 2.0})
        with pytest.raises(jobs_admin.JobAdminError, match="cannot be changed"):
            await jobs_admin.update_job("usdc-weth", {"job_id": "renamed"})


def _cli(db: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "validator", "--jobs-db-url", f"sqlite://{db}", *argv],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, env=dict(os.environ))


def test_jobs_commands_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite3"
    added = _cli(db, "jobs", "add", "usdc-weth", "--sn-liquidity-manager-address", VAULT,
                 "--pair-address", POOL, "--target", "pol", "--weight", "2")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["target"] == "pol"
    bad = _cli(db, "jobs", "add", "x", "--sn-liquidity-manager-address", VAULT, "--pair-address", "0xnope")
    assert bad.returncode == 1 and "pair_address" in bad.stderr
    shown = json.loads(_cli(db, "jobs", "show", "usdc-weth").stdout)
    assert shown["weight"] == 2.0 and shown["is_active"] is True
    assert _cli(db, "jobs", "deactivate", "usdc-weth").returncode == 0
    assert json.loads(_cli(db, "jobs", "list").stdout) == []
    assert len(json.loads(_cli(db, "jobs", "list", "--all").stdout)) == 1
