"""The bittensor v10 transport: RebalanceQuery over ``bt.Dendrite`` to miners' axons.

Known traps handled here (FACTS.md): calls use ``deserialize=False`` and the status code is
checked; in-flight requests stay below the HTTP connection pool size (with aiohttp's default pool
of 100, 256 concurrent queries fail with "Nonce is too old"); the dendrite's ``synapse_history``
is cleared after every batch (it grows by one entry per call). The miner's raw JSON is kept, so a
response that does not even fit the synapse model still gets a precise rejection reason from the
protocol layer instead of a generic "invalid response". A response body is read up to
``max_response_bytes`` and no further (bittensor reads the whole body otherwise, so one miner could
make the validator hold 100 MB per query): a larger one is cut off and reported as ``OVERSIZED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import aiohttp
import bittensor as bt
from bittensor.utils import networking
from bittensor_wallet import Wallet

from protocol.synapse import RebalanceQuery
from validator.miners.types import MinerEndpoint, MinerReply, RebalanceRequest, ReplyStatus

RESPONSE_FIELDS = ("accepted", "refusal_reason", "desired_positions", "miner_metadata")
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
"""Bytes of one response body: the synapse echo plus 10 positions is a few kB; a 1 MB field still
fits, so the protocol layer names what is wrong with it (oversized_field, absurd_size, ...)."""
_STATUS_BY_CODE = {
    200: ReplyStatus.OK, 408: ReplyStatus.TIMEOUT, 503: ReplyStatus.UNREACHABLE,
    401: ReplyStatus.REJECTED, 403: ReplyStatus.REJECTED, 500: ReplyStatus.MINER_ERROR,
    422: ReplyStatus.MINER_ERROR,
}


class ResponseTooLarge(Exception):
    """A miner's response body is larger than the transport reads."""


class _BoundedResponse(aiohttp.ClientResponse):
    """A response whose body is read in chunks and abandoned past ``max_bytes`` (declared or sent)."""

    max_bytes = MAX_RESPONSE_BYTES

    async def read(self) -> bytes:
        if self._body is None:
            declared = self.content_length
            if declared is not None and declared > self.max_bytes:
                self.close()
                raise ResponseTooLarge(f"response declares {declared} bytes, at most {self.max_bytes} read")
            self._body = await self._read_bounded()
        return await super().read()

    async def _read_bounded(self) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in self.content.iter_any():
                size += len(chunk)
                if size > self.max_bytes:
                    raise ResponseTooLarge(f"response body passed {self.max_bytes} bytes")
                chunks.append(chunk)
        except BaseException:
            self.close()
            raise
        return b"".join(chunks)


def _bounded_response_class(max_bytes: int) -> type[aiohttp.ClientResponse]:
    return type("BoundedResponse", (_BoundedResponse,), {"max_bytes": max_bytes})


class _KeepingDendrite(bt.Dendrite):
    """A Dendrite with a sized connection pool and a bounded response size that remembers each
    response's raw JSON (and which calls were cut off for size)."""

    def __init__(self, wallet: Wallet, pool_size: int, max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        super().__init__(wallet=wallet)
        self._pool_size = pool_size
        self._response_class = _bounded_response_class(max_response_bytes)
        self.raw_responses: dict[int, Any] = {}
        self.oversized: dict[int, str] = {}

    @property
    async def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # No keep-alive: each miner is asked once per checkpoint, checkpoints are seconds to minutes
            # apart, and the axon (uvicorn) closes idle connections after 5 s; a pooled connection the
            # axon has just closed would fail an honest miner's query (tests/faults/test_keepalive_race.py).
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0, force_close=True)
            self._session = aiohttp.ClientSession(connector=connector, response_class=self._response_class)
        return self._session

    def process_error_message(self, synapse: bt.Synapse, request_name: str, exception: Exception) -> bt.Synapse:
        if isinstance(exception, ResponseTooLarge):
            self.oversized[id(synapse)] = str(exception)
        result: bt.Synapse = super().process_error_message(synapse, request_name, exception)
        return result

    def process_server_response(
        self, server_response: aiohttp.ClientResponse, json_response: Any, local_synapse: bt.Synapse
    ) -> None:
        if server_response.status == 200:
            self.raw_responses[id(local_synapse)] = json_response
        super().process_server_response(server_response, json_response, local_synapse)


@contextlib.contextmanager
def _advertised_ip(ip: str | None) -> Iterator[None]:
    if ip is None:
        yield
        return
    original = networking.get_external_ip
    networking.get_external_ip = lambda: ip
    try:
        yield
    finally:
        networking.get_external_ip = original


def _status(code: Any) -> tuple[ReplyStatus, int | None]:
    try:
        number = int(code)
    except (TypeError, ValueError):
        return ReplyStatus.TRANSPORT_ERROR, None
    return _STATUS_BY_CODE.get(number, ReplyStatus.TRANSPORT_ERROR), number


def _answer_fields(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    return {name: raw[name] for name in RESPONSE_FIELDS if name in raw}


class DendriteTransport:
    """``MinerTransport`` over the v10 dendrite, with at most ``max_in_flight`` calls at once."""

    def __init__(self, wallet: Wallet, *, max_in_flight: int = 256, external_ip: str | None = None,
                 max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        """``external_ip``: the address to advertise instead of asking outside services for it
        (bittensor's Dendrite looks the public IP up at construction; local networks pass 127.0.0.1).
        ``max_response_bytes``: the most of one response body read (larger ones are ``OVERSIZED``)."""
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be >= 1")
        with _advertised_ip(external_ip):
            self._dendrite = _KeepingDendrite(wallet, pool_size=max_in_flight + 64,
                                              max_response_bytes=max_response_bytes)
        self._slots = asyncio.Semaphore(max_in_flight)

    async def query_many(
        self, requests: Sequence[tuple[MinerEndpoint, RebalanceRequest]], timeout_s: float
    ) -> list[MinerReply]:
        try:
            return list(await asyncio.gather(*(self._query(e, r, timeout_s) for e, r in requests)))
        finally:
            self._dendrite.synapse_history.clear()

    async def _query(self, endpoint: MinerEndpoint, request: RebalanceRequest, timeout_s: float) -> MinerReply:
        async with self._slots:
            started = time.perf_counter()
            try:
                synapse = RebalanceQuery(**request.wire_fields())
            except Exception as exc:  # our own request failed validation: a bug, reported per miner
                return MinerReply(endpoint, ReplyStatus.TRANSPORT_ERROR, 0, message=f"bad request: {exc}")
            axon = bt.AxonInfo(version=0, ip=endpoint.ip, port=endpoint.port, ip_type=4,
                               hotkey=endpoint.hotkey, coldkey="")
            result = await self._dendrite.call(target_axon=axon, synapse=synapse, timeout=timeout_s,
                                               deserialize=False)
            elapsed_ms = int((time.perf_counter() - started) * 1000)
            raw = self._dendrite.raw_responses.pop(id(synapse), None)
            cut = self._dendrite.oversized.pop(id(synapse), None)
        if cut is not None:
            return MinerReply(endpoint, ReplyStatus.OVERSIZED, elapsed_ms, None, None, cut)
        return self._reply(endpoint, result, raw, elapsed_ms)

    @staticmethod
    def _reply(endpoint: MinerEndpoint, result: bt.Synapse, raw: Any, elapsed_ms: int) -> MinerReply:
        terminal = result.dendrite
        status, code = _status(getattr(terminal, "status_code", None))
        message = str(getattr(terminal, "status_message", "") or "")[:500]
        if raw is not None:
            # HTTP 200 with a body: the miner answered; its content is judged by the protocol layer.
            return MinerReply(endpoint, ReplyStatus.OK, elapsed_ms, _answer_fields(raw), 200, message)
        return MinerReply(endpoint, status, elapsed_ms, None, code, message)

    async def close(self) -> None:
        await self._dendrite.aclose_session()  # type: ignore[no-untyped-call]
