"""Batched JSON-RPC transactions from the node's unlocked accounts: the devchain's fast path.

One HTTP request carries a whole batch of `eth_sendTransaction` calls. Hardhat handles the items
of a batch concurrently (their arrival order is not kept), so `send` switches automine off, gives
every transaction an explicit nonce and a priority fee that falls along the batch (the node orders a
block by tip, so the batch is mined in its planned order, across senders too), mines blocks until
all are in, and switches automine back on. Gas is explicit, so the node does no estimation round-trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from web3 import Web3
from web3.types import RPCEndpoint

from scripts.devchain.errors import RpcCallFailed, TransactionFailed

__all__ = ["Rpc", "Tx", "TxOutcome"]

DEFAULT_GAS = 5_000_000
MAX_FEE_PER_GAS = 10**12  # wei; far above the devchain's base fee (it starts at 0), accounts hold 1e27


@dataclass(frozen=True)
class Tx:
    """A transaction to send from an unlocked account (`data` hex with 0x; `value` in wei)."""

    sender: str
    to: str | None
    data: str
    value: int = 0
    gas: int = DEFAULT_GAS

    def params(self) -> dict[str, str]:
        out = {"from": self.sender, "data": self.data, "gas": hex(self.gas), "value": hex(self.value)}
        if self.to is not None:
            out["to"] = self.to
        return out


@dataclass(frozen=True)
class TxOutcome:
    """What became of one transaction of a batch: its mined receipt (raw JSON), or why it failed."""

    tx_hash: str | None
    error: str | None
    receipt: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return self.error is None


class Rpc:
    """Raw JSON-RPC helpers over a web3 handle (no middleware, no formatting on these calls)."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self._nonces: dict[str, int] = {}

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """Send calls as one JSON-RPC batch; responses are returned in call order."""
        if not calls:
            return []
        requests = [(RPCEndpoint(method), params) for method, params in calls]
        raw = self.w3.provider.make_batch_request(requests)  # type: ignore[attr-defined]
        if not isinstance(raw, list):
            raise RpcCallFailed(f"batch rejected: {raw}")
        responses = cast(list[dict[str, Any]], raw)
        return sorted(responses, key=lambda r: int(r.get("id", 0)))

    def send(self, txs: Sequence[Tx]) -> list[TxOutcome]:
        """Send and mine transactions; per-transaction outcome (a revert is an outcome, not raised)."""
        if not txs:
            return []
        params = [
            tx.params() | {"nonce": hex(self._take_nonce(tx.sender)), **_fees(len(txs) - i)} for i, tx in enumerate(txs)
        ]
        self.batch([("evm_setAutomine", [False])])
        try:
            sent = [_sent(r) for r in self.batch([("eth_sendTransaction", [p]) for p in params])]
            receipts = self._mine_until_included([h for h, _ in sent if h is not None])
        finally:
            self.batch([("evm_setAutomine", [True])])
        return [_outcome(h, err, receipts.get(h) if h else None) for h, err in sent]

    def send_all(self, txs: Sequence[Tx]) -> list[dict[str, Any]]:
        """Send and mine transactions, return their receipts; raise on the first failure or revert."""
        outcomes = self.send(txs)
        for index, outcome in enumerate(outcomes):
            if outcome.error is not None:
                raise TransactionFailed(outcome.error, index=index)
        return [cast(dict[str, Any], o.receipt) for o in outcomes]

    def mine(self, blocks: int = 1) -> None:
        """Mine `blocks` blocks with whatever is pending (empty blocks if nothing is)."""
        for _ in range(blocks):
            self.batch([("evm_mine", [])])

    def snapshot(self) -> str:
        """Take an EVM snapshot (id for `revert`)."""
        (r,) = self.batch([("evm_snapshot", [])])
        return str(r["result"])

    def revert(self, snapshot_id: str) -> None:
        """Return the chain to a snapshot; cached nonces are forgotten since they went back too."""
        (r,) = self.batch([("evm_revert", [snapshot_id])])
        self._nonces.clear()
        if r.get("result") is not True:
            raise RpcCallFailed(f"evm_revert({snapshot_id}) failed: {r}")

    def _take_nonce(self, sender: str) -> int:
        key = sender.lower()
        if key not in self._nonces:
            (r,) = self.batch([("eth_getTransactionCount", [sender, "pending"])])
            self._nonces[key] = int(r["result"], 16)
        nonce = self._nonces[key]
        self._nonces[key] = nonce + 1
        return nonce

    def _mine_until_included(self, tx_hashes: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for _ in range(max(1, len(tx_hashes))):
            if len(found) == len(tx_hashes):
                break
            self.batch([("evm_mine", [])])
            waiting = [h for h in tx_hashes if h not in found]
            for h, r in zip(waiting, self.batch([("eth_getTransactionReceipt", [h]) for h in waiting]), strict=True):
                if r.get("result") is not None:
                    found[h] = r["result"]
        if len(found) != len(tx_hashes):
            raise RpcCallFailed(f"{len(tx_hashes) - len(found)} transactions were never mined")
        return found

    def receipts(self, tx_hashes: Sequence[str]) -> list[dict[str, Any]]:
        """Receipts of mined transactions, in order (raw JSON: hex quantities)."""
        responses = self.batch([("eth_getTransactionReceipt", [h]) for h in tx_hashes])
        out = []
        for response in responses:
            if response.get("result") is None:
                raise RpcCallFailed(f"no receipt: {response}")
            out.append(cast(dict[str, Any], response["result"]))
        return out

    def call(self, to: str, data: str, block: str = "latest") -> str:
        """eth_call returning the raw hex result."""
        (response,) = self.batch([("eth_call", [{"to": to, "data": data}, block])])
        if "error" in response:
            raise RpcCallFailed(f"eth_call to {to} failed: {response['error']}")
        return cast(str, response["result"])


def _fees(tip_wei: int) -> dict[str, str]:
    """EIP-1559 fees whose tips fall along the batch: the node orders a block by tip, so the batch is
    mined in the order it was planned, across senders too (per sender, nonces agree with it)."""
    return {"maxFeePerGas": hex(MAX_FEE_PER_GAS), "maxPriorityFeePerGas": hex(tip_wei)}


def _sent(response: dict[str, Any]) -> tuple[str | None, str | None]:
    if "error" in response:
        error = response["error"]
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        return None, str(message)
    return str(response["result"]), None


def _outcome(tx_hash: str | None, error: str | None, receipt: dict[str, Any] | None) -> TxOutcome:
    if error is None and receipt is not None and int(receipt["status"], 16) != 1:
        error = f"reverted in block {int(receipt['blockNumber'], 16)} (tx {tx_hash})"
    return TxOutcome(tx_hash=tx_hash, error=error, receipt=receipt)
