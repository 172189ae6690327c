"""The real ``RpcClient`` over an in-process transport, for chains no devchain can run (Slipstream).

Subclasses answer one JSON-RPC call in ``answer`` and raise ``Reverted`` for an ``eth_call`` that
reverts; everything above the transport (batching, per-call error classification, stats) is the
production client's.
"""

from __future__ import annotations

from typing import Any

from validator.chain.rpc import RpcClient, RpcOptions


class Reverted(Exception):
    """An ``eth_call`` of the fake chain reverts (with this reason)."""


class FakeNodeRpc(RpcClient):
    """An ``RpcClient`` whose one endpoint is ``answer`` instead of an HTTP node."""

    def __init__(self) -> None:
        super().__init__(["http://fake.invalid"], RpcOptions(rate_limit_per_s=10_000))
        setattr(self.endpoints[0].provider, "make_batch_request", self._transport)

    def answer(self, method: str, params: list[Any]) -> Any:
        raise NotImplementedError

    async def _ensure_session(self) -> None:
        """No HTTP session: ``_transport`` answers every batch."""

    async def _transport(self, requests: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        return [self._response(i, method, params) for i, (method, params) in enumerate(requests)]

    def _response(self, request_id: int, method: str, params: list[Any]) -> dict[str, Any]:
        """One answer as a node gives it (a revert is an error object with code 3)."""
        try:
            return {"jsonrpc": "2.0", "id": request_id, "result": self.answer(method, params)}
        except Reverted as exc:
            return {"jsonrpc": "2.0", "id": request_id, "error": {"code": 3, "message": f"execution reverted: {exc}"}}
