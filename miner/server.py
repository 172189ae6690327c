"""``python -m miner``: the axon serving ``RebalanceQuery``, its caller checks, and the process lifecycle.

No ``from __future__ import annotations`` here: bittensor's ``Axon.attach`` reads the handlers'
annotations as classes (the forward's first parameter must be the synapse class, the blacklist must
return exactly ``typing.Tuple[bool, str]``).

Lifecycle: load the wallet, build the strategy, (finney/test) read the metagraph once, check that our
hotkey is registered and announce the axon on chain, start the axon on the configured address
(``fast_config.host`` is set because bittensor hard-codes 0.0.0.0), then wait. SIGINT/SIGTERM stop it
gracefully (the axon stops, the metagraph watcher ends); a second signal forces the exit.
"""

import asyncio
import os
import signal
import socket
import time
import typing

import bittensor as bt
from bittensor_wallet import Wallet
from bittensor_wallet.errors import KeyFileError
from loguru import logger

from miner.blacklist import CallerPolicy, Roster, RosterSource
from miner.config import MinerSettings
from miner.errors import PortUnavailable, WalletError
from miner.metagraph import MetagraphWatcher
from miner.service import MinerService, build_service
from protocol.synapse import RebalanceQuery

EXIT_OK = 0
EXIT_FAILURE = 1
LISTEN_TIMEOUT_S = 15.0
"""Seconds the axon's server thread gets to start listening (``start()`` returns before it does)."""


class AxonHandlers:
    """The three functions the axon calls per request, over one service, policy and roster source."""

    def __init__(self, service: MinerService, policy: CallerPolicy, roster: RosterSource) -> None:
        self.service = service
        self.policy = policy
        self.roster = roster

    async def forward(self, synapse: RebalanceQuery) -> RebalanceQuery:
        return await self.service.answer(synapse)

    def blacklist(self, synapse: RebalanceQuery) -> typing.Tuple[bool, str]:  # noqa: UP006 (bittensor checks it)
        blocked, reason = self.policy.verdict(_caller(synapse), self.roster())
        if blocked:
            logger.debug("refused caller: {}", reason)
        return blocked, reason

    def priority(self, synapse: RebalanceQuery) -> float:
        return self.policy.priority(_caller(synapse), self.roster())


def _caller(synapse: RebalanceQuery) -> typing.Optional[str]:
    terminal = synapse.dendrite
    return None if terminal is None else terminal.hotkey


def load_wallet(settings: MinerSettings) -> Wallet:
    """The configured wallet with its hotkey loaded; ``WalletError`` names where it was looked for."""
    wallet = Wallet(name=settings.wallet_name, hotkey=settings.wallet_hotkey, path=str(settings.wallet_dir))
    try:
        _ = wallet.hotkey.ss58_address
    except KeyFileError as exc:
        raise WalletError(
            f"cannot load hotkey {settings.wallet_hotkey!r} of wallet {settings.wallet_name!r} under "
            f"{settings.wallet_dir}: {exc} (create it with `btcli wallet new_hotkey`)"
        ) from None
    return wallet


def build_axon(wallet: Wallet, settings: MinerSettings, handlers: AxonHandlers) -> bt.Axon:
    """A ``bt.Axon`` bound to ``settings.bind_ip:axon_port`` with the handlers attached (not started)."""
    external_ip = settings.axon_external_ip or (settings.bind_ip if settings.network == "local" else None)
    axon = bt.Axon(wallet=wallet, ip=settings.bind_ip, port=settings.axon_port, external_ip=external_ip,
                   external_port=settings.axon_external_port)
    axon.fast_config.host = settings.bind_ip  # bittensor hard-codes 0.0.0.0 in uvicorn's config
    axon.attach(forward_fn=handlers.forward, blacklist_fn=handlers.blacklist, priority_fn=handlers.priority)
    return axon


def check_port_free(host: str, port: int) -> None:
    """``PortUnavailable`` unless ``host:port`` can be bound now: bittensor's server thread would
    otherwise fail on its own while the process carries on without listening."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortUnavailable(f"the axon cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def wait_until_listening(host: str, port: int, timeout_s: float = LISTEN_TIMEOUT_S) -> None:
    """Block until ``host:port`` accepts connections (0.0.0.0 is probed on loopback)."""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise PortUnavailable(f"the axon did not start listening on {host}:{port} "
                                      f"within {timeout_s:.0f} s") from None
            time.sleep(0.05)


def _install_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()

    def on_signal(number: int) -> None:
        if stop.is_set():
            logger.warning("second {}: exiting now", signal.Signals(number).name)
            os._exit(EXIT_FAILURE)
        logger.info("{} received: stopping (send it again to force)", signal.Signals(number).name)
        stop.set()

    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, on_signal, number)


async def _network_roster(settings: MinerSettings, wallet: Wallet) -> typing.Optional[MetagraphWatcher]:
    """finney/test: the watcher after its first read; None when our own hotkey is not registered."""
    network = settings.subtensor_target
    watcher = MetagraphWatcher(network, settings.netuid, refresh_s=settings.metagraph_refresh_seconds)
    try:
        roster = await watcher.refresh()
    except Exception as exc:  # subtensor unreachable: serve anyway, the watcher keeps retrying
        logger.error("first metagraph read failed ({}: {}); refusing callers until it succeeds",
                     type(exc).__name__, exc)
        return watcher
    own = wallet.hotkey.ss58_address
    if own not in roster.callers:
        logger.error("hotkey {} is not registered on netuid {} ({}); register it with "
                     "`btcli subnet register --netuid {}`", own, settings.netuid, network, settings.netuid)
        return None
    return watcher


async def _announce(settings: MinerSettings, axon: bt.Axon) -> None:
    """Publish the axon's address on chain; a failure is logged (validators may know the old one)."""
    from bittensor.core.async_subtensor import AsyncSubtensor

    try:
        async with AsyncSubtensor(network=settings.subtensor_target) as subtensor:
            response = await subtensor.serve_axon(settings.netuid, axon)
        if getattr(response, "success", False) is True:
            logger.info("axon announced on chain at {}:{}", axon.external_ip, axon.external_port)
        else:
            logger.error("announcing the axon failed: {}", getattr(response, "message", response))
    except Exception as exc:  # chain trouble must not stop a miner that validators may already know
        logger.error("announcing the axon failed ({}: {})", type(exc).__name__, exc)


Callers = typing.Tuple[CallerPolicy, RosterSource, typing.Optional[MetagraphWatcher]]


async def _callers(settings: MinerSettings, wallet: Wallet) -> typing.Optional[Callers]:
    """Who may call: the allowlist in local mode, else the metagraph (None: our hotkey is unregistered)."""
    if settings.network == "local":
        static = Roster.allowlist(settings.allowed_hotkeys)
        if not settings.allowed_hotkeys:
            logger.warning("local mode with no --allowed-hotkey: every caller will be refused")
        return CallerPolicy(min_stake=0.0, require_permit=True), lambda: static, None
    watcher = await _network_roster(settings, wallet)
    if watcher is None:
        return None
    return CallerPolicy(settings.min_validator_stake, settings.require_validator_permit), watcher.roster, watcher


async def serve(settings: MinerSettings) -> int:
    """Run the miner until SIGINT/SIGTERM; the exit code."""
    wallet = load_wallet(settings)
    check_port_free(settings.bind_ip, settings.axon_port)
    stop = asyncio.Event()
    _install_signals(stop)
    callers = await _callers(settings, wallet)
    if callers is None or stop.is_set():
        return EXIT_FAILURE if callers is None else EXIT_OK
    policy, roster, watcher = callers
    service = build_service(settings)
    axon = build_axon(wallet, settings, AxonHandlers(service, policy, roster))
    if watcher is not None and settings.serve_axon_on_chain:
        await _announce(settings, axon)
    try:
        axon.start()
        await asyncio.to_thread(wait_until_listening, settings.bind_ip, settings.axon_port)
        logger.info("miner {} serving on {}:{} (network {}, netuid {}, strategy {})", wallet.hotkey.ss58_address,
                    settings.bind_ip, settings.axon_port, settings.network, settings.netuid,
                    service.strategy.describe())
        async with asyncio.TaskGroup() as group:
            if watcher is not None:
                group.create_task(watcher.run(stop))
            await stop.wait()
    finally:
        axon.stop()
        service.close()
        logger.info("miner stopped after {} queries ({})", service.stats.queries, service.stats)
    return EXIT_OK
