"""The static miner list of a local network: one ``{uid, hotkey, ip, port}`` entry per miner.

The validator's ``--network local`` reads a JSON list of such entries instead of a metagraph.
``python -m miner local-entry --uid 3 --list miners.json`` adds (or replaces, by uid) this miner's
entry, so a local network is assembled by running it once per miner with that miner's flags.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from miner.errors import MinerError


class MinerListError(MinerError):
    """The miner list file exists but is not a JSON list of entries."""


def entry(uid: int, hotkey: str, ip: str, port: int) -> dict[str, Any]:
    """One entry of the list."""
    return {"uid": uid, "hotkey": hotkey, "ip": ip, "port": port}


def read_list(path: Path) -> list[dict[str, Any]]:
    """The entries in ``path`` ([] when it does not exist)."""
    if not path.exists():
        return []
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise MinerListError(f"{path}: cannot read the miner list: {exc}") from None
    if not isinstance(document, list) or not all(isinstance(e, dict) and "uid" in e for e in document):
        raise MinerListError(f"{path}: expected a JSON list of {{uid, hotkey, ip, port}} objects")
    return document


def upsert(path: Path, new: dict[str, Any]) -> list[dict[str, Any]]:
    """Write ``path`` with ``new`` in place of any entry with the same uid or hotkey; sorted by uid."""
    kept = [e for e in read_list(path) if e.get("uid") != new["uid"] and e.get("hotkey") != new["hotkey"]]
    entries = sorted([*kept, new], key=lambda e: int(e["uid"]))
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(entries, indent=2) + "\n")
    os.replace(temporary, path)
    return entries
