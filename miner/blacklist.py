"""Who may query the miner, and in which order: the caller policy over a roster of known hotkeys.

A ``Roster`` is an immutable snapshot of the callers the miner knows (from the metagraph on
finney/test, from ``--allowed-hotkey`` in local mode). ``CallerPolicy.verdict`` turns a caller's
hotkey into ``(blacklisted, reason)``: no hotkey, an unregistered hotkey, a hotkey without a
validator permit, or stake below the minimum are refused (the axon answers 403 with the reason);
``priority`` is the caller's stake, so under load the axon serves the biggest validators first.

Both run on every request inside the axon, so they only read the current snapshot (one attribute
read); refreshing it is the metagraph watcher's job, off the request path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Caller:
    """A hotkey the miner knows: its uid, stake (TAO units as the metagraph reports) and permit."""

    hotkey: str
    uid: int
    stake: float
    validator_permit: bool


@dataclass(frozen=True, slots=True)
class Roster:
    """Known callers by hotkey at ``block`` (``-1`` for a static roster); ``loaded`` is False until the
    first metagraph read succeeded."""

    callers: Mapping[str, Caller] = field(default_factory=lambda: MappingProxyType({}))
    block: int = -1
    loaded: bool = True

    @classmethod
    def of(cls, callers: Iterable[Caller], block: int = -1) -> Roster:
        return cls(MappingProxyType({c.hotkey: c for c in callers}), block)

    @classmethod
    def allowlist(cls, hotkeys: Iterable[str]) -> Roster:
        """Local mode: each listed hotkey is a validator with no stake requirement."""
        return cls.of(Caller(hotkey, uid, 0.0, True) for uid, hotkey in enumerate(hotkeys))

    @classmethod
    def not_loaded(cls) -> Roster:
        return cls(loaded=False)


@dataclass(frozen=True, slots=True)
class CallerPolicy:
    """The rules: ``min_stake`` (TAO units) and whether a validator permit is required."""

    min_stake: float = 0.0
    require_permit: bool = True

    def verdict(self, hotkey: str | None, roster: Roster) -> tuple[bool, str]:
        """``(True, reason)`` to refuse the caller, ``(False, "allowed")`` to serve it."""
        if not hotkey:
            return True, "request carries no hotkey"
        if not roster.loaded:
            return True, "metagraph not loaded yet"
        caller = roster.callers.get(hotkey)
        if caller is None:
            return True, f"hotkey {hotkey} is not registered"
        if self.require_permit and not caller.validator_permit:
            return True, f"hotkey {hotkey} (uid {caller.uid}) is not a validator"
        if caller.stake < self.min_stake:
            return True, f"hotkey {hotkey} (uid {caller.uid}) has stake {caller.stake:.2f} below {self.min_stake:.2f}"
        return False, "allowed"

    def priority(self, hotkey: str | None, roster: Roster) -> float:
        """The caller's stake (0 for unknown callers): bigger validators are served first."""
        caller = roster.callers.get(hotkey or "")
        return float(caller.stake) if caller is not None else 0.0


RosterSource = Callable[[], Roster]
"""Returns the current roster snapshot (cheap: called on every request)."""
