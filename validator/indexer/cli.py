"""``python -m validator indexer --pool ADDR [--from-block N] [--confirmations N] [--once]``.

Backfills the pool's events into the pool events DB (creating its tables if missing), then follows
the head until SIGINT/SIGTERM; a second signal cancels at once. ``--once`` stops when caught up.
Prints a JSON summary at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import re

from loguru import logger

from db.connection import create_pool_events_schema, open_databases
from validator.chain.errors import ChainError
from validator.chain.factory import live_source
from validator.chain.logs import WINDOWS_PER_REQUEST
from validator.cli import EXIT_FAILURE, EXIT_OK, print_json
from validator.config import ValidatorSettings
from validator.indexer.indexer import Indexer, IndexerOptions, run_until_stopped
from validator.signals import ShutdownSignals



def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("indexer", parents=[parent], help="Index a pool's events from the chain (RPC) into the pool events DB.")
    parser.add_argument("--pool", "--pool-address", dest="pool", required=True, metavar="ADDR", type=_address,
                        help="Pool address (0x and 40 hex digits).")
    parser.add_argument("--from-block", type=int, default=None, metavar="N",
                        help="First block on a first run (default: the pool's creation block); a restart resumes from the stored cursor.")
    parser.add_argument("--confirmations", type=int, default=None, metavar="N",
                        help="Only index blocks with at least N confirmations [default --chain-confirmations].")
    parser.add_argument("--once", action="store_true", help="Stop once caught up with the head instead of following it.")
    parser.set_defaults(handler=run_indexer)


def _address(text: str) -> str:
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an address (0x and 40 hex digits)")
    return text


def options_from(settings: ValidatorSettings, args: argparse.Namespace) -> IndexerOptions:
    confirmations = settings.chain_confirmations if args.confirmations is None else args.confirmations
    # a stored window is one batched request of eth_getLogs ranges
    window = settings.logs_max_block_range * WINDOWS_PER_REQUEST
    return IndexerOptions(confirmations=max(0, confirmations), max_log_range=settings.logs_max_block_range,
                          window_blocks=window, reorg_depth=settings.indexer_reorg_depth,
                          poll_interval_s=settings.chain_poll_interval_seconds, chain_id=settings.chain_id)


async def run_indexer(settings: ValidatorSettings, args: argparse.Namespace) -> int:
    if not settings.rpc_urls:
        logger.error("no RPC URL: set --rpc-url or SN98_RPC_URLS")
        return EXIT_FAILURE
    source = live_source(settings)
    stop = asyncio.Event()
    try:
        async with open_databases(None, settings.pool_events_db):
            await create_pool_events_schema(settings.pool_events_db)
            indexer = Indexer(source, args.pool, options_from(settings, args), from_block=args.from_block)
            task = asyncio.current_task()
            if task is not None:
                def cancel(_code: int) -> None:  # the second signal cancels the run instead of exiting the process
                    task.cancel()
                ShutdownSignals(stop, force_exit=cancel).install()
            report = await run_until_stopped(indexer, stop, follow=not args.once)
    except ChainError as exc:
        logger.error("indexer: {}", exc)
        return EXIT_FAILURE
    finally:
        await source.close()
    print_json({"pool": indexer.pool, "database": settings.pool_events_db.masked(), "first_block": report.first_block,
                "next_block": report.next_block, "windows": report.windows, "events": report.events,
                "by_kind": report.by_kind, "reorgs": report.reorgs})
    return EXIT_OK
