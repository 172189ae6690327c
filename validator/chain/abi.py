"""ABI encoding of the calls we make and decoding of their results and of pool logs.

The JSON ABIs in ``abis/`` are facts (the Uniswap V3 fragments come from the published npm
artifacts; Aerodrome Slipstream's ``slot0`` has 6 fields and its ``ticks()`` 10; the SN98
LiquidityManager reads are the three mappings validators use). ``Contract("UniswapV3Pool")``
encodes calldata and decodes return data and logs with ``eth_abi``; no web3 contract objects, so
every call can go into one JSON-RPC batch pinned to one block.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from validator.chain.errors import RpcResponseError

ABI_DIR = Path(__file__).resolve().parent / "abis"


def _type_of(param: dict[str, Any]) -> str:
    """The canonical type string of an ABI parameter (tuples spelled out)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_type_of(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


@dataclass(frozen=True, slots=True)
class Function:
    """One function: its selector and input/output types."""

    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def calldata(self, *args: Any) -> str:
        """0x-prefixed calldata for ``args``."""
        return "0x" + (self.selector + encode(list(self.inputs), list(args))).hex()

    def decode(self, data: str) -> tuple[Any, ...]:
        """Decode return data (hex); raise ``RpcResponseError`` when it does not fit the outputs."""
        raw = _hex_bytes(data)
        try:
            return tuple(decode(list(self.outputs), raw))
        except (DecodingError, ValueError, OverflowError) as exc:
            raise RpcResponseError(f"{self.name}: return data of {len(raw)} bytes does not decode: {exc}") from None


@dataclass(frozen=True, slots=True)
class Event:
    """One event: topic0 and which inputs are indexed."""

    name: str
    topic: str
    indexed: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        """Named values of one log (indexed ones from the topics, the rest from the data)."""
        if len(topics) != len(self.indexed) + 1:
            raise RpcResponseError(f"{self.name} log with {len(topics)} topics, expected {len(self.indexed) + 1}")
        try:
            values = dict(zip((n for n, _ in self.data), decode([t for _, t in self.data], _hex_bytes(data))))
            for (name, kind), topic in zip(self.indexed, topics[1:]):
                (values[name],) = decode([kind], _hex_bytes(topic))
        except (DecodingError, ValueError, OverflowError) as exc:
            raise RpcResponseError(f"{self.name} log does not decode: {exc}") from None
        return values


def _hex_bytes(data: str) -> bytes:
    if not isinstance(data, str) or not data.startswith("0x"):
        raise RpcResponseError(f"expected 0x-prefixed hex, got {str(data)[:40]!r}")
    try:
        return bytes.fromhex(data[2:])
    except ValueError:
        raise RpcResponseError(f"not hex: {data[:40]!r}") from None


class Contract:
    """The functions and events of one ABI file of ``abis/``."""

    def __init__(self, name: str) -> None:
        entries = json.loads((ABI_DIR / f"{name}.json").read_text(encoding="utf-8"))
        self.name = name
        self.functions: dict[str, Function] = {}
        self.events: dict[str, Event] = {}
        for entry in entries:
            inputs = tuple(_type_of(p) for p in entry.get("inputs", []))
            signature = f"{entry['name']}({','.join(inputs)})"
            if entry["type"] == "function":
                outputs = tuple(_type_of(p) for p in entry.get("outputs", []))
                self.functions[entry["name"]] = Function(entry["name"], keccak(text=signature)[:4], inputs, outputs)
            elif entry["type"] == "event":
                params = [(str(p["name"]), _type_of(p), bool(p.get("indexed"))) for p in entry["inputs"]]
                self.events[entry["name"]] = Event(
                    entry["name"], "0x" + keccak(text=signature).hex(),
                    tuple((n, t) for n, t, i in params if i), tuple((n, t) for n, t, i in params if not i),
                )

    def fn(self, name: str) -> Function:
        return self.functions[name]

    def event(self, name: str) -> Event:
        return self.events[name]

    def decode_log(self, log: dict[str, Any], names: Sequence[str]) -> tuple[str, dict[str, Any]]:
        """(event name, named values) of a raw log that must be one of the events ``names``."""
        topics = [str(t) for t in log.get("topics", [])]
        by_topic = {self.events[name].topic: name for name in names}
        name = by_topic.get(topics[0] if topics else "")
        if name is None:
            raise RpcResponseError(f"{self.name} log with unknown topic {topics[:1]}")
        return name, self.events[name].decode(topics, str(log.get("data", "0x")))


@cache
def contract(name: str) -> Contract:
    """The parsed ABI ``abis/<name>.json`` (parsed once per process)."""
    return Contract(name)


def checksum(address: str) -> str:
    """EIP-55 form of an address (what every value we hand out uses)."""
    return str(to_checksum_address(address))
