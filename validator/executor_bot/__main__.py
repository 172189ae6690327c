"""``python -m validator.executor_bot``: the reference executor bot for EOA vaults.

Example (devchain)::

    SN98_EXECUTOR_RPC_URL=http://127.0.0.1:8545 SN98_EXECUTOR_PRIVATE_KEY=0x... SN98_EXECUTOR_API_KEY=... \\
      python -m validator.executor_bot --position-manager 0x... --swap-router 0x... --port 8700 --dry-run

SIGINT/SIGTERM stop it after the execution in progress (executions are never cut in half).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from loguru import logger

from validator.executor_bot.app import BotConfig, BotConfigError, serve
from validator.executor_bot.operator import OperatorOptions
from common.logs import LogOptions, configure_logging


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m validator.executor_bot", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8700, help="listen port (default 8700)")
    parser.add_argument("--position-manager", required=True, help="NonfungiblePositionManager address")
    parser.add_argument("--swap-router", default=None, help="SwapRouter address (needed with --swap)")
    parser.add_argument("--swap", action="store_true", help="swap through the router to cover a token shortage")
    parser.add_argument("--slippage-bps", type=int, default=50, help="tolerated price move, basis points (50)")
    parser.add_argument("--store", type=Path, default=Path("var/executor_bot.sqlite3"), help="idempotency store")
    parser.add_argument("--dry-run", action="store_true", help="plan and estimate, send nothing")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    options = OperatorOptions(position_manager=args.position_manager, swap_router=args.swap_router,
                              slippage_bps=args.slippage_bps, swap=args.swap, dry_run=args.dry_run)
    config = BotConfig.from_env(options, host=args.host, port=args.port, store=args.store)
    await serve(config, stop)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(LogOptions())
    if args.swap and not args.swap_router:
        logger.error("--swap needs --swap-router")
        return 2
    try:
        asyncio.run(_main(args))
    except BotConfigError as exc:
        logger.error("{}", exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
