"""Executes one decision for an EOA vault through the NonfungiblePositionManager.

Steps, each one transaction signed with the vault's key (sent only after ``eth_estimateGas``
accepted it, so a call that would revert fails before anything is spent):

1. ``multicall`` of ``decreaseLiquidity`` (whole liquidity, slippage floors) + ``collect`` (all)
   + ``burn`` for every current position of the vault in the pool;
2. ERC-20 approvals of the NPM (and the router) when the allowance is short;
3. optionally a SwapRouter ``exactOutputSingle`` that buys the token the allocations lack with the
   surplus of the other, bounded by the pool price + fee + slippage;
4. ``multicall`` of one ``mint`` per desired position (allocations capped to the balances, slippage
   floors), recipient the vault.

The report sums gas (units) and its cost (wei) over the mined transactions. ``dry_run`` plans and
estimates the first step without sending anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from eth_account.signers.local import LocalAccount
from loguru import logger
from web3.exceptions import ContractLogicError, Web3Exception

from protocol.decisions import PositionSpec
from simulator.fullmath import MAX_UINT128, MAX_UINT256
from validator.executor.types import ExecutionReport, ExecutionRequest
from validator.executor_bot.contracts import Web3Handle, contract, minted_token_ids
from validator.executor_bot.plan import balancing_swap, burn_floor, mint_floor


@dataclass(frozen=True, slots=True)
class OperatorOptions:
    """``slippage_bps``: tolerated price move (basis points) for burns, swap and mints; ``swap``: balance
    the tokens through the router; ``deadline_s``: transaction deadline from now (seconds);
    ``receipt_timeout_s``: wait for each receipt; ``dry_run``: plan and estimate only."""

    position_manager: str
    swap_router: str | None = None
    slippage_bps: int = 50
    swap: bool = False
    deadline_s: int = 600
    receipt_timeout_s: float = 120.0
    dry_run: bool = False


GAS_HEADROOM_PCT = 125


class TransactionReverted(Exception):
    """A mined transaction has status 0."""


@dataclass(slots=True)
class _Sent:
    """The transactions of one execution: the next nonce, the chain id, and what was sent and mined so far."""

    nonce: int = 0
    chain_id: int = 0
    hashes: list[str] = field(default_factory=list)
    gas_used: int = 0
    gas_cost_wei: int = 0


@dataclass(frozen=True, slots=True)
class _Pool:
    token0: str
    token1: str
    fee: int
    sqrt_price_x96: int


class EoaVaultOperator:
    """Acts for one EOA vault (``account``) on one chain (see the module docstring)."""

    def __init__(self, w3: Web3Handle, account: LocalAccount, options: OperatorOptions) -> None:
        self.w3 = w3
        self.account = account
        self.options = options
        self.npm = contract(w3, "NonfungiblePositionManager", options.position_manager)

    async def execute(self, request: ExecutionRequest) -> ExecutionReport:
        """Carry out ``request``; every failure becomes a ``failed``/``reverted`` report, never an exception."""
        sent = _Sent()
        try:
            self._check(request)
            token_ids = await self._run(request, sent)
        except TransactionReverted as exc:
            return self._report(request, "reverted", sent, str(exc))
        except (Web3Exception, ContractLogicError, ValueError, OSError, TimeoutError) as exc:
            return self._report(request, "failed", sent, f"{type(exc).__name__}: {exc}"[:1000])
        return self._report(request, "confirmed", sent, None, token_ids)

    def _check(self, request: ExecutionRequest) -> None:
        if request.vault_kind != "eoa":
            raise ValueError(f"this bot executes for EOA vaults only, not {request.vault_kind!r}")
        if request.vault.lower() != self.account.address.lower():
            raise ValueError(f"vault {request.vault} is not the bot's account {self.account.address}")

    def _report(self, request: ExecutionRequest, status: str, sent: _Sent, error: str | None,
                token_ids: list[int] | None = None) -> ExecutionReport:
        return ExecutionReport(request.idempotency_key, status, tuple(sent.hashes), sent.gas_used, sent.gas_cost_wei,
                               error, self.options.dry_run, tuple(token_ids or ()))

    async def _run(self, request: ExecutionRequest, sent: _Sent) -> list[int]:
        pool = await self._pool(request.pool)
        held = await self._positions(pool)
        log = logger.bind(job=request.job_id)
        log.info("executing {}: burn {} position(s), mint {} (dry_run={})", request.idempotency_key,
                 len(held), len(request.positions), self.options.dry_run)
        burn_calls = [c for token_id, lo, hi, liq in held for c in self._burn_calls(token_id, lo, hi, liq, pool)]
        if self.options.dry_run:
            if burn_calls:
                await self.npm.functions.multicall(burn_calls).estimate_gas({"from": self.account.address})
            return []
        sent.nonce = int(await self.w3.eth.get_transaction_count(self.account.address, "pending"))
        sent.chain_id = int(await self.w3.eth.chain_id)
        if burn_calls:
            await self._send(self.npm.functions.multicall(burn_calls), sent)
        balances = await self._balances(pool)
        await self._approve_all(pool, sent)
        balances = await self._maybe_swap(request.positions, pool, balances, sent)
        # floors at the price of now, not of before the burns
        pool = replace(pool, sqrt_price_x96=await self._price(request.pool))
        mints = self._mint_calls(request.positions, pool, balances)
        if not mints:
            return []
        receipt = await self._send(self.npm.functions.multicall(mints), sent)
        return minted_token_ids(receipt, self.npm.address, self.account.address)

    async def _pool(self, address: str) -> _Pool:
        pool = contract(self.w3, "UniswapV3Pool", address).functions
        return _Pool(await pool.token0().call(), await pool.token1().call(), int(await pool.fee().call()),
                     await self._price(address))

    async def _price(self, address: str) -> int:
        """The pool's sqrtPriceX96 now (slot0)."""
        return int((await contract(self.w3, "UniswapV3Pool", address).functions.slot0().call())[0])

    async def _positions(self, pool: _Pool) -> list[tuple[int, int, int, int]]:
        """(token id, tick lower, tick upper, liquidity) of the vault's NFTs in the pool, owed or not."""
        owner, fns = self.account.address, self.npm.functions
        count = int(await fns.balanceOf(owner).call())
        out = []
        for index in range(count):
            token_id = int(await fns.tokenOfOwnerByIndex(owner, index).call())
            p = await fns.positions(token_id).call()
            same = (p[2].lower(), p[3].lower(), int(p[4])) == (pool.token0.lower(), pool.token1.lower(), pool.fee)
            if same:
                out.append((token_id, int(p[5]), int(p[6]), int(p[7])))
        return out

    def _deadline(self) -> int:
        return int(time.time()) + self.options.deadline_s

    def _burn_calls(self, token_id: int, lower: int, upper: int, liquidity: int, pool: _Pool) -> list[Any]:
        calls = []
        if liquidity > 0:
            min0, min1 = burn_floor(lower, upper, liquidity, pool.sqrt_price_x96, self.options.slippage_bps)
            calls.append(self.npm.encode_abi("decreaseLiquidity",
                                             args=[(token_id, liquidity, min0, min1, self._deadline())]))
        calls.append(self.npm.encode_abi("collect", args=[(token_id, self.account.address, MAX_UINT128, MAX_UINT128)]))
        calls.append(self.npm.encode_abi("burn", args=[token_id]))
        return calls

    def _mint_calls(self, positions: tuple[PositionSpec, ...], pool: _Pool,
                    balances: tuple[int, int]) -> list[Any]:
        left0, left1 = balances
        calls = []
        for p in positions:
            use = PositionSpec(p.tick_lower, p.tick_upper, min(p.allocation0, left0), min(p.allocation1, left1))
            left0, left1 = left0 - use.allocation0, left1 - use.allocation1
            if use.allocation0 == use.allocation1 == 0:
                continue
            min0, min1 = mint_floor(use, pool.sqrt_price_x96, self.options.slippage_bps)
            calls.append(self.npm.encode_abi("mint", args=[(
                pool.token0, pool.token1, pool.fee, use.tick_lower, use.tick_upper, use.allocation0,
                use.allocation1, min0, min1, self.account.address, self._deadline())]))
        return calls

    async def _balances(self, pool: _Pool) -> tuple[int, int]:
        owner = self.account.address
        return (int(await contract(self.w3, "ERC20", pool.token0).functions.balanceOf(owner).call()),
                int(await contract(self.w3, "ERC20", pool.token1).functions.balanceOf(owner).call()))

    async def _approve_all(self, pool: _Pool, sent: _Sent) -> None:
        spenders = [self.npm.address] + ([self.options.swap_router] if self.options.swap and self.options.swap_router
                                         else [])
        for token in (pool.token0, pool.token1):
            erc20 = contract(self.w3, "ERC20", token).functions
            for spender in spenders:
                if int(await erc20.allowance(self.account.address, spender).call()) < MAX_UINT128:
                    await self._send(erc20.approve(spender, MAX_UINT256), sent)

    async def _maybe_swap(self, positions: tuple[PositionSpec, ...], pool: _Pool, balances: tuple[int, int],
                          sent: _Sent) -> tuple[int, int]:
        """The balances after the balancing swap, if one is needed and allowed."""
        if not (self.options.swap and self.options.swap_router):
            return balances
        need0, need1 = sum(p.allocation0 for p in positions), sum(p.allocation1 for p in positions)
        plan = balancing_swap(need0, need1, *balances, pool.sqrt_price_x96, pool.fee, self.options.slippage_bps)
        if plan is None:
            return balances
        token_in, token_out = (pool.token0, pool.token1) if plan.zero_for_one else (pool.token1, pool.token0)
        router = contract(self.w3, "SwapRouter", self.options.swap_router).functions
        call = router.exactOutputSingle((token_in, token_out, pool.fee, self.account.address, self._deadline(),
                                         plan.amount_out, plan.max_amount_in, 0))
        await self._send(call, sent)
        return await self._balances(pool)

    async def _send(self, call: Any, sent: _Sent) -> Any:
        """Sign and send ``call`` with the next nonce; its receipt once mined successfully."""
        params = {"from": self.account.address, "nonce": sent.nonce, "chainId": sent.chain_id}
        estimate = int(await call.estimate_gas({"from": self.account.address}))
        # headroom: calls nested in multicall get 63/64 of the gas left, estimates can fall just short
        tx = await call.build_transaction(params | {"gas": estimate * GAS_HEADROOM_PCT // 100})
        signed = self.account.sign_transaction(tx)
        tx_hash = await self.w3.eth.send_raw_transaction(signed.raw_transaction)
        sent.nonce += 1
        sent.hashes.append("0x" + bytes(tx_hash).hex().removeprefix("0x"))
        receipt = await self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.options.receipt_timeout_s)
        sent.gas_used += int(receipt["gasUsed"])
        sent.gas_cost_wei += int(receipt["gasUsed"]) * int(receipt.get("effectiveGasPrice", 0))
        if int(receipt["status"]) != 1:
            raise TransactionReverted(f"transaction {sent.hashes[-1]} reverted in block {receipt['blockNumber']}")
        return receipt
