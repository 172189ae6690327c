"""The validator's settings: one object, from CLI flags > environment > ``.env`` > defaults.

Environment variables carry the ``SN98_`` prefix (``SN98_NETUID``, ``SN98_JOBS_DB_URL``,
``SN98_RPC_URLS`` as a comma-separated list). Bittensor-conventional flags keep their dotted
names (``--subtensor.network``, ``--wallet.name``). Nothing here touches the network or the disk
except reading ``.env``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from scalecodec.utils.ss58 import ss58_decode

from db.errors import DatabaseUrlError
from db.urls import DatabaseUrl, parse_database_url
from common.logs import register_secret
from common.settings_cli import Network, NeuronSettings, flag, split_csv
from validator.executor.errors import ExecutorConfigError
from validator.executor.http import checked_base_url

ChainMode = Literal["live", "replay"]
PoolEventsLayoutName = Literal["default", "sn98"]


class ValidatorSettings(NeuronSettings):
    """Every knob of ``python -m validator``; ``.env.example`` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="SN98_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        validate_default=True,
    )

    network: Network = Field("finney", description="Which network the validator serves; 'local' uses a static miner list and no chain.")
    axon_port: int = Field(8091, ge=1, le=65535, description="Axon port (served by miners; kept for bittensor convention).", json_schema_extra=flag("--axon.port"))
    chain: ChainMode = Field("live", description="Chain data: 'live' reads Base over RPC, 'replay' serves a historical window of the pool events DB.")
    chain_id: int = Field(8453, ge=1, description="EVM chain id of the pools (Base mainnet 8453).")
    rpc_urls: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Base JSON-RPC URL, in failover order.", json_schema_extra=flag("--rpc-url"))
    rpc_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one JSON-RPC request (a batch is one request), seconds.")
    rpc_attempts: int = Field(6, ge=1, le=50, description="Attempts per JSON-RPC request across endpoints (timeouts, 429, 5xx, bad JSON are retried with exponential backoff and jitter).")
    rpc_rate_limit: float = Field(25.0, gt=0, description="Requests per second sent to each RPC endpoint (a batch counts once).")
    rpc_batch_size: int = Field(100, ge=1, le=1000, description="JSON-RPC calls per batched request.")
    chain_confirmations: int = Field(3, ge=0, le=1000, description="Blocks behind the node's head that reads and the indexer treat as final.")
    chain_poll_interval_seconds: float = Field(2.0, gt=0, description="Seconds between head polls when waiting for a block (Base: one block per 2 s).")
    logs_max_block_range: int = Field(2000, ge=1, description="Blocks per eth_getLogs request (halved automatically on 'too many results').")
    tick_scan_max_words: int = Field(1024, ge=1, le=7000, description="Bound of the tick bitmap scan in 256-tick-spacing words (beyond it, only the words around the current tick are read).")
    uniswap_position_manager: str = Field("0x03a520b32C04BF3bEEf7BEb72E919cf822Ed34f1", pattern=r"^0x[0-9a-fA-F]{40}$", description="Uniswap V3 NonfungiblePositionManager that EOA vaults hold their positions in (Base).")
    slipstream_position_manager: str = Field("0x827922686190790b37229fd06084350E74485b72", pattern=r"^0x[0-9a-fA-F]{40}$", description="Aerodrome Slipstream NonfungiblePositionManager that EOA vaults hold their positions in (Base).")
    indexer_reorg_depth: int = Field(64, ge=1, description="Blocks the indexer deletes and reads again when it detects a reorg.")
    replay_from_block: int | None = Field(None, ge=0, description="Replay chain data: first block of the window (default: the pool's first stored event).")
    replay_to_block: int | None = Field(None, ge=0, description="Replay chain data: last block of the window (default: the pool's last stored event).")
    replay_vault_amount0: int = Field(10**18, ge=0, description="Replay chain data: the vault's idle token0 at the window start, raw units (vaults are not in the events DB).")
    replay_vault_amount1: int = Field(10**18, ge=0, description="Replay chain data: the vault's idle token1 at the window start, raw units.")
    max_rounds: int = Field(0, ge=0, description="Stop each job after this many evaluation rounds (0: no limit). With a finite replay window the daemon exits when every job is done.")
    replay_speed: float = Field(0.0, ge=0, description="Replay chain data: 0 advances as fast as the round runs; N waits so blocks pass N times faster than real time.")
    jobs_db_url: str = Field("sqlite://var/jobs.sqlite3", description="Jobs database URL: sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB.")
    pool_events_db_url: str = Field("sqlite://var/pool_events.sqlite3", description="Pool events database URL (read-only for the validator).")
    pool_events_layout: PoolEventsLayoutName = Field("default", description="Table layout of the pool events DB: ours ('default') or SN98's indexer tables ('sn98').")
    pool_events_table_prefix: str = Field("", pattern=r"^[A-Za-z0-9_]*$", description="Prefix of the pool events table names (letters, digits, underscore).")
    query_timeout_seconds: float = Field(60.0, gt=0, le=600, description="Seconds a miner has to answer one query.")
    max_concurrent_queries: int = Field(256, ge=1, le=4096, description="Miner queries in flight at once (the HTTP pool is sized above it).")
    max_positions: int = Field(10, ge=1, le=100, description="Most positions a miner may ask for in one answer.")
    block_time_seconds: float = Field(2.0, gt=0, description="Seconds per block of the pools' chain (Base: 2).")
    job_refresh_seconds: float = Field(30.0, gt=0, description="How often the jobs table is re-read for added, changed or deactivated jobs.")
    shutdown_grace_seconds: float = Field(30.0, ge=0, description="On SIGINT/SIGTERM, how long rounds in flight may take to stop before they are cancelled.")
    miners_file: Path | None = Field(None, description="--network local: JSON file listing the miners as [{uid, hotkey, ip, port}] (loopback or private addresses).")
    min_validator_stake: float = Field(1000.0, ge=0, description="A neuron with a validator permit and at least this stake (TAO/alpha units) is a validator and is not queried.")
    allow_hotkeys: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Query only these miner hotkeys (empty: every serving miner); comma-separated in the environment.", json_schema_extra=flag("--allow-hotkey"))
    deny_hotkeys: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Never query these miner hotkeys; comma-separated in the environment.", json_schema_extra=flag("--deny-hotkey"))
    metagraph_sync_seconds: float = Field(300.0, ge=5, description="How often the metagraph is re-read for the miner list (finney/test), seconds.")
    metrics_port: int | None = Field(None, ge=1, le=65535, description="Serve /healthz, /readyz and Prometheus /metrics on 127.0.0.1 at this port (off when unset).", json_schema_extra=flag("--metrics.port"))
    live_eligibility_days: int = Field(7, ge=0, description="Live rounds: UTC days with valid evaluation answers in a job that its evaluation winner needs before it may steer the real vault.")
    live_evaluation_wait_seconds: float = Field(180.0, ge=0, description="Live rounds: how long a finished live round waits for its concurrent evaluation round to complete before it is stored unranked.")
    executor_url: str | None = Field(None, description="Executor bot base URL (https, or http on a loopback host); unset: live decisions are only recorded, never executed (the default for --network local).", json_schema_extra=flag("--executor-url"))
    executor_api_key: str | None = Field(None, description="API key the executor bot expects (sent in the Authorization header only, never logged); required with --executor-url.")
    executor_timeout_seconds: float = Field(180.0, gt=0, description="Executor bot: seconds one request may take (the bot answers once its transactions are mined).")
    executor_connect_timeout_seconds: float = Field(10.0, gt=0, description="Executor bot: seconds to open a connection.")
    executor_attempts: int = Field(5, ge=1, description="Executor bot: tries per decision on connection errors, timeouts, HTTP 429 and 5xx (same idempotency key each time).")
    executor_record_file: Path | None = Field(None, description="Without --executor-url: also append every recorded live decision to this JSON-lines file.")
    weights_interval_blocks: int = Field(100, ge=1, description="Subtensor blocks (12 s) between weight-setting attempts (the chain's rate limit is checked too).")
    weights_sharpness: float = Field(2.0, gt=0, le=16, description="Exponent applied to each job's combined scores before normalising (higher: more to the best).")
    burn_share: float = Field(0.0, ge=0, le=1, description="Share of the weights given to the subnet owner's uid (0..1).")

    @field_validator("rpc_urls", mode="before")
    @classmethod
    def _split_rpc_urls(cls, value: object) -> object:
        return split_csv(value)

    @field_validator("rpc_urls")
    @classmethod
    def _check_rpc_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://", "ws://", "wss://")):
                raise ValueError("each RPC URL must start with http://, https://, ws:// or wss://")
            register_secret(url)
        return urls

    @field_validator("allow_hotkeys", "deny_hotkeys", mode="before")
    @classmethod
    def _split_hotkeys(cls, value: object) -> object:
        return split_csv(value)

    @field_validator("allow_hotkeys", "deny_hotkeys")
    @classmethod
    def _check_hotkeys(cls, hotkeys: list[str]) -> list[str]:
        for hotkey in hotkeys:
            try:
                ss58_decode(hotkey)
            except (ValueError, IndexError) as exc:
                raise ValueError(f"{hotkey!r} is not an SS58 hotkey address ({exc})") from None
        return hotkeys

    @field_validator("jobs_db_url", "pool_events_db_url")
    @classmethod
    def _check_db_url(cls, url: str) -> str:
        try:
            parsed = parse_database_url(url)
        except DatabaseUrlError as exc:
            raise ValueError(str(exc)) from None
        register_secret(parsed.password)
        return url

    @field_validator("executor_api_key")
    @classmethod
    def _register_executor_key(cls, key: str | None) -> str | None:
        register_secret(key)
        return key

    @model_validator(mode="after")
    def _check_executor(self) -> ValidatorSettings:
        if self.executor_url is not None:
            try:
                checked_base_url(self.executor_url)
            except ExecutorConfigError as exc:
                raise ValueError(f"executor_url: {exc}") from None
            if not self.executor_api_key:
                raise ValueError("executor_api_key is required with executor_url")
        return self

    @property
    def jobs_db(self) -> DatabaseUrl:
        return parse_database_url(self.jobs_db_url)

    @property
    def pool_events_db(self) -> DatabaseUrl:
        return parse_database_url(self.pool_events_db_url)

