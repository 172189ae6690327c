"""Subcommands of ``python -m validator``: registration and handlers.

Handlers are ``async (settings, args) -> exit code``; they open only the databases they need.
"""

from __future__ import annotations

import argparse
from typing import Any

from loguru import logger

from db.connection import open_databases, pending_jobs_migrations, upgrade_jobs_db
from db.errors import StorageError
from validator import jobs_admin
from validator.cli import EXIT_FAILURE, EXIT_OK, print_json
from validator.config import ValidatorSettings
from validator.indexer.cli import register as register_indexer
from validator.pool_events_cli import register as register_pool_events

_JOB_FIELDS: dict[str, tuple[type, str]] = {
    "sn_liquidity_manager_address": (str, "Vault address (SN98 LiquidityManager or EOA)."),
    "pair_address": (str, "Pool address."),
    "vault_kind": (str, "eoa | liquidity_manager."),
    "pool_kind": (str, "uniswap-v3 | slipstream."),
    "target": (str, "Round score target: " + " | ".join(jobs_admin.KNOWN_TARGETS) + "."),
    "round_duration_seconds": (int, "Evaluation round length in seconds (60..86400)."),
    "checkpoint_blocks": (int, "Blocks between evaluation checkpoints."),
    "live_checkpoint_blocks": (int, "Blocks between live queries."),
    "weight": (float, "Share of emissions of this job relative to the others."),
}


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", parents=[parent], help="Run the validator daemon (the default).")
    run.set_defaults(handler=run_daemon)
    _register_db(sub, parent)
    _register_jobs(sub, parent)
    register_pool_events(sub, parent)
    register_indexer(sub, parent)


def _register_db(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", parents=[parent], help="Jobs database schema.")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    db_sub.add_parser("upgrade", parents=[parent], help="Apply pending migrations.").set_defaults(handler=db_upgrade)
    db_sub.add_parser("status", parents=[parent], help="List pending migrations.").set_defaults(handler=db_status)


def _add_job_fields(parser: argparse.ArgumentParser, required: bool) -> None:
    for name, (kind, help_text) in _JOB_FIELDS.items():
        is_required = required and name in ("sn_liquidity_manager_address", "pair_address")
        parser.add_argument("--" + name.replace("_", "-"), dest="job_" + name, type=kind,
                            required=is_required, default=None, help=help_text)


def _register_jobs(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    jobs = sub.add_parser("jobs", parents=[parent], help="Create, inspect, change and retire jobs.")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="JOBS_COMMAND", required=True)
    add = jobs_sub.add_parser("add", parents=[parent], help="Create a job.")
    add.add_argument("job_id")
    _add_job_fields(add, required=True)
    add.add_argument("--inactive", action="store_true", help="Create it deactivated.")
    add.set_defaults(handler=jobs_add)
    listing = jobs_sub.add_parser("list", parents=[parent], help="List jobs.")
    listing.add_argument("--all", action="store_true", help="Include inactive jobs.")
    listing.set_defaults(handler=jobs_list)
    show = jobs_sub.add_parser("show", parents=[parent], help="Show one job as JSON.")
    show.add_argument("job_id")
    show.set_defaults(handler=jobs_show)
    update = jobs_sub.add_parser("update", parents=[parent], help="Change fields of a job.")
    update.add_argument("job_id")
    _add_job_fields(update, required=False)
    update.add_argument("--activate", action="store_true", help="Re-activate the job.")
    update.set_defaults(handler=jobs_update)
    deactivate = jobs_sub.add_parser("deactivate", parents=[parent], help="Stop running a job (kept for history).")
    deactivate.add_argument("job_id")
    deactivate.set_defaults(handler=jobs_deactivate)


async def run_daemon(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    """Run the validator until stopped (SIGINT/SIGTERM) or, in replay mode, until every job is done."""
    from validator import daemon

    return await daemon.run(settings)


async def db_upgrade(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    async with open_databases(settings.jobs_db):
        try:
            applied = await upgrade_jobs_db()
        except StorageError as exc:
            logger.error("{}", exc)
            return EXIT_FAILURE
    print_json({"database": settings.jobs_db.masked(), "applied": applied})
    return EXIT_OK


async def db_status(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    async with open_databases(settings.jobs_db):
        pending = await pending_jobs_migrations()
    print_json({"database": settings.jobs_db.masked(), "pending": pending})
    return EXIT_OK


def _job_changes(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, "job_" + name) for name in _JOB_FIELDS
            if getattr(args, "job_" + name, None) is not None}


async def _with_jobs_db(settings: ValidatorSettings, action: Any) -> int:
    """Open the jobs DB (migrated), run ``action``, turn admin errors into one line and exit 1."""
    async with open_databases(settings.jobs_db):
        await upgrade_jobs_db()
        try:
            result = await action()
        except jobs_admin.JobAdminError as exc:
            logger.error("{}", exc)
            return EXIT_FAILURE
    print_json(result)
    return EXIT_OK


async def jobs_add(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    values = {"job_id": args.job_id, "chain_id": settings.chain_id, **_job_changes(args),
              "is_active": not args.inactive}

    async def action() -> dict[str, Any]:
        return jobs_admin.job_to_dict(await jobs_admin.add_job(values))

    return await _with_jobs_db(settings, action)


async def jobs_list(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    async def action() -> list[dict[str, Any]]:
        return [jobs_admin.job_to_dict(job) for job in await jobs_admin.list_jobs(args.all)]

    return await _with_jobs_db(settings, action)


async def jobs_show(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    async def action() -> dict[str, Any]:
        return jobs_admin.job_to_dict(await jobs_admin.get_job(args.job_id))

    return await _with_jobs_db(settings, action)


async def jobs_update(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    changes = _job_changes(args)
    if args.activate:
        changes["is_active"] = True

    async def action() -> dict[str, Any]:
        return jobs_admin.job_to_dict(await jobs_admin.update_job(args.job_id, changes))

    return await _with_jobs_db(settings, action)


async def jobs_deactivate(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    async def action() -> dict[str, Any]:
        return jobs_admin.job_to_dict(await jobs_admin.deactivate_job(args.job_id))

    return await _with_jobs_db(settings, action)


