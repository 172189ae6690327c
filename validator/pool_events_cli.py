"""``python -m validator pool-events ...``: create the pool events schema and import CSV event data."""

from __future__ import annotations

import argparse
from pathlib import Path

from loguru import logger

from db.connection import create_pool_events_schema, open_databases
from db.importer import import_histories
from simulator.csv_events import SWAP_FILE, TICK_LOG_SUFFIX, PoolHistory, read_event_tables, read_tick_log
from simulator.errors import SimulatorError
from validator.cli import EXIT_FAILURE, EXIT_OK, print_json
from validator.config import ValidatorSettings


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    events = sub.add_parser("pool-events", parents=[parent], help="Pool events database: schema and imports.")
    events_sub = events.add_subparsers(dest="pool_events_command", metavar="POOL_EVENTS_COMMAND", required=True)
    init = events_sub.add_parser("init", parents=[parent], help="Create the pool events tables if missing.")
    init.set_defaults(handler=init_schema)
    imp = events_sub.add_parser("import", parents=[parent], help="Import a CSV folder (idempotent).")
    imp.add_argument("--from-csv", type=Path, required=True, metavar="DIR",
                     help="A folder in the layout of uniswap-v3-mainnet-day1/ or of *.pool.tick.csv logs.")
    imp.add_argument("--pool", action="append", default=None, metavar="ADDR",
                     help="Import only this pool (repeatable); default every pool in the folder.")
    imp.set_defaults(handler=import_csv)


def read_csv_folder(folder: Path, pools: list[str] | None = None) -> list[PoolHistory]:
    """Every pool history in ``folder``, in either CSV layout, optionally only ``pools``."""
    wanted = {p.lower() for p in pools} if pools else None
    histories: list[PoolHistory]
    if (folder / SWAP_FILE).is_file():
        histories = list(read_event_tables(folder).values())
    else:
        histories = [read_tick_log(path) for path in sorted(folder.glob(f"*{TICK_LOG_SUFFIX}"))]
    return [h for h in histories if wanted is None or h.metadata.pool in wanted]


async def init_schema(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    async with open_databases(None, settings.pool_events_db):
        await create_pool_events_schema(settings.pool_events_db)
    print_json({"database": settings.pool_events_db.masked(), "schema": "ready"})
    return EXIT_OK


async def import_csv(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    folder: Path = args.from_csv
    if not folder.is_dir():
        logger.error("--from-csv {}: not a folder", folder)
        return EXIT_FAILURE
    try:
        histories = read_csv_folder(folder, args.pool)
    except SimulatorError as exc:
        logger.error("cannot read {}: {}", folder, exc)
        return EXIT_FAILURE
    if not histories:
        logger.error("no pool events found in {}", folder)
        return EXIT_FAILURE
    async with open_databases(None, settings.pool_events_db):
        await create_pool_events_schema(settings.pool_events_db)
        stats = await import_histories(histories, chain_id=settings.chain_id)
    logger.info("imported {} pool(s) from {}: added {}", stats.pools, folder, stats.added)
    print_json({"database": settings.pool_events_db.masked(), "pools": stats.pools,
                "added": stats.added, "total": stats.total})
    return EXIT_OK
