"""The ``--network local`` miners file: a JSON list of ``{uid, hotkey, ip, port}``, checked at the edge.

Every problem is one ``MinerListError`` naming the file and the entry (index and uid), so an operator
fixes the file in one go instead of meeting a ``KeyError`` mid-round.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scalecodec.utils.ss58 import ss58_decode

from validator.miners.types import MinerEndpoint

_KEYS = frozenset({"uid", "hotkey", "ip", "port"})
MAX_UID = 65535  # uids are u16 on chain


class MinerListError(ValueError):
    """The static miners file is unreadable or one of its entries is invalid."""


def load_miner_list(path: Path, *, private_only: bool = True) -> list[MinerEndpoint]:
    """Read and check the file; ``private_only`` (local mode) rejects public IPs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MinerListError(f"miners file {path}: cannot read JSON: {exc}") from exc
    return parse_miner_list(data, source=str(path), private_only=private_only)


def parse_miner_list(data: Any, *, source: str, private_only: bool = True) -> list[MinerEndpoint]:
    """Check decoded JSON: a list of entries with unique uids and unique hotkeys."""
    if not isinstance(data, list):
        raise MinerListError(f"miners file {source}: expected a JSON list of miners, got {type(data).__name__}")
    miners = [_entry(item, f"miners file {source}, entry {i}", private_only) for i, item in enumerate(data)]
    _check_unique(miners, source)
    return miners


def _entry(item: Any, where: str, private_only: bool) -> MinerEndpoint:
    if not isinstance(item, dict):
        raise MinerListError(f"{where}: expected an object with uid, hotkey, ip, port")
    if "uid" in item:
        where = f"{where} (uid {item['uid']!r})"
    missing, unknown = _KEYS - item.keys(), item.keys() - _KEYS
    if missing or unknown:
        raise MinerListError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    try:
        return MinerEndpoint(uid=_uid(item["uid"]), hotkey=_hotkey(item["hotkey"]),
                             ip=_ip(item["ip"], private_only), port=_port(item["port"]))
    except ValueError as exc:
        raise MinerListError(f"{where}: {exc}") from None


def _uid(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UID:
        raise ValueError(f"uid must be an integer in [0, {MAX_UID}], got {value!r}")
    return value


def _hotkey(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"hotkey must be an SS58 address string, got {value!r}")
    try:
        ss58_decode(value)
    except (ValueError, IndexError, TypeError) as exc:
        raise ValueError(f"hotkey {value!r} is not a valid SS58 address ({exc})") from None
    return value


def _ip(value: Any, private_only: bool) -> str:
    try:
        address = ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        address = None
    if address is None or address.is_unspecified or address.is_multicast:
        raise ValueError(f"ip must be a unicast IPv4 or IPv6 address, got {value!r}")
    if private_only and not (address.is_loopback or address.is_private):
        raise ValueError(f"ip {value} is public; --network local accepts loopback or private addresses only")
    return str(address)


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"port must be an integer in [1, 65535], got {value!r}")
    return value


def _check_unique(miners: Sequence[MinerEndpoint], source: str) -> None:
    seen_uids: dict[int, int] = {}
    seen_hotkeys: dict[str, int] = {}
    for index, miner in enumerate(miners):
        if miner.uid in seen_uids:
            raise MinerListError(f"miners file {source}, entry {index}: uid {miner.uid} already used by entry {seen_uids[miner.uid]}")
        if miner.hotkey in seen_hotkeys:
            raise MinerListError(f"miners file {source}, entry {index} (uid {miner.uid}): hotkey {miner.hotkey} "
                                 f"already used by entry {seen_hotkeys[miner.hotkey]}")
        seen_uids[miner.uid] = index
        seen_hotkeys[miner.hotkey] = index
