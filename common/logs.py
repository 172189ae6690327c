"""Logging through loguru: readable lines or JSON lines, an optional rotating file, secrets masked.

Configure after ``import bittensor``: its import sets every existing stdlib logger to CRITICAL,
so ``configure_logging`` re-opens the libraries we care about and routes the standard library's
logging (tortoise, asyncio, web3, aiohttp, bittensor) into loguru. Every record passes through
``mask_secrets``: passwords in URLs, keys in RPC URL paths and queries, and any string registered
with ``register_secret`` never reach a sink.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from loguru import Record

_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?P<tail>@)", re.I)
# RPC providers put keys in the path (/v2/<key>, /v3/<key>) or the query (?apikey=, ?key=, ?token=).
_URL_PATH_KEY = re.compile(r"(?P<head>\bhttps?://[^/\s]+/(?:[^\s/?#]+/)*?)(?P<key>[A-Za-z0-9_-]{20,})", re.I)
_QUERY_KEY = re.compile(r"(?P<head>[?&](?:api[-_]?key|key|token|access[-_]?token|auth)=)[^&\s#]+", re.I)
_BEARER = re.compile(r"(?P<head>\b(?:bearer|api[-_]?key|x-api-key)[\"':=\s]+)[A-Za-z0-9._~+/-]{8,}", re.I)
_registered: set[str] = set()
MASK = "***"


def register_secret(secret: str | None) -> None:
    """Mask this exact string wherever it would be logged (API keys, passwords from config)."""
    if secret and len(secret) >= 4:
        _registered.add(secret)


def mask_secrets(text: str) -> str:
    """``text`` with every known kind of secret replaced by ``***``."""
    for secret in _registered:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}{m.group('tail')}", text)
    text = _URL_PATH_KEY.sub(lambda m: f"{m.group('head')}{MASK}", text)
    text = _QUERY_KEY.sub(lambda m: f"{m.group('head')}{MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group('head')}{MASK}", text)


def _mask_record(record: Record) -> None:
    record["message"] = mask_secrets(record["message"])
    for key, value in list(record["extra"].items()):
        if isinstance(value, str):
            record["extra"][key] = mask_secrets(value)
    exception = record["exception"]
    if exception is not None and exception.value is not None:
        masked = mask_secrets(str(exception.value))
        if masked != str(exception.value):
            record["extra"]["exception_masked"] = masked


class _InterceptHandler(logging.Handler):
    """Sends standard-library records to loguru, keeping the caller's location."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


@dataclass(frozen=True, slots=True)
class LogOptions:
    """How to log. ``level`` is a loguru level name; rotation/retention use loguru's syntax
    (``"100 MB"``, ``"1 day"``; ``"14 days"``, ``5``)."""

    level: str = "INFO"
    json: bool = False
    file: Path | None = None
    rotation: str = "100 MB"
    retention: str = "14 days"


_READABLE = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <7}</level> | "
    "<cyan>{name}</cyan> | {message}{extra[extra_fields]}"
)


def _format_extra(record: Record) -> str:
    extra = {k: v for k, v in record["extra"].items() if k != "extra_fields"}
    record["extra"]["extra_fields"] = (
        " | " + " ".join(f"{k}={v}" for k, v in extra.items()) if extra else ""
    )
    return _READABLE + "\n{exception}"


def configure_logging(options: LogOptions) -> None:
    """(Re)configure every sink. Safe to call more than once (tests, CLI subcommands)."""
    logger.remove()
    logger.configure(patcher=_mask_record)
    _add_sink(sys.stderr, options, colorize=None)
    if options.file is not None:
        options.file.parent.mkdir(parents=True, exist_ok=True)
        _add_sink(options.file, options, colorize=False, rotation=options.rotation,
                  retention=options.retention)
    _route_stdlib_logging(options.level)


def _add_sink(sink: Any, options: LogOptions, colorize: bool | None, **file_args: Any) -> None:
    if options.json:
        logger.add(sink, level=options.level, serialize=True, backtrace=False, diagnose=False,
                   **file_args)
    else:
        logger.add(sink, level=options.level, format=_format_extra, colorize=colorize,
                   backtrace=False, diagnose=False, **file_args)


def _route_stdlib_logging(level: str) -> None:
    std_level = logging.DEBUG if level in ("TRACE", "DEBUG") else logging.INFO
    logging.basicConfig(handlers=[_InterceptHandler()], level=std_level, force=True)
    for name in ("tortoise", "asyncio", "web3", "aiohttp", "bittensor", "websockets"):
        lib_logger = logging.getLogger(name)
        lib_logger.handlers = []
        lib_logger.propagate = True
        # Libraries are noisy at DEBUG; they speak at WARNING unless we trace.
        lib_logger.setLevel(logging.DEBUG if level == "TRACE" else logging.WARNING)
        lib_logger.disabled = False
