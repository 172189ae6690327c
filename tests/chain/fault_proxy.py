"""A loopback JSON-RPC proxy (aiohttp) that injects faults in front of the devchain node.

Each request takes the next fault of a cyclic ``schedule``: ``ok`` (forwarded), ``429``, ``500``,
``timeout`` (answers only after ``delay_s``), ``truncated`` (the connection drops mid-body),
``malformed`` (200 with invalid JSON), ``short`` (a batch answer missing its last item). Independently,
``max_log_range`` makes it answer eth_getLogs calls over more blocks with error -32005 "query returned
more than 10000 results", as hosted endpoints do.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from itertools import cycle
from typing import Any

import aiohttp
from aiohttp import web


class FaultProxy:
    """``async with FaultProxy(upstream, ["429", "ok"]) as proxy:`` then use ``proxy.url``."""

    def __init__(self, upstream: str, schedule: list[str] | None = None, *, delay_s: float = 3.0,
                 max_log_range: int | None = None, path: str = "/") -> None:
        self.upstream = upstream
        self._schedule = cycle(schedule or ["ok"])
        self.delay_s = delay_s
        self.max_log_range = max_log_range
        self.path = path
        self.seen: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def __aenter__(self) -> FaultProxy:
        app = web.Application()
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, body: bytes) -> bytes:
        assert self._session is not None
        async with self._session.post(self.upstream, data=body, headers={"Content-Type": "application/json"}) as r:
            return await r.read()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        fault = next(self._schedule)
        self.seen[fault] += 1
        if fault == "429":
            return web.Response(status=429, text="Too Many Requests")
        if fault == "500":
            return web.Response(status=502, text="Bad Gateway")
        if fault == "malformed":
            return web.Response(status=200, text='{"jsonrpc": "2.0", "result": [oops', content_type="application/json")
        if fault == "timeout":
            await asyncio.sleep(self.delay_s)
        answer = await self._answer(body)
        if fault == "short" and isinstance(answer, list) and len(answer) > 1:
            answer = answer[:-1]
        data = json.dumps(answer).encode()
        if fault == "truncated":
            return await self._truncated(request, data)
        return web.Response(body=data, content_type="application/json")

    async def _answer(self, body: bytes) -> Any:
        request = json.loads(body)
        items = request if isinstance(request, list) else [request]
        too_big = {i for i, item in enumerate(items) if self._log_range_too_big(item)}
        forwarded = [item for i, item in enumerate(items) if i not in too_big]
        answers = json.loads(await self._forward(json.dumps(forwarded).encode())) if forwarded else []
        by_id = {a["id"]: a for a in answers}
        out = []
        for i, item in enumerate(items):
            if i in too_big:
                self.seen["range"] += 1
                out.append({"jsonrpc": "2.0", "id": item["id"],
                            "error": {"code": -32005, "message": "query returned more than 10000 results"}})
            else:
                out.append(by_id[item["id"]])
        return out if isinstance(request, list) else out[0]

    def _log_range_too_big(self, item: dict[str, Any]) -> bool:
        if self.max_log_range is None or item.get("method") != "eth_getLogs":
            return False
        query = item["params"][0]
        return int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1 > self.max_log_range

    async def _truncated(self, request: web.Request, data: bytes) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[: len(data) // 2])
        assert request.transport is not None
        request.transport.close()
        return response
