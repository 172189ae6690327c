"""The official UniswapV3Factory / UniswapV3Pool bytecode (npm @uniswap/v3-core 1.0.1) run in-process by pyrevm.

Our DevToken pair and PoolActor (compiled with solc 0.7.6, scripts/devchain/contracts) pay the pool's
mint and swap callbacks; pyrevm lets any address call, so positions belong to plain addresses that
burn and collect directly. Every method mirrors one of simulator.pool.Pool's, with the same units
(raw token units, Q64.96, Q128.128 fee growth) so the two can be compared to the wei.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak
from pyrevm import EVM, BlockEnv, CfgEnv, Env

from scripts.devchain.artifacts import load_artifact
from scripts.devchain.encoding import constructor_data

__all__ = ["EvmPool", "EvmReverted", "PoolState", "TickState", "PositionState"]

DEPLOYER = "0x" + "d0" * 20
FUNDS = 1 << 200  # raw units of each token given to the actor: never the limit in a test


class EvmReverted(Exception):
    """A call reverted in the EVM; `reason` is the require message ('' for a bare require)."""

    def __init__(self, reason: str, raw: str) -> None:
        super().__init__(f"EVM revert {reason!r}: {raw[:200]}")
        self.reason = reason


@dataclass(frozen=True)
class PoolState:
    """slot0 (price, tick, fee protocol), liquidity, fee growth globals and protocol fees."""

    sqrt_price_x96: int
    tick: int
    fee_protocol: int
    liquidity: int
    fee_growth_global0_x128: int
    fee_growth_global1_x128: int
    protocol_fees0: int
    protocol_fees1: int


@dataclass(frozen=True)
class TickState:
    liquidity_gross: int
    liquidity_net: int
    fee_growth_outside0_x128: int
    fee_growth_outside1_x128: int


@dataclass(frozen=True)
class PositionState:
    liquidity: int
    fee_growth_inside0_last_x128: int
    fee_growth_inside1_last_x128: int
    tokens_owed0: int
    tokens_owed1: int


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


_SEL = {
    name: _selector(sig)
    for name, sig in {
        "createPool": "createPool(address,address,uint24)",
        "initialize": "initialize(uint160)",
        "setFeeProtocol": "setFeeProtocol(uint8,uint8)",
        "burn": "burn(int24,int24,uint128)",
        "collect": "collect(address,int24,int24,uint128,uint128)",
        "slot0": "slot0()",
        "liquidity": "liquidity()",
        "fg0": "feeGrowthGlobal0X128()",
        "fg1": "feeGrowthGlobal1X128()",
        "protocolFees": "protocolFees()",
        "ticks": "ticks(int24)",
        "positions": "positions(bytes32)",
        "token0": "token0()",
        "actor_mint": "mint(address,address,int24,int24,uint128)",
        "actor_swap": "swap(address,address,bool,int256,uint160)",
        "token_mint": "mint(address,uint256)",
    }.items()
}


class EvmPool:
    """One real UniswapV3Pool (fee 500, 3000 or 10000: the factory's enabled tiers) at a start price."""

    def __init__(self, fee: int, sqrt_price_x96: int) -> None:
        self.evm = EVM(env=Env(cfg=CfgEnv(chain_id=8453), block=BlockEnv(number=1, timestamp=1_700_000_000)))
        self.evm.set_balance(DEPLOYER, 10**30)
        tokens = [self._deploy("DevToken", f"T{i}", f"T{i}", 18) for i in range(2)]
        self.factory = self._deploy("UniswapV3Factory")
        self.actor = self._deploy("PoolActor")
        (pool,) = self._call(DEPLOYER, self.factory, "createPool", ["address", "address", "uint24"],
                             [*tokens, fee], ["address"])
        self.pool = str(pool)
        self._call(DEPLOYER, self.pool, "initialize", ["uint160"], [sqrt_price_x96], [])
        for token in tokens:
            self._call(DEPLOYER, token, "token_mint", ["address", "uint256"], [self.actor, FUNDS], [])

    def _deploy(self, name: str, *args: Any) -> str:
        code = bytes.fromhex(constructor_data(name, *args)[2:]) if args else bytes.fromhex(
            load_artifact(name).bytecode[2:])
        return str(self.evm.deploy(DEPLOYER, code, gas=30_000_000))

    def _call(
        self, caller: str, to: str, fn: str, types: Sequence[str], args: Sequence[Any], out: Sequence[str],
        *, static: bool = False,
    ) -> tuple[Any, ...]:
        data = _SEL[fn] + encode(list(types), list(args))
        try:
            raw = self.evm.message_call(caller, to, data, gas=30_000_000, is_static=static)
        except RuntimeError as exc:
            raise EvmReverted(_revert_reason(str(exc)), str(exc)) from None
        return tuple(decode(list(out), bytes(raw))) if out else ()

    # ----- the Pool API -----------------------------------------------------------------------

    def set_fee_protocol(self, fee_protocol0: int, fee_protocol1: int) -> None:
        self._call(DEPLOYER, self.pool, "setFeeProtocol", ["uint8", "uint8"], [fee_protocol0, fee_protocol1], [])

    def mint(self, owner: str, tick_lower: int, tick_upper: int, liquidity: int) -> tuple[int, int]:
        """Mint through the PoolActor (which pays the callback) for `owner`; amounts paid in."""
        out = self._call(DEPLOYER, self.actor, "actor_mint", ["address", "address", "int24", "int24", "uint128"],
                         [self.pool, owner, tick_lower, tick_upper, liquidity], ["uint256", "uint256"])
        return int(out[0]), int(out[1])

    def burn(self, owner: str, tick_lower: int, tick_upper: int, liquidity: int) -> tuple[int, int]:
        out = self._call(owner, self.pool, "burn", ["int24", "int24", "uint128"],
                         [tick_lower, tick_upper, liquidity], ["uint256", "uint256"])
        return int(out[0]), int(out[1])

    def collect(self, owner: str, tick_lower: int, tick_upper: int, req0: int, req1: int) -> tuple[int, int]:
        out = self._call(owner, self.pool, "collect", ["address", "int24", "int24", "uint128", "uint128"],
                         [owner, tick_lower, tick_upper, req0, req1], ["uint128", "uint128"])
        return int(out[0]), int(out[1])

    def swap(self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int) -> tuple[int, int]:
        """Swap through the PoolActor; the pool's signed (amount0, amount1) as in the Swap event."""
        out = self._call(DEPLOYER, self.actor, "actor_swap", ["address", "address", "bool", "int256", "uint160"],
                         [self.pool, self.actor, zero_for_one, amount_specified, sqrt_price_limit_x96],
                         ["int256", "int256"])
        return int(out[0]), int(out[1])

    # ----- reads --------------------------------------------------------------------------------

    def _read(self, fn: str, types: Sequence[str], args: Sequence[Any], out: Sequence[str]) -> tuple[Any, ...]:
        return self._call(DEPLOYER, self.pool, fn, types, args, out, static=True)

    def state(self) -> PoolState:
        slot0 = self._read("slot0", [], [], ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"])
        (liquidity,) = self._read("liquidity", [], [], ["uint128"])
        (g0,) = self._read("fg0", [], [], ["uint256"])
        (g1,) = self._read("fg1", [], [], ["uint256"])
        p0, p1 = self._read("protocolFees", [], [], ["uint128", "uint128"])
        return PoolState(slot0[0], slot0[1], slot0[5], liquidity, g0, g1, p0, p1)

    def tick(self, tick: int) -> TickState:
        out = self._read("ticks", ["int24"], [tick],
                         ["uint128", "int128", "uint256", "uint256", "int56", "uint160", "uint32", "bool"])
        return TickState(out[0], out[1], out[2], out[3])

    def position(self, owner: str, tick_lower: int, tick_upper: int) -> PositionState:
        key = keccak(bytes.fromhex(owner[2:]) + _int24(tick_lower) + _int24(tick_upper))
        out = self._read("positions", ["bytes32"], [key], ["uint128", "uint256", "uint256", "uint128", "uint128"])
        return PositionState(*out)


def _int24(value: int) -> bytes:
    return (value % (1 << 24)).to_bytes(3, "big")


def _revert_reason(message: str) -> str:
    """The Error(string) message of a pyrevm revert ('' for a bare revert or a halt)."""
    marker = "output: 0x"
    if marker not in message:
        return ""
    output = message.split(marker, 1)[1].split()[0].rstrip("},")
    if not output.startswith("08c379a0"):
        return ""
    (reason,) = decode(["string"], bytes.fromhex(output[8:]))
    return str(reason)
