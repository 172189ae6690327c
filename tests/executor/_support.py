"""Shared helpers of the executor and live tests: the devchain vault's key, a bot on loopback, NPM reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from eth_account import Account
from web3.types import BlockIdentifier

from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import contract_at
from scripts.devchain.node import free_port
from validator.executor_bot import BotConfig, ExecutorBot, OperatorOptions, running_bot

DEVCHAIN_MNEMONIC = "test test test test test test test test test test test junk"
VAULT_ACCOUNT_INDEX = 5  # scripts.devchain.deployment.Accounts: account 5 is the EOA vault
API_KEY = "test-executor-key-7f3a9c"

__all__ = ["API_KEY", "bot_on_devchain", "free_port", "pool_price", "vault_npm_positions", "vault_private_key"]


def vault_private_key(devchain: Devchain) -> str:
    """The devchain EOA vault's private key (Hardhat's public test mnemonic, account 5)."""
    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(DEVCHAIN_MNEMONIC, account_path=f"m/44'/60'/0'/0/{VAULT_ACCOUNT_INDEX}")
    assert account.address == devchain.deployment.vault.eoa
    return "0x" + bytes(account.key).hex()


@asynccontextmanager
async def bot_on_devchain(devchain: Devchain, store: Path, *, dry_run: bool = False, swap: bool = False,
                          rpc_url: str | None = None, slippage_bps: int = 50) -> AsyncIterator[tuple[ExecutorBot, str]]:
    """The reference bot for the devchain's EOA vault on a free loopback port; yields (bot, base URL)."""
    d = devchain.deployment
    options = OperatorOptions(position_manager=d.position_manager, swap_router=d.swap_router, swap=swap,
                              dry_run=dry_run, receipt_timeout_s=30.0, slippage_bps=slippage_bps)
    port = free_port()
    config = BotConfig(rpc_url=rpc_url or devchain.rpc_url, private_key=vault_private_key(devchain),
                       api_key=API_KEY, operator=options, port=port, store=store)
    async with running_bot(config) as bot:
        yield bot, f"http://127.0.0.1:{port}/"


def vault_npm_positions(devchain: Devchain, fee: int = 500,
                        block: BlockIdentifier = "latest") -> list[tuple[int, int, int, int]]:
    """(token id, tick lower, tick upper, liquidity) of the EOA vault's NPM positions in the pool of ``fee``
    at the end of ``block``."""
    d = devchain.deployment
    npm = contract_at(devchain.w3, "NonfungiblePositionManager", d.position_manager).functions
    out = []
    for index in range(npm.balanceOf(d.vault.eoa).call(block_identifier=block)):
        token_id = npm.tokenOfOwnerByIndex(d.vault.eoa, index).call(block_identifier=block)
        p = npm.positions(token_id).call(block_identifier=block)
        if p[4] == fee:
            out.append((token_id, p[5], p[6], p[7]))
    return out


def pool_price(devchain: Devchain, fee: int = 500) -> tuple[int, int]:
    """(sqrtPriceX96, tick) of the devchain pool of ``fee``."""
    pool = contract_at(devchain.w3, "UniswapV3Pool", devchain.deployment.pool(fee).address).functions
    slot0 = pool.slot0().call()
    return int(slot0[0]), int(slot0[1])
