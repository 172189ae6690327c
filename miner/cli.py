"""``python -m miner``: serve queries (the default), backtest, list strategies, write a local-network entry.

Every subcommand accepts every settings flag (CLI > environment ``SN98_MINER_*`` > ``.env`` >
defaults, see ``miner.config``), so ``python -m miner --help`` lists them all. Configuration errors
print one line and exit 2.

    python -m miner --network finney --wallet.name miner --wallet.hotkey default --axon.port 8091
    python -m miner --network local --allowed-hotkey 5F... --strategy volatility
    python -m miner backtest --events ../shared/data/uniswap-v3-mainnet-day1 --pool 0x8ad5... \\
        --from-block 12373000 --to-block 12376625 [--strategy volatility]
    python -m miner strategies
    python -m miner local-entry --uid 1 --list var/miners.json --axon.port 8091
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from common.settings_cli import OneLineArgumentParser, parse_settings, settings_parent
from miner.config import MinerSettings
from miner.errors import MinerError

PROG = "python -m miner"
EXIT_FAILURE = 1
Handler = Callable[[MinerSettings, argparse.Namespace], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    from miner import backtest_cli

    parent = settings_parent(MinerSettings)
    parser = OneLineArgumentParser(prog=PROG, parents=[parent],
                                   description="SN98 ForeverMoney reference miner. Without a command: serve.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    sub.add_parser("run", parents=[parent], help="Serve RebalanceQuery on the axon (the default).")
    # A parent of its own: "resolve" edits the shared --strategy action it replaces.
    backtest = sub.add_parser("backtest", parents=[settings_parent(MinerSettings)], conflict_handler="resolve",
                              help="Run strategies over real pool events, scored as a validator would.",
                              description=backtest_cli.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    backtest_cli.add_arguments(backtest)
    backtest.set_defaults(handler=backtest_cli.run)
    sub.add_parser("strategies", parents=[parent], help="List the strategies.").set_defaults(handler=list_strategies)
    entry = sub.add_parser("local-entry", parents=[parent],
                           help="Print (or add to --list) this miner's entry of a local network's miner list.")
    entry.add_argument("--uid", type=int, required=True, help="uid to give this miner in the list")
    entry.add_argument("--list", type=Path, help="JSON miner list file to add the entry to (replaced by uid)")
    entry.set_defaults(handler=local_entry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings, args = parse_settings(PROG, MinerSettings, build_parser(), argv)
    handler: Handler = getattr(args, "handler", None) or _serve
    return asyncio.run(_run(handler, settings, args))


async def _run(handler: Handler, settings: MinerSettings, args: argparse.Namespace) -> int:
    import bittensor  # noqa: F401  (its import mutes existing loggers: configure logging after it)

    from common.logs import configure_logging

    configure_logging(settings.log_options())
    try:
        return await handler(settings, args)
    except MinerError as exc:
        from loguru import logger

        logger.error("{}", exc)
        return EXIT_FAILURE


async def _serve(settings: MinerSettings, args: argparse.Namespace) -> int:
    from miner.server import serve

    return await serve(settings)


async def list_strategies(settings: MinerSettings, args: argparse.Namespace) -> int:
    from miner.strategies import STRATEGY_NAMES, build_strategy

    for name in STRATEGY_NAMES:
        print(f"{name:12} {build_strategy(name, settings).describe()}")
    return 0


async def local_entry(settings: MinerSettings, args: argparse.Namespace) -> int:
    from miner.local_entry import entry, upsert
    from miner.server import load_wallet

    wallet = load_wallet(settings)
    reachable = "127.0.0.1" if settings.bind_ip in ("0.0.0.0", "::") else settings.bind_ip
    new = entry(args.uid, wallet.hotkey.ss58_address, settings.axon_external_ip or reachable,
                settings.axon_external_port or settings.axon_port)
    if args.list is not None:
        upsert(args.list, new)
    print(json.dumps(new))
    return 0
