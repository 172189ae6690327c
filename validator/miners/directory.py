"""Who to ask: the miner directory, from a static file (``--network local``) or the metagraph.

``MinerDirectory.miners()`` is on the hot path (every checkpoint): it returns the last good list at
once and never touches the network. ``MetagraphMinerDirectory`` refreshes that list in the
background (``run``), keeps the old one when a sync fails, and identifies miners by hotkey: a uid
re-registered under a new hotkey appears with the new one (and starts from zero in scoring).

Usage::

    directory = MetagraphMinerDirectory(chain, 98, own_hotkey=me, min_validator_stake=1000.0)
    await directory.start()                      # the first sync, awaited
    tg.create_task(directory.run(stop_event))    # then every sync_interval_s
    miners = await directory.miners()
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from loguru import logger

from validator._waiting import sleep_or_stop
from validator.miners._static_list import MinerListError, load_miner_list
from validator.miners.types import MinerEndpoint
from validator.config import ValidatorSettings
from validator.subtensor import ChainClient, ChainClientError, MetagraphSnapshot, NeuronSnapshot
from validator.telemetry import ValidatorMetrics

__all__ = [
    "DirectoryNotStarted", "MetagraphMinerDirectory", "MinerDirectory", "MinerFilter", "MinerListError",
    "StaticMinerDirectory", "directory_from_settings", "select_miners",
]


class MinerDirectory(Protocol):
    """The current set of miners to query."""

    async def miners(self) -> list[MinerEndpoint]:
        ...


class DirectoryNotStarted(RuntimeError):
    """``miners()`` was called on a metagraph directory before ``start()`` completed its first sync."""


class StaticMinerDirectory:
    """A fixed list (local network and tests)."""

    def __init__(self, miners: Sequence[MinerEndpoint]) -> None:
        self._miners = list(miners)

    @classmethod
    def from_file(cls, path: Path, *, private_only: bool = True) -> StaticMinerDirectory:
        """Load a JSON list of ``{uid, hotkey, ip, port}``; raises ``MinerListError`` naming the bad entry."""
        return cls(load_miner_list(path, private_only=private_only))

    async def miners(self) -> list[MinerEndpoint]:
        return list(self._miners)


@dataclass(frozen=True, slots=True)
class MinerFilter:
    """Which neurons count as miners to query.

    A validator is a neuron with a validator permit and ``stake >= min_validator_stake`` (TAO/alpha
    float units as the chain reports them). A non-empty ``allow_hotkeys`` restricts the set to those
    hotkeys; ``deny_hotkeys`` always excludes. ``public_ip_only`` drops loopback, private, link-local
    and reserved addresses, so a miner cannot point the validator at its own host's services.
    """

    own_hotkey: str | None
    min_validator_stake: float
    allow_hotkeys: frozenset[str] = frozenset()
    deny_hotkeys: frozenset[str] = frozenset()
    public_ip_only: bool = True


def select_miners(snapshot: MetagraphSnapshot, rules: MinerFilter) -> tuple[list[MinerEndpoint], Counter[str]]:
    """The miners to query, ordered by uid, and how many neurons each rule left out."""
    chosen: list[MinerEndpoint] = []
    skipped: Counter[str] = Counter()
    for neuron in snapshot.neurons:
        reason = _skip_reason(neuron, rules)
        if reason:
            skipped[reason] += 1
        else:
            chosen.append(MinerEndpoint(uid=neuron.uid, hotkey=neuron.hotkey, ip=neuron.ip, port=neuron.port))
    return chosen, skipped


def _skip_reason(neuron: NeuronSnapshot, rules: MinerFilter) -> str:
    """Why ``neuron`` is not queried (a short label for the sync log), or "" when it is."""
    if neuron.hotkey == rules.own_hotkey:
        return "self"
    if not neuron.serving:
        return "not_serving"
    if neuron.validator_permit and neuron.stake >= rules.min_validator_stake:
        return "validator"
    if neuron.hotkey in rules.deny_hotkeys:
        return "denied"
    if rules.allow_hotkeys and neuron.hotkey not in rules.allow_hotkeys:
        return "not_allowed"
    if rules.public_ip_only and not _is_public(neuron.ip):
        return "non_public_ip"
    return ""


@functools.lru_cache(maxsize=8192)
def _is_public(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_global
    except ValueError:
        return False


class MetagraphMinerDirectory:
    """Miners from the chain's metagraph, refreshed every ``sync_interval_s`` seconds off the hot path."""

    def __init__(
        self, chain_client: ChainClient, netuid: int, *, own_hotkey: str | None, min_validator_stake: float,
        allow_hotkeys: Collection[str] = (), deny_hotkeys: Collection[str] = (), sync_interval_s: float = 300.0,
        public_ip_only: bool = True, metrics: ValidatorMetrics | None = None,
    ) -> None:
        self._chain = chain_client
        self._metrics = metrics
        self._netuid = netuid
        self._rules = MinerFilter(own_hotkey, min_validator_stake, frozenset(allow_hotkeys),
                                  frozenset(deny_hotkeys), public_ip_only)
        self._interval_s = sync_interval_s
        self._miners: list[MinerEndpoint] | None = None
        self._snapshot: MetagraphSnapshot | None = None
        self.sync_failures = 0

    @property
    def snapshot(self) -> MetagraphSnapshot | None:
        """The metagraph of the last good sync (owner hotkey, stakes, every uid), or None before it."""
        return self._snapshot

    async def start(self) -> None:
        """The first sync; raises ``ChainClientError`` if the chain cannot be read (nothing to serve yet)."""
        await self.refresh()

    async def miners(self) -> list[MinerEndpoint]:
        if self._miners is None:
            raise DirectoryNotStarted("MetagraphMinerDirectory.start() has not completed a sync yet")
        return list(self._miners)

    async def run(self, stop: asyncio.Event) -> None:
        """Sync every interval until ``stop`` is set; a failed sync is logged and the old list kept."""
        while not await sleep_or_stop(self._interval_s, stop):
            try:
                await self.refresh()
            except ChainClientError as exc:
                self.sync_failures += 1
                if self._metrics is not None:
                    self._metrics.rpc_errors.labels(service="subtensor").inc()
                logger.warning("metagraph sync failed (keeping {} miners from block {}): {}",
                               len(self._miners or ()), self._snapshot.block if self._snapshot else None, exc)

    async def refresh(self) -> list[MinerEndpoint]:
        """One sync now; replaces the list only when it succeeds."""
        snapshot = await self._chain.metagraph(self._netuid)
        miners, skipped = select_miners(snapshot, self._rules)
        self._log_changes(miners)
        self._snapshot, self._miners = snapshot, miners
        if self._metrics is not None:
            self._metrics.miners_known.set(len(miners))
        logger.info("metagraph synced netuid={} block={} neurons={} miners={} skipped={}", self._netuid,
                    snapshot.block, len(snapshot.neurons), len(miners), dict(skipped))
        return list(miners)

    def _log_changes(self, miners: list[MinerEndpoint]) -> None:
        before = {m.uid: m.hotkey for m in self._miners or ()}
        for miner in miners:
            old = before.get(miner.uid)
            if old is not None and old != miner.hotkey:
                logger.info("uid {} changed hotkey {} -> {}: a new miner", miner.uid, old, miner.hotkey)


def directory_from_settings(
    settings: ValidatorSettings, chain_client: ChainClient | None, own_hotkey: str | None,
    metrics: ValidatorMetrics | None = None,
) -> StaticMinerDirectory | MetagraphMinerDirectory:
    """``--network local``: the ``--miners-file`` list; otherwise the metagraph (call ``start()``)."""
    if settings.network == "local":
        if settings.miners_file is None:
            raise MinerListError("--network local needs --miners-file (a JSON list of {uid, hotkey, ip, port})")
        return StaticMinerDirectory.from_file(settings.miners_file)
    if chain_client is None:
        raise ValueError(f"--network {settings.network} needs a chain client for the metagraph")
    return MetagraphMinerDirectory(
        chain_client, settings.netuid, own_hotkey=own_hotkey, min_validator_stake=settings.min_validator_stake,
        allow_hotkeys=settings.allow_hotkeys, deny_hotkeys=settings.deny_hotkeys,
        sync_interval_s=settings.metagraph_sync_seconds, metrics=metrics,
    )
