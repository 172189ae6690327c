"""Deploy and seed the devchain: Uniswap V3 from registry artifacts, our tokens, LPs and both vault kinds.

Start price: 2,000 DUSD (6 decimals) per DEV (18 decimals) on both pools (fee 500 / spacing 10 and
fee 3000 / spacing 60). All amounts are raw token units.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from web3 import Web3
from web3.types import Nonce
from web3.utils.address import get_create_address

from scripts.devchain.actions import MintedPosition, approve, mint_tokens, minted_positions, npm_mint
from scripts.devchain.deployment import Accounts, Deployment, PoolInfo, VaultInfo
from scripts.devchain.encoding import calldata, constructor_data, decode_result
from scripts.devchain.errors import DeploymentError
from scripts.devchain.node import CHAIN_ID
from scripts.devchain.pricemath import floor_to_spacing, tick_for_price
from scripts.devchain.rpc import Rpc, Tx
from simulator.tickmath import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick

__all__ = ["deploy"]

DESCRIPTOR_PLACEHOLDER = "0x000000000000000000000000000000000000dEaD"  # NPM's tokenURI only; never called
ONE_DEV = 10**18
ONE_DUSD = 10**6
TRADER_FUNDS = 10**30  # raw units of each token: traders and LPs never run dry
VAULT_FUNDS = (1_000 * ONE_DEV, 2_000_000 * ONE_DUSD)  # the EOA vault's (DEV, DUSD) before its mints
_LP_RANGES = ((MIN_TICK, MAX_TICK), (-6000, 6000), (-2000, 2000), (-600, 600), (-1200, -60), (60, 1800))


@dataclass(frozen=True)
class _Core:
    weth9: str
    token18: str
    token6: str
    factory: str
    npm: str
    router: str
    liquidity_manager: str
    lm_position_manager: str


def deploy(rpc: Rpc, accounts: Accounts, *, seed: int = 1) -> Deployment:
    """Deploy every contract, create and seed both pools, set up the vaults; return the addresses."""
    core = _deploy_contracts(rpc, accounts.deployer)
    pools = tuple(_create_pool(rpc, accounts.deployer, core, fee, spacing) for fee, spacing in ((500, 10), (3000, 60)))
    _fund_and_approve(rpc, accounts, core)
    lp_ids = _seed_lps(rpc, accounts, core, pools, random.Random(seed))
    vault = _setup_vaults(rpc, accounts, core, pools)
    return Deployment(
        chain_id=CHAIN_ID, weth9=core.weth9, token18=core.token18, token6=core.token6, factory=core.factory,
        position_manager=core.npm, swap_router=core.router, pools=pools, vault=vault, accounts=accounts,
        lp_token_ids=tuple(p.token_id for p in lp_ids),
    )


def _deploy_contracts(rpc: Rpc, deployer: str) -> _Core:
    nonce = rpc.w3.eth.get_transaction_count(Web3.to_checksum_address(deployer))
    address = [get_create_address(Web3.to_checksum_address(deployer), Nonce(nonce + i)) for i in range(8)]
    creations = [
        constructor_data("WETH9"),
        constructor_data("DevToken", "Dev Ether", "DEV", 18),
        constructor_data("DevToken", "Dev USD", "DUSD", 6),
        constructor_data("UniswapV3Factory"),
        constructor_data("NonfungiblePositionManager", address[3], address[0], DESCRIPTOR_PLACEHOLDER),
        constructor_data("SwapRouter", address[3], address[0]),
        constructor_data("DevLiquidityManager"),
        constructor_data("DevPositionManager", address[4]),
    ]
    receipts = rpc.send_all([Tx(deployer, None, data, gas=15_000_000) for data in creations])
    got = [r["contractAddress"] for r in receipts]
    if [a.lower() for a in got] != [a.lower() for a in address]:
        raise DeploymentError(f"contracts landed at {got}, expected {address}")
    return _Core(*address)


def _create_pool(rpc: Rpc, deployer: str, core: _Core, fee: int, spacing: int) -> PoolInfo:
    token0, token1 = sorted((core.token18, core.token6), key=lambda a: int(a, 16))
    raw_price = "2000e-12" if token0 == core.token18 else "5e8"  # DUSD per DEV in raw units
    sqrt_price = get_sqrt_ratio_at_tick(tick_for_price(raw_price))
    data = calldata("NonfungiblePositionManager", "createAndInitializePoolIfNecessary", token0, token1, fee, sqrt_price)
    rpc.send_all([Tx(deployer, core.npm, data, gas=6_000_000)])
    raw = rpc.call(core.factory, calldata("UniswapV3Factory", "getPool", token0, token1, fee))
    (pool,) = decode_result("UniswapV3Factory", "getPool", raw)
    return PoolInfo(Web3.to_checksum_address(pool), fee, spacing, token0, token1)


def _fund_and_approve(rpc: Rpc, accounts: Accounts, core: _Core) -> None:
    tokens = (core.token18, core.token6)
    holders = (accounts.deployer, *accounts.lps, *accounts.traders)
    txs = [mint_tokens(accounts.deployer, t, h, TRADER_FUNDS) for h in holders for t in tokens]
    txs += [mint_tokens(accounts.deployer, t, accounts.vault, a) for t, a in zip(tokens, VAULT_FUNDS, strict=True)]
    txs += [approve(h, t, s) for h in (*holders, accounts.vault) for t in tokens for s in (core.npm, core.router)]
    rpc.send_all(txs)


def _desired(pool: PoolInfo, core: _Core, scale: float) -> tuple[int, int]:
    dev, dusd = int(100 * ONE_DEV * scale), int(200_000 * ONE_DUSD * scale)
    return (dev, dusd) if pool.token0 == core.token18 else (dusd, dev)


def _seed_lps(
    rpc: Rpc, accounts: Accounts, core: _Core, pools: tuple[PoolInfo, ...], rng: random.Random
) -> list[MintedPosition]:
    """Every LP mints each range of `_LP_RANGES` (jittered by up to 20 spacings) in each pool."""
    txs = []
    for pool in pools:
        center, spacing = _start_tick(rpc, pool), pool.tick_spacing
        for lp in accounts.lps:
            for lo, hi in _LP_RANGES:
                jitter = rng.randrange(-20, 21) * spacing
                lower = _usable(spacing) if lo == MIN_TICK else _bounded(center + lo + jitter, spacing)
                upper = -_usable(spacing) if hi == MAX_TICK else _bounded(center + hi + jitter, spacing)
                desired = _desired(pool, core, rng.uniform(0.5, 2))
                txs.append(npm_mint(core.npm, pool, lp, lower, upper, desired, lp))
    return minted_positions(rpc.send_all(txs), core.npm)


def _setup_vaults(rpc: Rpc, accounts: Accounts, core: _Core, pools: tuple[PoolInfo, ...]) -> VaultInfo:
    """The EOA vault's NPM positions, then the LiquidityManager vault's positions, stash and registry."""
    fee500, fee3000 = pools
    eoa_txs = [_around(rpc, core, fee500, accounts.vault, w, accounts.vault) for w in (500, 3000)]
    eoa = minted_positions(rpc.send_all(eoa_txs), core.npm)
    lm_pm, deployer = core.lm_position_manager, accounts.deployer
    ranges = ((fee500, 400), (fee500, 2000), (fee3000, 1200))
    lm = minted_positions(rpc.send_all([_around(rpc, core, p, deployer, w, lm_pm) for p, w in ranges]), core.npm)
    stash = _desired(fee500, core, 5.0)
    _register_liquidity_manager(rpc, core, deployer, [p.token_id for p in lm], (fee500.token0, fee500.token1), stash)
    return VaultInfo(
        eoa=accounts.vault, eoa_token_ids=tuple(p.token_id for p in eoa), liquidity_manager=core.liquidity_manager,
        lm_position_manager=lm_pm, lm_pool_manager=deployer, ak_token=core.token18,
        lm_token_ids=tuple(p.token_id for p in lm), stashed0=stash[0], stashed1=stash[1],
    )


def _register_liquidity_manager(
    rpc: Rpc, core: _Core, deployer: str, token_ids: list[int], tokens: tuple[str, str], stash: tuple[int, int]
) -> None:
    """AK token DEV -> (pool manager: the deployer, any non-zero address registers; position manager);
    the position manager lists `token_ids`; the stash is minted to the LiquidityManager and recorded."""
    lm, ak = core.liquidity_manager, core.token18
    txs = [
        Tx(deployer, core.lm_position_manager, calldata("DevPositionManager", "setTokenIds", token_ids), gas=500_000),
        Tx(deployer, lm, calldata("DevLiquidityManager", "registerManagersForAk", ak, deployer,
                                  core.lm_position_manager), gas=200_000),
    ]
    for token, amount in zip(tokens, stash, strict=True):
        txs.append(mint_tokens(deployer, token, lm, amount))
        record = calldata("DevLiquidityManager", "setStashedTokens", ak, token, amount)
        txs.append(Tx(deployer, lm, record, gas=200_000))
    rpc.send_all(txs)


def _around(rpc: Rpc, core: _Core, pool: PoolInfo, sender: str, half_width: int, recipient: str) -> Tx:
    """An NPM mint of [price - half_width, price + half_width] (ticks, rounded to the spacing)."""
    center = _start_tick(rpc, pool)
    lower = _bounded(center - half_width, pool.tick_spacing)
    upper = _bounded(center + half_width, pool.tick_spacing)
    return npm_mint(core.npm, pool, sender, lower, upper, _desired(pool, core, 1.0), recipient)


def _start_tick(rpc: Rpc, pool: PoolInfo) -> int:
    raw = rpc.call(pool.address, calldata("UniswapV3Pool", "slot0"))
    return int(decode_result("UniswapV3Pool", "slot0", raw)[1])


def _usable(spacing: int) -> int:
    """The lowest usable tick for this spacing (the highest is its negation)."""
    return -(MAX_TICK // spacing) * spacing


def _bounded(tick: int, spacing: int) -> int:
    """`tick` rounded down to the spacing and clamped to the usable ticks."""
    return min(max(floor_to_spacing(tick, spacing), _usable(spacing)), -_usable(spacing))
