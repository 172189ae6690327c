"""Bittensor 10.5 objects -> our frozen values. Pure functions, tested with real bittensor objects.

Reads only the attributes named in the protocols below (``NeuronInfoLite``, ``AxonInfo``,
``Balance``, ``ExtrinsicResponse`` carry them); anything missing or mistyped is a ``ChainQueryError``
naming the uid, not an ``AttributeError`` deep in the daemon.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from validator.subtensor.errors import ChainQueryError
from validator.subtensor.types import MetagraphSnapshot, NeuronSnapshot, WeightsResult

NO_MESSAGE = "no message from bittensor (rate limited, or no attempt was made)"


def neuron_snapshot(neuron: Any) -> NeuronSnapshot:
    """One ``NeuronInfoLite`` (or ``NeuronInfo``) as a ``NeuronSnapshot``."""
    uid = getattr(neuron, "uid", None)
    try:
        axon = neuron.axon_info
        ip, port = _address(axon)
        return NeuronSnapshot(
            uid=int(neuron.uid), hotkey=_key(neuron.hotkey), coldkey=_key(neuron.coldkey),
            stake=float(neuron.total_stake.tao), validator_permit=bool(neuron.validator_permit),
            ip=ip, port=port,
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise ChainQueryError(f"neuron uid {uid}: unusable data from the chain: {exc}") from exc


def metagraph_snapshot(netuid: int, block: int, neurons: Iterable[Any], owner_hotkey: Any) -> MetagraphSnapshot:
    """The snapshot of ``neurons_lite`` at ``block``; null neurons (placeholders) are left out."""
    snapshots = [neuron_snapshot(n) for n in neurons if not getattr(n, "is_null", False)]
    snapshots.sort(key=lambda n: n.uid)
    uids = [n.uid for n in snapshots]
    if len(set(uids)) != len(uids):
        raise ChainQueryError(f"netuid {netuid} block {block}: duplicate uids in the neuron list")
    owner = owner_hotkey if isinstance(owner_hotkey, str) and owner_hotkey else None
    return MetagraphSnapshot(netuid=netuid, block=block, neurons=tuple(snapshots), owner_hotkey=owner)


def weights_result(response: Any) -> WeightsResult:
    """Read bittensor's ``ExtrinsicResponse``: ``success`` must be the boolean True (the object
    itself is always truthy, failed or not)."""
    success = getattr(response, "success", None)
    if not isinstance(success, bool):
        return WeightsResult(False, f"unexpected set_weights response {type(response).__name__}")
    message = getattr(response, "message", None) or ""
    error = getattr(response, "error", None)
    if not success and error is not None and str(error) not in message:
        message = f"{message}: {error}" if message else str(error)
    return WeightsResult(success, message or ("ok" if success else NO_MESSAGE))


def _key(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"bad key {value!r}")
    return value


def _address(axon: Any) -> tuple[str, int]:
    """(ip, port) of an ``AxonInfo``; no axon at all reads as not serving."""
    if axon is None:
        return "0.0.0.0", 0
    port = int(axon.port)
    if not 0 <= port <= 65535:
        raise ValueError(f"axon port {port} out of range")
    raw_ip = axon.ip
    ip = str(ipaddress.ip_address(int(raw_ip) if isinstance(raw_ip, int) else str(raw_ip)))
    return ip, port
