"""Values the subtensor client hands out: a metagraph snapshot and the outcome of a weights call.

Frozen and free of bittensor types, so the daemon and its tests (with the in-memory fake client) share
them. Stakes are floats in TAO units as bittensor reports them (display and thresholds only, never
token accounting).
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_SERVING_IPS = frozenset({"", "0.0.0.0", "::"})


@dataclass(frozen=True, slots=True)
class NeuronSnapshot:
    """One uid of a subnet at the snapshot's block.

    ``stake`` is the neuron's stake on the subnet in TAO-denominated float units (alpha stake on
    dynamic-TAO subnets). ``ip``/``port`` are the axon's announced address; ip 0 or port 0 means the
    neuron serves nothing.
    """

    uid: int
    hotkey: str
    coldkey: str
    stake: float
    validator_permit: bool
    ip: str
    port: int

    @property
    def serving(self) -> bool:
        """True when the axon announced a usable address (non-zero ip and port)."""
        return self.ip not in NOT_SERVING_IPS and self.port != 0


@dataclass(frozen=True, slots=True)
class MetagraphSnapshot:
    """The subnet's neurons as read at ``block``, ordered by uid; ``owner_hotkey`` when the chain has one."""

    netuid: int
    block: int
    neurons: tuple[NeuronSnapshot, ...]
    owner_hotkey: str | None = None

    @property
    def owner_uid(self) -> int | None:
        """The uid registered with the subnet owner's hotkey (the burn target), if any."""
        if self.owner_hotkey is None:
            return None
        return next((n.uid for n in self.neurons if n.hotkey == self.owner_hotkey), None)


@dataclass(frozen=True, slots=True)
class WeightsResult:
    """The outcome of one ``set_weights`` call; ``success`` is the chain's verdict, never a truthiness guess."""

    success: bool
    message: str
