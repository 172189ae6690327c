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
from pathlib import Path
from typing import Any

from common.settings_cli import (
    ConfigError,
    OneLineArgumentParser,
    add_settings_arguments,
    exit_with_config_error,
    settings_from_namespace,
)
from validator.config import ValidatorSettings

PROG = "python -m validator"
EXIT_OK = 0
EXIT_FAILURE = 1
"""Exit codes of the subcommands (a configuration error exits 2, through ``exit_with_config_error``)."""
Handler = Callable[[ValidatorSettings, argparse.Namespace], Awaitable[int]]


def _settings_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parent.add_argument("--env-file", type=Path, default=argparse.SUPPRESS,
                        help="Read settings from this .env file [default .env].")
    add_settings_arguments(parent, ValidatorSettings)
    return parent


def build_parser() -> argparse.ArgumentParser:
    from validator import commands  # the handlers; imported here to keep --help fast

    parent = _settings_parent()
    parser = OneLineArgumentParser(
        prog=PROG, parents=[parent],
        description="SN98 ForeverMoney validator. Without a command: run the daemon.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineArgumentParser)
    commands.register(sub, parent)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_namespace(ValidatorSettings, args, getattr(args, "env_file", Path(".env")))
    except ConfigError as exc:
        exit_with_config_error(PROG, exc)
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
