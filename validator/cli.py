"""``python -m validator``: the daemon and the operator commands, one parser, one precedence rule.

Every subcommand accepts every settings flag (before or after the subcommand), so
``python -m validator --help`` lists all of them. Configuration errors print one line and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from common.settings_cli import ConfigError, OneLineArgumentParser, exit_with_config_error, parse_settings, settings_parent
from validator.config import ValidatorSettings

PROG = "python -m validator"
EXIT_OK = 0
EXIT_FAILURE = 1
"""Exit codes of the subcommands (a configuration error exits 2, through ``exit_with_config_error``)."""
Handler = Callable[[ValidatorSettings, argparse.Namespace], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    from validator import commands  # the handlers; imported here to keep --help fast

    parent = settings_parent(ValidatorSettings)
    parser = OneLineArgumentParser(
        prog=PROG, parents=[parent],
        description="SN98 ForeverMoney validator. Without a command: run the daemon.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    commands.register(sub, parent)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    settings, args = parse_settings(PROG, ValidatorSettings, build_parser(), argv)
    handler: Handler = getattr(args, "handler", None) or _default_handler()
    return asyncio.run(_run(handler, settings, args))


def _default_handler() -> Handler:
    from validator.commands import run_daemon

    return run_daemon


async def _run(handler: Handler, settings: ValidatorSettings, args: argparse.Namespace) -> int:
    from common.logs import configure_logging

    configure_logging(settings.log_options())
    try:
        return await handler(settings, args)
    except ConfigError as exc:
        exit_with_config_error(PROG, exc)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
