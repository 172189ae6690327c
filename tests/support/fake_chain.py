"""``FakeChainClient``: the ``ChainClient`` interface in memory, for the validator's tests.

bittensor 10.5's ``MockSubtensor`` is broken (``metagraph()`` raises, ``set_weights`` TypeError), so
tests use this instead. It keeps the chain rules the daemon must respect: a weights rate limit in
blocks, unregistered hotkeys refused, the same weight-vector checks as production
(``check_weights``); it records every ``set_weights`` call; failures can be queued per method.

Usage::

    chain = FakeChainClient(own_hotkey="5Val...", weights_rate_limit=100)
    chain.add_neuron(0, "5Val...", stake=5_000.0, validator_permit=True)
    chain.add_neuron(1, "5Min...", ip="127.0.0.1", port=8091)
    chain.fail_next("metagraph", ChainUnavailable("down"))
    chain.advance(150)
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from validator.subtensor import (
    ChainQueryError,
    MetagraphSnapshot,
    NeuronSnapshot,
    WeightsResult,
    check_weights,
)


@dataclass(frozen=True, slots=True)
class SetWeightsCall:
    """One ``set_weights`` call as the daemon made it, with the block and the fake chain's verdict."""

    netuid: int
    uids: tuple[int, ...]
    weights: tuple[float, ...]
    version_key: int
    wait_for_inclusion: bool
    block: int
    result: WeightsResult


class FakeChainClient:
    """An in-memory subnet: neurons by uid, a block counter, hyperparameters, recorded weight calls."""

    def __init__(
        self, *, netuid: int = 98, own_hotkey: str | None = None, block: int = 1_000,
        weights_rate_limit: int = 100, owner_hotkey: str | None = None,
    ) -> None:
        self.netuid = netuid
        self.own_hotkey = own_hotkey
        self.block = block
        self.rate_limit = weights_rate_limit
        self.owner_hotkey = owner_hotkey
        self.neurons: dict[int, NeuronSnapshot] = {}
        self.last_update: dict[int, int] = {}
        self.weight_calls: list[SetWeightsCall] = []
        self.call_counts: Counter[str] = Counter()
        self.metagraph_delay_s = 0.0
        self.closed = False
        self._failures: defaultdict[str, deque[BaseException]] = defaultdict(deque)
        self._weights_results: deque[WeightsResult] = deque()

    def add_neuron(
        self, uid: int, hotkey: str, *, coldkey: str | None = None, stake: float = 0.0,
        validator_permit: bool = False, ip: str = "0.0.0.0", port: int = 0,
    ) -> NeuronSnapshot:
        """Register (or re-register) ``uid``; its last update is the current block, as on chain."""
        neuron = NeuronSnapshot(uid=uid, hotkey=hotkey, coldkey=coldkey or f"cold-{hotkey}", stake=stake,
                                validator_permit=validator_permit, ip=ip, port=port)
        self.neurons[uid] = neuron
        self.last_update[uid] = self.block
        return neuron

    def advance(self, blocks: int) -> int:
        """Move the head forward; returns the new block."""
        self.block += blocks
        return self.block

    def fail_next(self, method: str, error: BaseException, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` (e.g. ``"metagraph"``) raise ``error``."""
        self._failures[method].extend([error] * times)

    def queue_weights_result(self, result: WeightsResult) -> None:
        """The next accepted ``set_weights`` returns ``result`` (e.g. a refusal) instead of success."""
        self._weights_results.append(result)

    async def metagraph(self, netuid: int) -> MetagraphSnapshot:
        self._enter("metagraph", netuid)
        if self.metagraph_delay_s:
            await asyncio.sleep(self.metagraph_delay_s)
        neurons = tuple(self.neurons[uid] for uid in sorted(self.neurons))
        return MetagraphSnapshot(netuid=netuid, block=self.block, neurons=neurons, owner_hotkey=self.owner_hotkey)

    async def current_block(self) -> int:
        self._enter("current_block")
        return self.block

    async def weights_rate_limit(self, netuid: int) -> int:
        self._enter("weights_rate_limit", netuid)
        return self.rate_limit

    async def blocks_since_last_update(self, netuid: int, uid: int) -> int:
        self._enter("blocks_since_last_update", netuid)
        if uid not in self.last_update:
            raise ChainQueryError(f"uid {uid} does not exist on netuid {netuid}")
        return self.block - self.last_update[uid]

    async def set_weights(
        self, netuid: int, uids: Sequence[int], weights: Sequence[float], *, version_key: int,
        wait_for_inclusion: bool,
    ) -> WeightsResult:
        self._enter("set_weights", netuid)
        check_weights(uids, weights, max(self.neurons, default=-1) + 1)
        result = self._judge_weights()
        self.weight_calls.append(SetWeightsCall(netuid, tuple(uids), tuple(float(w) for w in weights),
                                                version_key, wait_for_inclusion, self.block, result))
        return result

    async def close(self) -> None:
        self.closed = True

    def _judge_weights(self) -> WeightsResult:
        own_uid = next((n.uid for n in self.neurons.values() if n.hotkey == self.own_hotkey), None)
        if own_uid is None:
            return WeightsResult(False, f"Hotkey {self.own_hotkey} not registered in subnet {self.netuid}.")
        if self.block - self.last_update[own_uid] <= self.rate_limit:
            return WeightsResult(False, "rate limited: too soon to set weights")
        result = self._weights_results.popleft() if self._weights_results else WeightsResult(True, "ok")
        if result.success:
            self.last_update[own_uid] = self.block
        return result

    def _enter(self, method: str, netuid: int | None = None) -> None:
        self.call_counts[method] += 1
        if self.closed:
            raise RuntimeError("FakeChainClient used after close()")
        if self._failures[method]:
            raise self._failures[method].popleft()
        if netuid is not None and netuid != self.netuid:
            raise ChainQueryError(f"netuid {netuid} does not exist (fake serves {self.netuid})")
