"""What the validator hands to an executor and what comes back, with their exact JSON form.

Amounts are raw token units and travel as decimal strings (they exceed 2**53); ticks are ints.
The JSON form is the executor bot's HTTP API (``POST /v1/executions``)::

    {"idempotency_key": "live-3f9c...", "job_id": "...", "round_id": "job:live:4", "block_number": 1234,
     "miner_hotkey": "5F...", "miner_uid": 7, "chain_id": 8453, "vault": "0x...", "vault_kind": "eoa",
     "pool": "0x...", "positions": [{"tick_lower": -600, "tick_upper": 600,
                                     "allocation0": "1000000000000000000", "allocation1": "2000000000"}]}

and the report::

    {"idempotency_key": "...", "status": "confirmed", "tx_hashes": ["0x..."], "gas_used": "412345",
     "gas_cost_wei": "0", "error": null, "dry_run": false, "token_ids": [12, 13]}

``status`` is one of ``confirmed`` (every transaction mined and succeeded), ``reverted`` (a
transaction was mined and reverted), ``failed`` (nothing or not everything could be sent).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from protocol.decisions import PositionSpec

FINAL_STATUSES = ("confirmed", "reverted", "failed")


class WireFormatError(ValueError):
    """A request or report does not have the documented JSON shape."""


def idempotency_key(round_id: str, block_number: int, miner_hotkey: str) -> str:
    """The key of one live decision: the same round, checkpoint block and miner give the same key,
    so a retried handoff can never execute twice. 69 characters (``live-`` + 64 hex)."""
    digest = hashlib.sha256(f"{round_id}\n{block_number}\n{miner_hotkey}".encode()).hexdigest()
    return f"live-{digest}"


def _int(value: Any, name: str, *, minimum: int | None = 0) -> int:
    if isinstance(value, bool):
        raise WireFormatError(f"{name} must be an integer, got a bool")
    if isinstance(value, str):
        if not value.isascii() or not value.lstrip("-").isdigit():
            raise WireFormatError(f"{name} must be a decimal integer string, got {value[:40]!r}")
        value = int(value)
    if not isinstance(value, int):
        raise WireFormatError(f"{name} must be an integer, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise WireFormatError(f"{name} must be >= {minimum}, got {value}")
    return value


def _str(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise WireFormatError(f"{name} must be a non-empty string")
    return value


def position_to_json(position: PositionSpec) -> dict[str, Any]:
    return {"tick_lower": position.tick_lower, "tick_upper": position.tick_upper,
            "allocation0": str(position.allocation0), "allocation1": str(position.allocation1)}


def position_from_json(data: Any, index: int) -> PositionSpec:
    if not isinstance(data, Mapping):
        raise WireFormatError(f"positions[{index}] must be an object")
    return PositionSpec(_int(data.get("tick_lower"), f"positions[{index}].tick_lower", minimum=None),
                        _int(data.get("tick_upper"), f"positions[{index}].tick_upper", minimum=None),
                        _int(data.get("allocation0"), f"positions[{index}].allocation0"),
                        _int(data.get("allocation1"), f"positions[{index}].allocation1"))


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """One validated live decision for one vault: replace its positions in ``pool`` by ``positions``."""

    idempotency_key: str
    job_id: str
    round_id: str
    block_number: int
    miner_hotkey: str
    miner_uid: int
    chain_id: int
    vault: str
    vault_kind: str
    pool: str
    positions: tuple[PositionSpec, ...]

    def to_json(self) -> dict[str, Any]:
        return {"idempotency_key": self.idempotency_key, "job_id": self.job_id, "round_id": self.round_id,
                "block_number": self.block_number, "miner_hotkey": self.miner_hotkey, "miner_uid": self.miner_uid,
                "chain_id": self.chain_id, "vault": self.vault, "vault_kind": self.vault_kind, "pool": self.pool,
                "positions": [position_to_json(p) for p in self.positions]}

    @classmethod
    def from_json(cls, data: Any) -> ExecutionRequest:
        if not isinstance(data, Mapping):
            raise WireFormatError("request must be a JSON object")
        positions = data.get("positions")
        if not isinstance(positions, list):
            raise WireFormatError("positions must be a list")
        return cls(idempotency_key=_str(data, "idempotency_key"), job_id=_str(data, "job_id"),
                   round_id=_str(data, "round_id"), block_number=_int(data.get("block_number"), "block_number"),
                   miner_hotkey=_str(data, "miner_hotkey"), miner_uid=_int(data.get("miner_uid"), "miner_uid"),
                   chain_id=_int(data.get("chain_id"), "chain_id"), vault=_str(data, "vault"),
                   vault_kind=_str(data, "vault_kind"), pool=_str(data, "pool"),
                   positions=tuple(position_from_json(p, i) for i, p in enumerate(positions)))


@dataclass(frozen=True, slots=True)
class ExecutionReport:
    """How one request ended. ``gas_used`` in gas units, ``gas_cost_wei`` in wei (exact ints);
    ``token_ids``: the NPM ids minted for the new positions, in the request's order."""

    idempotency_key: str
    status: str
    tx_hashes: tuple[str, ...] = ()
    gas_used: int = 0
    gas_cost_wei: int = 0
    error: str | None = None
    dry_run: bool = False
    token_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in FINAL_STATUSES:
            raise WireFormatError(f"status must be one of {FINAL_STATUSES}, got {self.status!r}")

    def to_json(self) -> dict[str, Any]:
        return {"idempotency_key": self.idempotency_key, "status": self.status, "tx_hashes": list(self.tx_hashes),
                "gas_used": str(self.gas_used), "gas_cost_wei": str(self.gas_cost_wei), "error": self.error,
                "dry_run": self.dry_run, "token_ids": list(self.token_ids)}

    @classmethod
    def from_json(cls, data: Any) -> ExecutionReport:
        if not isinstance(data, Mapping):
            raise WireFormatError("report must be a JSON object")
        hashes, ids, error = data.get("tx_hashes", []), data.get("token_ids", []), data.get("error")
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise WireFormatError("tx_hashes must be a list of strings")
        if not isinstance(ids, list):
            raise WireFormatError("token_ids must be a list")
        if error is not None and not isinstance(error, str):
            raise WireFormatError("error must be a string or null")
        return cls(idempotency_key=_str(data, "idempotency_key"), status=_str(data, "status"),
                   tx_hashes=tuple(hashes), gas_used=_int(data.get("gas_used", 0), "gas_used"),
                   gas_cost_wei=_int(data.get("gas_cost_wei", 0), "gas_cost_wei"), error=error,
                   dry_run=bool(data.get("dry_run", False)),
                   token_ids=tuple(_int(i, "token_ids[]") for i in ids))
