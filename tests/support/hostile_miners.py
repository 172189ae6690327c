"""Hostile miners: axon forwards that put raw junk on the wire, and raw HTTP servers that are not axons.

Each axon behaviour writes its fields into the synapse's ``__dict__`` (bypassing pydantic, as a
miner's own code could) and is paired with the reason code the validator must record. The raw
servers answer ``POST /RebalanceQuery`` with a 100 MB stream, a trickle, or HTML.

No `from __future__ import annotations`: the Axon reads the forward's annotation as a class.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from protocol.synapse import RebalanceQuery
from tests.support.bt_local import LOOPBACK, free_port

Forward = Callable[[RebalanceQuery], Awaitable[RebalanceQuery]]
MIN_TICK_BELOW = -887_280  # a multiple of 60 below MIN_TICK (-887,272)


def _answering(name: str, fields: Callable[[RebalanceQuery], dict[str, Any]]) -> Forward:
    async def forward(synapse: RebalanceQuery) -> RebalanceQuery:
        synapse.__dict__.update(fields(synapse))
        return synapse

    forward.__name__ = name
    return forward


def _position(**changes: Any) -> dict[str, Any]:
    return {"tick_lower": -600, "tick_upper": 600, "allocation0": "1", "allocation1": "1", **changes}


def _nested(depth: int) -> Any:
    value: Any = "junk"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: dict[str, tuple[Callable[[RebalanceQuery], dict[str, Any]], str]] = {
    "ten_thousand_positions": (lambda s: {"desired_positions": [_position()] * 10_000}, "too_many_positions"),
    "megabyte_reason": (lambda s: {"accepted": False, "refusal_reason": "x" * 1_000_000}, "oversized_field"),
    "megabyte_allocation": (lambda s: {"desired_positions": [_position(allocation0="9" * 1_000_000)]},
                            "absurd_size"),
    "nested_junk": (lambda s: {"desired_positions": [_nested(200)]}, "malformed"),
    "tick_below_min": (lambda s: {"desired_positions": [_position(tick_lower=MIN_TICK_BELOW)]}, "tick_out_of_bounds"),
    "fractional_tick": (lambda s: {"desired_positions": [_position(tick_lower=-599.5)]}, "tick_not_integer"),
    "exponent_tick": (lambda s: {"desired_positions": [_position(tick_upper=6e2)]}, "tick_not_integer"),
    "exponent_allocation": (lambda s: {"desired_positions": [_position(allocation0="1e18")]}, "non_integer_amount"),
    "negative_allocation": (lambda s: {"desired_positions": [_position(allocation1="-5")]}, "negative_amount"),
    "unicode_digits": (lambda s: {"desired_positions": [_position(allocation0="\u0661\u0662\u0663")]},
                       "non_integer_amount"),
    "accepted_not_bool": (lambda s: {"accepted": "yes"}, "malformed"),
    "reason_not_text": (lambda s: {"accepted": False, "refusal_reason": {"why": 1}}, "malformed"),
    "positions_not_list": (lambda s: {"desired_positions": "all of it"}, "malformed"),
    "position_not_object": (lambda s: {"desired_positions": [42]}, "malformed"),
    "tick_as_text": (lambda s: {"desired_positions": [_position(tick_upper="600")]}, "tick_not_integer"),
    "allocation_as_number": (lambda s: {"desired_positions": [_position(allocation1=1)]}, "malformed"),
    "confidence_as_text": (lambda s: {"desired_positions": [_position(confidence="high")]}, "bad_confidence"),
}
"""Behaviour name -> (the response fields it sends, the reason code the validator must record)."""

HOSTILE_AXONS = [_answering(name, fields) for name, (fields, _) in HOSTILE.items()]


async def _huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await response.write(b'{"accepted": true, "refusal_reason": "')
    chunk = b"A" * (1 << 20)
    with contextlib.suppress(ConnectionError):
        for _ in range(100):
            await response.write(chunk)
    return response


async def _trickle(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        for _ in range(600):
            await response.write(b" ")
            await asyncio.sleep(0.1)
    return response


async def _html(request: web.Request) -> web.Response:
    return web.Response(text="<html>hello</html>", content_type="text/html")


RAW_SERVERS: dict[str, tuple[Callable[[web.Request], Awaitable[web.StreamResponse]], str]] = {
    "hundred_megabytes": (_huge, "oversized_response"),
    "trickle": (_trickle, "timeout"),
    "html": (_html, "miner_error"),
}
"""Raw HTTP server name -> (its handler, the reason code the validator must record)."""


@dataclass(frozen=True, slots=True)
class RawServer:
    name: str
    port: int


@contextlib.asynccontextmanager
async def raw_servers() -> AsyncIterator[list[RawServer]]:
    """Every ``RAW_SERVERS`` entry listening on its own loopback port (in the running loop)."""
    runners, servers = [], []
    try:
        for name, (handler, _) in RAW_SERVERS.items():
            app = web.Application()
            app.router.add_post("/RebalanceQuery", handler)
            runner = web.AppRunner(app)
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, LOOPBACK, port).start()
            runners.append(runner)
            servers.append(RawServer(name, port))
        yield servers
    finally:
        for runner in runners:
            await runner.cleanup()
