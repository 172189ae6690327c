"""``SubtensorChainClient``: the ``ChainClient`` over bittensor 10.5's ``AsyncSubtensor``.

One websocket, opened on the first call (nothing touches the network at construction) and kept
open (bittensor's idle auto-close is disabled); ``close()`` releases it. Every call runs under a
timeout in seconds. A timeout or a dropped connection resets the websocket, so the next call
reconnects instead of reusing a half-dead one. Errors come out as ``ChainClientError`` subclasses.

Usage::

    client = SubtensorChainClient("finney", wallet=wallet)
    try:
        snapshot = await client.metagraph(98)
        result = await client.set_weights(98, [1, 5], [0.7, 0.3], version_key=1, wait_for_inclusion=True)
    finally:
        await client.close()
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from loguru import logger
from numpy.typing import NDArray

from validator.config import ValidatorSettings
from validator.subtensor._convert import metagraph_snapshot, weights_result
from validator.subtensor._weights import process_for_chain
from validator.subtensor.errors import (
    ChainClientError,
    ChainQueryError,
    ChainTimeout,
    ChainUnavailable,
    WalletUnavailable,
)
from validator.subtensor.types import MetagraphSnapshot, WeightsResult

T = TypeVar("T")
ErrorTypes = tuple[type[BaseException], ...]


@functools.cache
def _connection_errors() -> ErrorTypes:
    """Errors meaning the websocket is gone (imported on first use: async_substrate_interface is slow to load)."""
    from async_substrate_interface.errors import MaxRetriesExceeded
    from websockets.exceptions import ConnectionClosed, InvalidHandshake

    return (ConnectionError, OSError, ConnectionClosed, InvalidHandshake, MaxRetriesExceeded)


@functools.cache
def _bad_answer_errors() -> ErrorTypes:
    """Errors meaning the chain answered something we cannot use."""
    from async_substrate_interface.errors import SubstrateRequestException

    return (SubstrateRequestException, KeyError, IndexError, ValueError, TypeError)


class SubtensorChainClient:
    """Reads the metagraph and hyperparameters, sets weights. ``network`` is a bittensor network
    name (``finney``, ``test``, ``local``) or a ``ws://``/``wss://`` endpoint; ``wallet`` (a
    ``bittensor_wallet.Wallet``) is needed only for ``set_weights``."""

    def __init__(
        self, network: str, *, wallet: Any = None, call_timeout_s: float = 30.0,
        connect_timeout_s: float = 30.0, set_weights_timeout_s: float = 180.0,
    ) -> None:
        self._network = network
        self._wallet = wallet
        self._call_timeout_s = call_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._set_weights_timeout_s = set_weights_timeout_s
        self._subtensor: Any = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: ValidatorSettings, wallet: Any = None) -> SubtensorChainClient:
        """The endpoint from ``--subtensor.chain_endpoint``, else the ``--subtensor.network`` name."""
        network = settings.subtensor_target
        return cls(network, wallet=wallet)

    @property
    def network(self) -> str:
        return self._network

    async def metagraph(self, netuid: int) -> MetagraphSnapshot:
        """Every uid at the head: ``neurons_lite`` and the owner hotkey, both read at one block hash."""
        async def read(st: Any) -> tuple[int, list[Any], Any]:
            block = int(await st.get_current_block())
            block_hash = await st.get_block_hash(block)
            neurons, owner = await asyncio.gather(
                st.neurons_lite(netuid, block_hash=block_hash),
                st.get_subnet_owner_hotkey(netuid, block_hash=block_hash),
            )
            return block, list(neurons), owner

        block, neurons, owner = await self._call(f"metagraph({netuid})", read)
        if not neurons:
            raise ChainQueryError(f"netuid {netuid} has no neurons at block {block} (does the subnet exist?)")
        return metagraph_snapshot(netuid, block, neurons, owner)

    async def current_block(self) -> int:
        return int(await self._call("current_block", lambda st: st.get_current_block()))

    async def weights_rate_limit(self, netuid: int) -> int:
        value = await self._call(f"weights_rate_limit({netuid})", lambda st: st.weights_rate_limit(netuid))
        return _required_int(value, f"weights rate limit of netuid {netuid}")

    async def blocks_since_last_update(self, netuid: int, uid: int) -> int:
        value = await self._call(f"blocks_since_last_update({netuid}, {uid})",
                                 lambda st: st.blocks_since_last_update(netuid, uid))
        return _required_int(value, f"last update of uid {uid} on netuid {netuid}")

    async def set_weights(
        self, netuid: int, uids: Sequence[int], weights: Sequence[float], *, version_key: int,
        wait_for_inclusion: bool,
    ) -> WeightsResult:
        """Normalise against the subnet's limits, then bittensor's ``set_weights`` (direct or
        commit-reveal, as the subnet requires) with one attempt: the caller retries next interval.
        Raises ``WeightsInputError`` for a vector that must not be sent, ``WalletUnavailable``
        without a usable hotkey, ``ChainClientError`` when the chain cannot be reached."""
        wallet = self._signing_wallet()
        num_neurons, min_allowed, max_limit = await self._call(f"weight limits({netuid})", _limits(netuid))
        if num_neurons is None:
            raise ChainQueryError(f"netuid {netuid} does not exist")
        final_uids, final_weights = process_for_chain(
            uids, weights, num_neurons=int(num_neurons), min_allowed_weights=int(min_allowed or 0),
            max_weight_limit=1.0 if max_limit is None else float(max_limit),
        )
        kwargs = set_weights_kwargs(wallet, netuid, final_uids, final_weights, version_key, wait_for_inclusion)
        response = await self._call(f"set_weights({netuid})", lambda st: st.set_weights(**kwargs),
                                    timeout_s=self._set_weights_timeout_s)
        result = weights_result(response)
        logger.info("set_weights netuid={} uids={} success={} message={}", netuid, len(final_uids),
                    result.success, result.message)
        return result

    async def close(self) -> None:
        async with self._lock:
            await self._reset()

    def _signing_wallet(self) -> Any:
        if self._wallet is None:
            raise WalletUnavailable("set_weights needs a wallet; none is configured")
        try:
            _ = self._wallet.hotkey.ss58_address
        except Exception as exc:  # bittensor_wallet raises KeyFileError and friends
            raise WalletUnavailable(f"cannot load the wallet's hotkey: {exc}") from exc
        return self._wallet

    async def _call(self, what: str, call: Callable[[Any], Awaitable[T]], *, timeout_s: float | None = None) -> T:
        limit = self._call_timeout_s if timeout_s is None else timeout_s
        subtensor = await self._connected()
        try:
            async with asyncio.timeout(limit):
                return await call(subtensor)
        except TimeoutError as exc:
            await self._drop(subtensor)
            raise ChainTimeout(f"{what}: no answer within {limit} s from {self._network}") from exc
        except _connection_errors() as exc:
            await self._drop(subtensor)
            raise ChainUnavailable(f"{what}: connection to {self._network} failed: {exc!r}") from exc
        except _bad_answer_errors() as exc:
            raise ChainQueryError(f"{what}: {exc!r}") from exc

    async def _connected(self) -> Any:
        async with self._lock:
            if self._subtensor is None:
                self._subtensor = await self._open()
            return self._subtensor

    async def _open(self) -> Any:
        import bittensor as bt  # heavy (~0.6 s) and resets loggers: only when the chain is used

        subtensor: Any = bt.AsyncSubtensor(network=self._network, websocket_shutdown_timer=None)
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                await subtensor.initialize()
        except TimeoutError as exc:
            await _quietly_close(subtensor)
            raise ChainTimeout(f"connecting to {self._network}: no answer within {self._connect_timeout_s} s") from exc
        except _connection_errors() + _bad_answer_errors() as exc:
            await _quietly_close(subtensor)
            raise ChainUnavailable(f"connecting to {self._network} failed: {exc!r}") from exc
        logger.info("subtensor connected: {}", subtensor.chain_endpoint)
        return subtensor

    async def _drop(self, subtensor: Any) -> None:
        """Forget a connection that timed out or broke (unless another call already replaced it)."""
        async with self._lock:
            if self._subtensor is subtensor:
                await self._reset()

    async def _reset(self) -> None:
        subtensor, self._subtensor = self._subtensor, None
        if subtensor is not None:
            await _quietly_close(subtensor)


def set_weights_kwargs(
    wallet: Any, netuid: int, uids: NDArray[np.int64], weights: NDArray[np.float32], version_key: int,
    wait_for_inclusion: bool,
) -> dict[str, Any]:
    """Arguments of ``AsyncSubtensor.set_weights``: one attempt (we retry on our own schedule),
    failures returned not raised, ``version_key`` explicit, no wait for finalization."""
    return {
        "wallet": wallet, "netuid": netuid, "uids": uids, "weights": weights, "version_key": version_key,
        "max_attempts": 1, "raise_error": False, "wait_for_inclusion": wait_for_inclusion,
        "wait_for_finalization": False,
    }


def _limits(netuid: int) -> Callable[[Any], Awaitable[tuple[Any, Any, Any]]]:
    async def read(st: Any) -> tuple[Any, Any, Any]:
        block_hash = await st.get_block_hash()
        n, min_allowed, max_limit = await asyncio.gather(
            st.subnetwork_n(netuid, block_hash=block_hash),
            st.min_allowed_weights(netuid, block_hash=block_hash),
            st.max_weight_limit(netuid, block_hash=block_hash),
        )
        return n, min_allowed, max_limit

    return read


def _required_int(value: object, what: str) -> int:
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise ChainQueryError(f"{what}: no value from the chain (got {value!r})")
    return value


async def _quietly_close(subtensor: Any) -> None:
    try:
        async with asyncio.timeout(5.0):
            await subtensor.close()
    except (TimeoutError, RuntimeError) + _connection_errors() + _bad_answer_errors() as exc:
        logger.debug("closing the subtensor connection: {!r}", exc)


__all__ = ["ChainClientError", "SubtensorChainClient"]
