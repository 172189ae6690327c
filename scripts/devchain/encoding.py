"""ABI encoding and decoding for the devchain's contracts (calldata, constructor data, call results)."""

from __future__ import annotations

from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from web3 import Web3
from web3.contract import Contract

from scripts.devchain.artifacts import load_artifact

__all__ = ["calldata", "constructor_data", "contract_at", "decode_result", "event_topic", "word_ints"]

_OFFLINE = Web3()


@cache
def _factory(name: str) -> type[Contract]:
    artifact = load_artifact(name)
    return _OFFLINE.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)


def calldata(name: str, fn: str, *args: Any) -> str:
    """Calldata (hex) of `fn(*args)` on contract `name`."""
    return str(_factory(name).encode_abi(fn, args=list(args)))


def constructor_data(name: str, *args: Any) -> str:
    """Creation bytecode of `name` followed by its encoded constructor arguments (hex)."""
    return str(_factory(name).constructor(*args).data_in_transaction)


def decode_result(name: str, fn: str, raw_hex: str) -> tuple[Any, ...]:
    """Decode the raw eth_call result of `fn` on contract `name`."""
    abi = _factory(name).get_function_by_name(fn).abi
    types = [_abi_type(out) for out in abi["outputs"]]
    return tuple(abi_decode(types, bytes.fromhex(raw_hex.removeprefix("0x"))))


def _abi_type(param: Any) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return str(param["type"])


def contract_at(w3: Web3, name: str, address: str) -> Contract:
    """A web3 contract object bound to `w3` (for reads through the normal web3 API)."""
    artifact = load_artifact(name)
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifact.abi)


def event_topic(signature: str) -> str:
    """topic0 of an event, e.g. ``event_topic("Swap(address,address,int256,int256,uint160,uint128,int24)")``."""
    return "0x" + Web3.keccak(text=signature).hex().removeprefix("0x")


def word_ints(data_hex: str, *, signed: tuple[bool, ...]) -> list[int]:
    """Split ABI-encoded static data into 32-byte words as ints (two's complement where `signed`)."""
    raw = bytes.fromhex(data_hex.removeprefix("0x"))
    words = [int.from_bytes(raw[i : i + 32], "big") for i in range(0, len(raw), 32)]
    return [w - (1 << 256) if s and w >= 1 << 255 else w for w, s in zip(words, signed, strict=True)]
