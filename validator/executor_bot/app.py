"""Building and serving the executor bot: configuration from flags and the environment.

Secrets come only from the environment (``SN98_EXECUTOR_PRIVATE_KEY``, ``SN98_EXECUTOR_API_KEY``;
``SN98_EXECUTOR_RPC_URL`` may hold a provider key too) and are registered with the log masker; they
are never taken from flags (which show in ``ps``) and never logged.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from eth_account import Account
from loguru import logger
from web3 import AsyncHTTPProvider, AsyncWeb3

from validator.executor_bot.operator import EoaVaultOperator, OperatorOptions
from validator.executor_bot.server import ExecutorBot
from validator.executor_bot.store import KeyStore
from common.logs import register_secret

ENV_RPC_URL = "SN98_EXECUTOR_RPC_URL"
ENV_PRIVATE_KEY = "SN98_EXECUTOR_PRIVATE_KEY"
ENV_API_KEY = "SN98_EXECUTOR_API_KEY"
_ENV_FIELDS = (("rpc_url", ENV_RPC_URL), ("private_key", ENV_PRIVATE_KEY), ("api_key", ENV_API_KEY))


class BotConfigError(ValueError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True, slots=True)
class BotConfig:
    """Everything the bot needs. ``host``/``port``: where it listens; ``store``: SQLite file of keys."""

    rpc_url: str
    private_key: str
    api_key: str
    operator: OperatorOptions
    host: str = "127.0.0.1"
    port: int = 8700
    store: Path | str = Path("var/executor_bot.sqlite3")

    def __repr__(self) -> str:  # never print the secrets
        return f"BotConfig(host={self.host!r}, port={self.port}, operator={self.operator!r})"

    @classmethod
    def from_env(cls, operator: OperatorOptions, env: Mapping[str, str] | None = None, **kwargs: object) -> BotConfig:
        source = os.environ if env is None else env
        values = {name: source.get(var, "") for name, var in _ENV_FIELDS}
        missing = [var for name, var in _ENV_FIELDS if not values[name]]
        if missing:
            raise BotConfigError(f"set {', '.join(missing)} in the environment")
        for secret in values.values():
            register_secret(secret)
        return cls(operator=operator, **values, **kwargs)  # type: ignore[arg-type]


@asynccontextmanager
async def running_bot(config: BotConfig) -> AsyncIterator[ExecutorBot]:
    """The bot serving on ``config.host:config.port`` until the block exits."""
    register_secret(config.private_key)
    register_secret(config.api_key)
    try:
        account = Account.from_key(config.private_key)
    except (ValueError, TypeError):
        raise BotConfigError("the private key is not a valid secp256k1 key") from None
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
    provider = AsyncHTTPProvider(config.rpc_url)
    await provider.cache_async_session(session)
    store = KeyStore(config.store)
    bot = ExecutorBot(EoaVaultOperator(AsyncWeb3(provider), account, config.operator), store, config.api_key,
                      dry_run=config.operator.dry_run)
    runner = web.AppRunner(bot.app(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, config.host, config.port).start()
        logger.info("executor bot for vault {} listening on {}:{} (dry_run={})", account.address, config.host,
                    config.port, config.operator.dry_run)
        yield bot
    finally:
        await runner.cleanup()
        await session.close()
        store.close()


async def serve(config: BotConfig, stop: asyncio.Event) -> None:
    """Run the bot until ``stop`` is set."""
    async with running_bot(config):
        await stop.wait()
    logger.info("executor bot stopped")
