"""Command-line flags generated from a pydantic-settings model, with one precedence rule.

Precedence: CLI flags > environment variables > ``.env`` file > defaults. Flags are built from the
model's fields (a field may name its flag, e.g. ``--subtensor.network``, in
``json_schema_extra={"flag": ...}``); only flags actually given are passed to the model as init
arguments, which pydantic-settings ranks above the environment and the ``.env`` file. Every
failure, from argparse or from validation, becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, Self, TypeVar

from pydantic import Field, ValidationError, model_validator
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from common.logs import LogOptions, mask_secrets

S = TypeVar("S", bound=BaseSettings)
EXIT_CONFIG_ERROR = 2


def flag(name: str) -> JsonDict:
    """``json_schema_extra`` naming a field's flag when it is not ``--field-name`` (``--wallet.name``)."""
    return {"flag": name}


def split_csv(value: object) -> object:
    """A comma-separated string (environment, ``.env``) becomes a list; lists pass through."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class LoggingSettings(BaseSettings):
    """The logging knobs every entry point shares; subclasses set their own ``model_config``."""

    logging_debug: bool = Field(False, description="Log at DEBUG.", json_schema_extra=flag("--logging.debug"))
    logging_trace: bool = Field(False, description="Log at TRACE (libraries too).", json_schema_extra=flag("--logging.trace"))
    log_json: bool = Field(False, description="Write JSON lines instead of readable lines.")
    log_file: Path | None = Field(None, description="Also log to this file, rotated and retained.")
    log_rotation: str = Field("100 MB", min_length=1, description="Rotate the log file at this size or age (loguru syntax).")
    log_retention: str = Field("14 days", min_length=1, description="Delete rotated log files older than this (loguru syntax).")

    def log_options(self) -> LogOptions:
        level = "TRACE" if self.logging_trace else "DEBUG" if self.logging_debug else "INFO"
        return LogOptions(level=level, json=self.log_json, file=self.log_file,
                          rotation=self.log_rotation, retention=self.log_retention)


Network = Literal["local", "test", "finney"]


class NeuronSettings(LoggingSettings):
    """The subnet, subtensor and wallet knobs of every neuron (validator, miner), after the logging ones.

    Subclasses set ``model_config`` (the environment prefix) and may redeclare ``network`` to
    describe what 'local' means for them.
    """

    netuid: int = Field(98, ge=0, le=65535, description="Subnet uid.", json_schema_extra=flag("--netuid"))
    network: Network = Field("finney", description="Which network to serve; 'local' uses no chain.")
    subtensor_network: str | None = Field(None, description="Subtensor network name or ws:// endpoint (defaults to --network).", json_schema_extra=flag("--subtensor.network"))
    subtensor_chain_endpoint: str | None = Field(None, description="Subtensor websocket endpoint (overrides --subtensor.network).", json_schema_extra=flag("--subtensor.chain_endpoint"))
    wallet_name: str = Field("default", min_length=1, description="Coldkey wallet name.", json_schema_extra=flag("--wallet.name"))
    wallet_hotkey: str = Field("default", min_length=1, description="Hotkey name (this neuron signs and is identified with it).", json_schema_extra=flag("--wallet.hotkey"))
    wallet_path: Path = Field(Path("~/.bittensor/wallets"), description="Wallets directory.", json_schema_extra=flag("--wallet.path"))

    @model_validator(mode="after")
    def _default_subtensor_network(self) -> Self:
        if self.subtensor_network is None:
            self.subtensor_network = self.network
        return self

    @property
    def subtensor_target(self) -> str:
        """What ``AsyncSubtensor(network=...)`` connects to: the endpoint, else the network name."""
        return self.subtensor_chain_endpoint or self.subtensor_network or self.network

    @property
    def wallet_dir(self) -> Path:
        """The wallets directory with ``~`` expanded."""
        return self.wallet_path.expanduser()


class ConfigError(Exception):
    """Invalid configuration, with a message that names the setting."""


class OneLineArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line and exit code 2, and that never
    guesses an abbreviated flag (``--pool`` must not match ``--pool-events-db-url``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CONFIG_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def flag_of(name: str, info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    flag = extra.get("flag")
    return str(flag) if flag else "--" + name.replace("_", "-")


def env_name_of(model: type[BaseSettings], name: str) -> str:
    prefix = str(model.model_config.get("env_prefix", ""))
    return (prefix + name).upper()


def _is_bool(annotation: Any) -> bool:
    return annotation is bool


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    return origin is list


def _help_text(model: type[BaseSettings], name: str, info: FieldInfo) -> str:
    default = info.get_default(call_default_factory=True)
    shown = "none" if default in (None, [], "") else str(default)
    choices = typing.get_args(info.annotation) if typing.get_origin(info.annotation) is typing.Literal else ()
    parts = [info.description or ""]
    if choices:
        parts.append("one of: " + ", ".join(str(c) for c in choices) + ".")
    parts.append(f"[env {env_name_of(model, name)}; default {shown}]")
    return " ".join(p for p in parts if p).replace("%", "%%")


def add_settings_arguments(parser: argparse.ArgumentParser, model: type[BaseSettings]) -> None:
    """Add one flag per field of ``model``; values default to SUPPRESS so absent flags stay absent."""
    group = parser.add_argument_group(f"settings ({model.__name__})")
    for name, info in model.model_fields.items():
        flag = flag_of(name, info)
        help_text = _help_text(model, name, info)
        if _is_bool(info.annotation):
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=help_text)
        elif _is_list(info.annotation):
            group.add_argument(flag, dest=name, action="append", default=argparse.SUPPRESS,
                               metavar=name.upper().rstrip("S"), help=help_text + " (repeatable)")
        else:
            group.add_argument(flag, dest=name, default=argparse.SUPPRESS,
                               metavar=name.upper(), help=help_text)


def settings_from_namespace(model: type[S], namespace: argparse.Namespace, env_file: Path | None) -> S:
    """Build the settings: given flags as init arguments, then environment, ``.env``, defaults."""
    given = {name: getattr(namespace, name) for name in model.model_fields if hasattr(namespace, name)}
    try:
        return model(_env_file=env_file, **given)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(model, exc)) from None


def describe_validation_error(model: type[BaseSettings], exc: ValidationError) -> str:
    """The first validation error as one line naming the flag and the environment variable."""
    first = exc.errors()[0]
    location = [str(part) for part in first.get("loc", ())]
    name = location[0] if location else ""
    info = model.model_fields.get(name)
    if info is None:
        return f"invalid configuration: {first.get('msg', 'invalid value')}"
    value = first.get("input")
    shown = "" if isinstance(value, (dict, list)) or value is None else f" (got {mask_secrets(str(value)[:120])!r})"
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{flag_of(name, info)} / {env_name_of(model, name)}: {message}{shown}"


def exit_with_config_error(prog: str, error: ConfigError) -> NoReturn:
    sys.stderr.write(f"{prog}: configuration error: {error}\n")
    raise SystemExit(EXIT_CONFIG_ERROR)


def settings_parent(model: type[BaseSettings]) -> OneLineArgumentParser:
    """A parent parser (``parents=[...]``) holding ``--env-file`` and one flag per field of ``model``."""
    parent = OneLineArgumentParser(add_help=False)
    parent.add_argument("--env-file", type=Path, default=argparse.SUPPRESS,
                        help="Read settings from this .env file [default .env].")
    add_settings_arguments(parent, model)
    return parent


def parse_settings(
    prog: str, model: type[S], parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> tuple[S, argparse.Namespace]:
    """Parse ``argv`` and build the settings; a configuration error prints one line and exits 2."""
    args = parser.parse_args(argv)
    try:
        return settings_from_namespace(model, args, getattr(args, "env_file", Path(".env"))), args
    except ConfigError as exc:
        exit_with_config_error(prog, exc)
