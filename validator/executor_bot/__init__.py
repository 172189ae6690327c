"""The reference executor bot: executes live decisions for an EOA vault through the NonfungiblePositionManager."""

from validator.executor_bot.app import BotConfig, BotConfigError, running_bot, serve
from validator.executor_bot.operator import EoaVaultOperator, OperatorOptions
from validator.executor_bot.server import ExecutorBot
from validator.executor_bot.store import KeyStore

__all__ = ["BotConfig", "BotConfigError", "EoaVaultOperator", "ExecutorBot", "KeyStore", "OperatorOptions",
           "running_bot", "serve"]
