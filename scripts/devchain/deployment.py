"""What a deployed devchain holds: addresses and roles, as frozen values and as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Accounts", "Deployment", "PoolInfo", "VaultInfo"]


@dataclass(frozen=True)
class Accounts:
    """The node's unlocked accounts by role (checksummed addresses)."""

    deployer: str
    lps: tuple[str, ...]
    vault: str
    traders: tuple[str, ...]
    spare: tuple[str, ...]

    @classmethod
    def from_list(cls, addresses: list[str]) -> Accounts:
        """Roles from the node's account list: 0 deployer, 1-4 LPs, 5 vault, 6-9 traders, rest spare."""
        if len(addresses) < 10:
            raise ValueError(f"need at least 10 accounts, got {len(addresses)}")
        return cls(
            deployer=addresses[0],
            lps=tuple(addresses[1:5]),
            vault=addresses[5],
            traders=tuple(addresses[6:10]),
            spare=tuple(addresses[10:]),
        )


@dataclass(frozen=True)
class PoolInfo:
    """A Uniswap V3 pool of the devchain (fee in hundredths of a bip, spacing in ticks)."""

    address: str
    fee: int
    tick_spacing: int
    token0: str
    token1: str


@dataclass(frozen=True)
class VaultInfo:
    """The two vault kinds.

    `eoa` owns NonfungiblePositionManager positions (`eoa_token_ids`) and idle tokens directly.
    `liquidity_manager` answers SN98's LiquidityManager reads for AK token `ak_token`; its position
    manager `lm_position_manager` owns `lm_token_ids`; the stashed amounts are in raw token units.
    """

    eoa: str
    eoa_token_ids: tuple[int, ...]
    liquidity_manager: str
    lm_position_manager: str
    lm_pool_manager: str
    ak_token: str
    lm_token_ids: tuple[int, ...]
    stashed0: int
    stashed1: int


@dataclass(frozen=True)
class Deployment:
    """Every contract address of a seeded devchain (chain id 8453)."""

    chain_id: int
    weth9: str
    token18: str
    token6: str
    factory: str
    position_manager: str
    swap_router: str
    pools: tuple[PoolInfo, ...]
    vault: VaultInfo
    accounts: Accounts
    lp_token_ids: tuple[int, ...]

    def pool(self, fee: int) -> PoolInfo:
        """The pool with this fee (500 or 3000)."""
        for pool in self.pools:
            if pool.fee == fee:
                return pool
        raise KeyError(f"no pool with fee {fee}")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        """Inverse of `to_json` (e.g. to drive traffic on a chain started by another process)."""
        accounts = data["accounts"]
        vault = data["vault"]
        return cls(
            **{k: data[k] for k in ("chain_id", "weth9", "token18", "token6", "factory")},
            position_manager=data["position_manager"],
            swap_router=data["swap_router"],
            pools=tuple(PoolInfo(**p) for p in data["pools"]),
            vault=VaultInfo(
                **{k: v for k, v in vault.items() if k not in ("eoa_token_ids", "lm_token_ids")},
                eoa_token_ids=tuple(vault["eoa_token_ids"]),
                lm_token_ids=tuple(vault["lm_token_ids"]),
            ),
            accounts=Accounts(
                deployer=accounts["deployer"],
                lps=tuple(accounts["lps"]),
                vault=accounts["vault"],
                traders=tuple(accounts["traders"]),
                spare=tuple(accounts["spare"]),
            ),
            lp_token_ids=tuple(data["lp_token_ids"]),
        )
