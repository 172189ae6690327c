"""The miner's settings: one object, from CLI flags > environment > ``.env`` > defaults.

Environment variables carry the ``SN98_MINER_`` prefix (``SN98_MINER_NETUID``,
``SN98_MINER_STRATEGY``, ``SN98_MINER_ALLOWED_HOTKEYS`` as a comma-separated list), so one ``.env``
can hold both the validator's (``SN98_``) and the miner's settings. Bittensor-conventional flags
keep their dotted names (``--subtensor.network``, ``--wallet.name``, ``--axon.port``). Nothing here
touches the network or the disk except reading ``.env``; ``miner/.env.example`` documents each field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from common.settings_cli import Network, NeuronSettings, flag, split_csv

LOOPBACK = "127.0.0.1"
ANY_ADDRESS = "0.0.0.0"


class MinerSettings(NeuronSettings):
    """Every knob of ``python -m miner``; ``miner/.env.example`` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="SN98_MINER_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        validate_default=True,
    )

    network: Network = Field("finney", description="Which network the miner serves; 'local' binds to loopback and allows only --allowed-hotkey callers (no chain).")
    axon_ip: str | None = Field(None, description="Address the axon binds to (defaults to 127.0.0.1 in local mode, 0.0.0.0 otherwise).", json_schema_extra=flag("--axon.ip"))
    axon_port: int = Field(8091, ge=1, le=65535, description="Port the axon listens on.", json_schema_extra=flag("--axon.port"))
    axon_external_ip: str | None = Field(None, description="Address announced on chain (defaults to the bind address in local mode, else bittensor's public-IP lookup).", json_schema_extra=flag("--axon.external_ip"))
    axon_external_port: int | None = Field(None, ge=1, le=65535, description="Port announced on chain (defaults to --axon.port).", json_schema_extra=flag("--axon.external_port"))
    serve_axon_on_chain: bool = Field(True, description="On finney/test, announce the axon's address on chain at start (needs the hotkey registered).")
    strategy: str = Field("volatility", min_length=1, description="Strategy answering the queries (see `python -m miner strategies`).")
    allowed_hotkeys: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Local mode: validator hotkeys (ss58) allowed to query; ignored on finney/test.", json_schema_extra=flag("--allowed-hotkey"))
    min_validator_stake: float = Field(1000.0, ge=0, description="finney/test: least stake (TAO units as the metagraph reports) a caller needs.")
    require_validator_permit: bool = Field(True, description="finney/test: callers must hold a validator permit.")
    metagraph_refresh_seconds: float = Field(300.0, gt=0, description="finney/test: seconds between metagraph refreshes (done off the request path).")
    answer_budget_seconds: float = Field(8.0, gt=0, description="Most time a strategy may take per query, seconds; past it the miner keeps its positions (also capped at 80% of the caller's timeout).")
    served_pools: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Pool addresses the miner serves (empty: all); others are refused with a reason.", json_schema_extra=flag("--served-pool"))
    served_jobs: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Job ids the miner serves (empty: all); others are refused with a reason.", json_schema_extra=flag("--served-job"))
    served_chain_ids: Annotated[list[int], NoDecode] = Field(default_factory=list, description="EVM chain ids the miner serves (empty: all).", json_schema_extra=flag("--served-chain-id"))
    vol_window: int = Field(32, ge=2, le=10_000, description="volatility strategy: price observations kept per pool for the realized volatility.")
    vol_horizon_blocks: int = Field(300, ge=1, description="volatility strategy: blocks the range should last; the half-width is k sigma sqrt(horizon).")
    vol_width_sigmas: float = Field(2.0, gt=0, description="volatility strategy: k, half-width in standard deviations of the tick move over the horizon.")
    vol_default_half_width_ticks: int = Field(1200, ge=1, description="volatility strategy: half-width in ticks before enough prices were seen.")
    vol_min_half_width_ticks: int = Field(60, ge=1, description="volatility strategy: smallest half-width in ticks (rounded up to the tick spacing).")
    vol_max_half_width_ticks: int = Field(50_000, ge=1, description="volatility strategy: largest half-width in ticks.")
    vol_edge_fraction: float = Field(0.15, ge=0, lt=0.5, description="volatility strategy: re-centre when the price is within this share of the width from an edge.")
    vol_rewidth_factor: float = Field(2.5, gt=1, description="volatility strategy: re-centre when the ideal width differs from the held one by more than this factor.")

    @field_validator("allowed_hotkeys", "served_pools", "served_jobs", "served_chain_ids", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        return split_csv(value)

    @field_validator("served_pools")
    @classmethod
    def _lower_pools(cls, pools: list[str]) -> list[str]:
        for pool in pools:
            if not (pool.startswith("0x") and len(pool) == 42):
                raise ValueError(f"{pool!r} is not a 0x-prefixed 20-byte address")
        return [pool.lower() for pool in pools]

    @model_validator(mode="after")
    def _check_widths(self) -> MinerSettings:
        if self.vol_min_half_width_ticks > self.vol_max_half_width_ticks:
            raise ValueError("vol_min_half_width_ticks is above vol_max_half_width_ticks")
        return self

    @property
    def bind_ip(self) -> str:
        """The address the axon listens on."""
        return self.axon_ip or (LOOPBACK if self.network == "local" else ANY_ADDRESS)

