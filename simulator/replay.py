"""Exact replay of a pool's real events, and the step log the fee attribution consumes.

``replay`` applies PoolEvents in (block, log_index) order to a ``Pool`` and checks each one against
the chain's numbers to the wei. A Swap event does not say what the trader asked, so each swap is
reconstructed: exact input of the positive amount (no price limit), else exact output of the
negative amount, else a swap of unbounded input that stops at the event's price (the trader's price
limit). On day 1 these readings matched 873, 122 and 6 of the 1,001 swaps. The first reading that
reproduces amount0, amount1, sqrtPriceX96, tick and the active liquidity after the swap
is committed; if none does, ``ReplayMismatch`` names the event and the first differing field.
Mints and burns must reproduce their amounts; collects of known positions their amounts.
Slipstream stakes (``StakeEvent``, derived from the gauge's logs: the pool emits none) change the
staked liquidity that splits each later swap's fee; one the contract would revert is a mismatch.

Fees: a Swap event does not carry the fee either. A Uniswap V3 pool's fee is fixed, but a Slipstream
pool's fee module may set a new one for any swap (the dynamic module does, by price movement), so on
Slipstream a swap the pool's fee does not reproduce is searched for the one fee that does (every
reading is monotonic in the fee); the last fee found is tried first on the next swap.

Start states: an empty pool from the Initialize event (``pool_from_start``) gives a fully checked
replay. From a snapshot, positions minted before it are unknown: a burn of such liquidity adopts it
(``Pool.adopt_position``) and a collect of an unknown position is skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Iterable, Sequence

from simulator._step_log import StepLog, StepLogBuilder
from simulator.csv_events import PoolMetadata
from simulator.errors import EventSourceError, InvalidPoolState, MathError, ReplayMismatch
from simulator.events import (
    BurnEvent,
    CollectEvent,
    FeeProtocolChange,
    MintEvent,
    PoolEvent,
    PoolInitialize,
    StakeEvent,
    SwapEvent,
)
from simulator.fullmath import MAX_INT256
from simulator.pool import Pool, PoolSnapshot, SwapResult
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO

__all__ = ["ReplayResult", "StepLog", "pool_from_start", "replay"]

_ORDER = attrgetter("block_number", "log_index")


@dataclass(frozen=True, slots=True, eq=False)
class ReplayResult:
    """What a replay did: the final pool (exact state), the step log of the logged swaps, and counts."""

    pool: Pool
    step_log: StepLog
    swaps: int
    mints: int
    burns: int
    collects: int
    collects_skipped: int
    fee_protocol_changes: int
    swap_readings: dict[str, int]
    pre_snapshot_fees: int = 0
    """Collects that paid fees earned before a snapshot start (credited, see ``_owe_pre_snapshot_fees``)."""
    fees_inferred: int = 0
    """Swaps replayed at a fee other than the pool's, found from the event (see ``infer_fees``)."""
    stakes: int = 0
    """Slipstream stakes and unstakes applied (``StakeEvent``: gauge deposits, withdrawals, staked
    liquidity changes)."""


def pool_from_start(metadata: PoolMetadata, start: PoolInitialize | PoolSnapshot) -> Pool:
    """The pool a replay starts from: empty at the Initialize price, or the snapshot's state."""
    if isinstance(start, PoolSnapshot):
        return Pool.from_snapshot(start)
    if metadata.fee is None or metadata.tick_spacing is None:
        raise EventSourceError(f"pool {metadata.pool}: fee and tick spacing are unknown, cannot build the pool")
    pool = Pool(metadata.fee, metadata.tick_spacing)
    pool.initialize(start.sqrt_price_x96)
    if pool.tick != start.tick:
        raise ReplayMismatch(
            kind="Initialize", block_number=start.block_number, log_index=start.log_index,
            tx_hash=start.tx_hash, field="tick", expected=start.tick, got=pool.tick,
        )  # fmt: skip
    return pool


class _Replayer:
    """Applies events one by one; holds the counters and the step log builder."""

    def __init__(self, pool: Pool, from_snapshot: bool, log_from_block: int, infer_fees: bool) -> None:
        self.pool = pool
        self.from_snapshot = from_snapshot
        self.log_from_block = log_from_block
        self.infer_fees = infer_fees
        self.fee_hint: int | None = None
        """The fee the last swap of unknown fee was found at (None: the pool's fee); tried first."""
        self.log = StepLogBuilder()
        self.counts = dict.fromkeys(
            ("mints", "burns", "collects", "collects_skipped", "fee_protocol_changes", "pre_snapshot_fees", "fees_inferred",
             "stakes"), 0
        )
        self.readings = dict.fromkeys(("exact_input", "exact_output", "to_price"), 0)

    def apply(self, event: PoolEvent) -> None:
        if isinstance(event, SwapEvent):
            self.swap(event)
        elif isinstance(event, MintEvent):
            self.mint(event)
        elif isinstance(event, BurnEvent):
            self.burn(event)
        elif isinstance(event, CollectEvent):
            self.collect(event)
        elif isinstance(event, StakeEvent):
            self.stake(event)
        elif isinstance(event, FeeProtocolChange):
            try:
                self.pool.set_fee_protocol(event.fee_protocol0, event.fee_protocol1)
            except InvalidPoolState as exc:
                raise _mismatch(event, "SetFeeProtocol", "revert", "success", str(exc)) from exc
            self.counts["fee_protocol_changes"] += 1
        elif isinstance(event, PoolInitialize):
            if self.pool.sqrt_price_x96 == 0:
                self.pool.initialize(event.sqrt_price_x96)
        else:  # pragma: no cover - PoolEvent is a closed union
            raise TypeError(f"not a pool event: {event!r}")

    def mint(self, event: MintEvent) -> None:
        try:
            got = self.pool.mint(event.owner, event.tick_lower, event.tick_upper, event.liquidity)
        except (InvalidPoolState, MathError) as exc:
            raise _mismatch(event, "Mint", "revert", "success", f"{type(exc).__name__}: {exc}") from exc
        _require_amounts(event, "Mint", got)
        self.counts["mints"] += 1

    def burn(self, event: BurnEvent) -> None:
        key = (event.owner, event.tick_lower, event.tick_upper)
        if self.from_snapshot and not self._adopt_for_burn(key, event.liquidity):
            _require_amounts(event, "Burn", (0, 0))
            self.counts["burns"] += 1
            return
        try:
            got = self.pool.burn(*key, event.liquidity)
        except (InvalidPoolState, MathError) as exc:
            raise _mismatch(event, "Burn", "revert", "success", f"{type(exc).__name__}: {exc}") from exc
        _require_amounts(event, "Burn", got)
        self.counts["burns"] += 1

    def _adopt_for_burn(self, key: tuple[str, int, int], liquidity: int) -> bool:
        """On a snapshot start, make sure a burned position exists with at least ``liquidity``.

        Its liquidity predates the snapshot and is already in the ticks. Returns False for a poke
        (zero burn) of an unknown position, which changes nothing we track.
        """
        position = self.pool.positions.get(key)
        if liquidity == 0 and (position is None or position.liquidity == 0):
            # A poke (the position manager's burn(0) before a collect) of a position whose liquidity
            # predates the snapshot: it only settles fees we cannot know, so nothing we track changes.
            return False
        self._ensure_held(key, liquidity)
        return True

    def stake(self, event: StakeEvent) -> None:
        """CLPool.stake, which the gauge calls and which emits no pool event (see ``StakeEvent``).

        On a snapshot start the snapshot's staked liquidity and ticks' staked nets already hold every
        earlier stake, so only the window's stakes are applied here; a position the stake moves
        liquidity out of that predates the snapshot is adopted first, as a burn adopts it.
        """
        if self.pool.unstaked_fee is None:
            raise EventSourceError(
                f"stake at block {event.block_number} log {event.log_index} (tx {event.tx_hash or '?'}) "
                f"on a pool without a gauge (Uniswap V3): stakes exist only on Slipstream pools"
            )
        owners = (event.nft, event.gauge) if event.nft and event.gauge else None
        if owners is not None and self.from_snapshot:
            source = owners[0] if event.liquidity_delta > 0 else owners[1]
            self._ensure_held((source, event.tick_lower, event.tick_upper), abs(event.liquidity_delta))
        try:
            self.pool.stake(event.tick_lower, event.tick_upper, event.liquidity_delta, positions=owners)
        except (InvalidPoolState, MathError) as exc:
            raise _mismatch(event, "Stake", "revert", "success", f"{type(exc).__name__}: {exc}") from exc
        self.counts["stakes"] += 1

    def _ensure_held(self, key: tuple[str, int, int], liquidity: int) -> None:
        """On a snapshot start, make sure the position a burn or a stake takes ``liquidity`` out of
        holds it: the part the replay does not know predates the snapshot and is already in the ticks."""
        position = self.pool.positions.get(key)
        if position is None:
            self.pool.adopt_position(*key, liquidity)
        elif position.liquidity < liquidity:
            position.liquidity = liquidity

    def collect(self, event: CollectEvent) -> None:
        key = (event.owner, event.tick_lower, event.tick_upper)
        if key not in self.pool.positions:
            if self.from_snapshot:
                self.counts["collects_skipped"] += 1
                return
            raise _mismatch(event, "Collect", "position", "a known position", "none")
        if self.from_snapshot:
            self._owe_pre_snapshot_fees(key, event)
        got = self.pool.collect(*key, event.amount0, event.amount1)
        _require_amounts(event, "Collect", got)
        self.counts["collects"] += 1

    def _owe_pre_snapshot_fees(self, key: tuple[str, int, int], event: CollectEvent) -> None:
        """On a snapshot start a position may hold fees earned before the snapshot, which no event
        in the window shows: when a Collect takes more than the replay knows is owed, the difference
        is such fees, and it is credited before the collect. (From an Initialize start every fee is
        known, and the same Collect is a mismatch.) Collects move no price and no liquidity."""
        position = self.pool.positions[key]
        if position.tokens_owed0 < event.amount0:
            self.counts["pre_snapshot_fees"] += 1
            position.tokens_owed0 = event.amount0
        if position.tokens_owed1 < event.amount1:
            self.counts["pre_snapshot_fees"] += 1
            position.tokens_owed1 = event.amount1

    def swap(self, event: SwapEvent) -> None:
        fee = event.fee
        hinted = fee is None and self.fee_hint is not None
        try:
            result, reading = _reconstruct_swap(self.pool, event, self.fee_hint if hinted else fee)
        except ReplayMismatch:
            if not self.infer_fees or fee is not None:
                raise
            result, reading = self._swap_at_another_fee(event, self.fee_hint)
        else:
            if hinted:
                self.counts["fees_inferred"] += 1
        self.pool.apply_swap(result)
        self.readings[reading] += 1
        if event.block_number >= self.log_from_block:
            self.log.add(result, event)

    def _swap_at_another_fee(self, event: SwapEvent, tried: int | None) -> tuple[SwapResult, str]:
        """A swap of a pool whose fee may change from swap to swap (Slipstream's fee modules) that the
        fee tried first does not reproduce, and whose event does not say the fee: the pool's own fee,
        else the fee ``_find_fee`` finds, must reproduce it exactly, or the mismatch stands."""
        pool = self.pool
        if tried is not None:
            try:
                found = _reconstruct_swap(pool, event, None)
            except ReplayMismatch:
                pass
            else:
                self.fee_hint = None
                return found
        fee = _find_fee(pool, event)
        if fee is None:
            return _reconstruct_swap(pool, event, tried)  # raises the mismatch at the fee tried first
        self.fee_hint = fee
        self.counts["fees_inferred"] += 1
        return _reconstruct_swap(pool, event, fee)


_NO_LIMIT_DOWN = MIN_SQRT_RATIO + 1
_NO_LIMIT_UP = MAX_SQRT_RATIO - 1


def _reconstruct_swap(pool: Pool, event: SwapEvent, fee: int | None) -> tuple[SwapResult, str]:
    """The first reading of the event that the pool reproduces exactly at ``fee`` (pips; None: the
    pool's fee), and its name.

    The readings, most common first (each is quoted only if the ones before it failed): exact input
    of the amount paid in with no price limit; exact output of the amount paid out with no price
    limit; unbounded input up to the event's price (the trader's price limit stopped the swap).
    """
    amount0, amount1, price = event.amount0, event.amount1, event.sqrt_price_x96
    expected = (amount0, amount1, price, event.tick, event.liquidity)
    # _direction, inlined (the hot path of every replay)
    if amount0 > 0 or (amount0 == 0 and amount1 < 0):
        zero_for_one, paid_in, paid_out, no_limit = True, amount0, amount1, _NO_LIMIT_DOWN
    elif amount1 > 0 or amount0 < 0:
        zero_for_one, paid_in, paid_out, no_limit = False, amount1, amount0, _NO_LIMIT_UP
    elif price < pool.sqrt_price_x96:
        zero_for_one, paid_in, paid_out, no_limit = True, amount0, amount1, _NO_LIMIT_DOWN
    else:
        zero_for_one, paid_in, paid_out, no_limit = False, amount1, amount0, _NO_LIMIT_UP
    quote = pool.quote_swap
    first: SwapResult | None = None
    first_error: Exception | None = None
    if paid_in > 0:
        try:
            result = quote(zero_for_one, paid_in, no_limit, fee_pips=fee)
        except (InvalidPoolState, MathError) as exc:
            first_error = exc
        else:
            if result[1:6] == expected:  # amount0, amount1, sqrt_price_x96, tick, liquidity
                return result, "exact_input"
            first = result
    if paid_out < 0:
        try:
            result = quote(zero_for_one, paid_out, no_limit, fee_pips=fee)
        except (InvalidPoolState, MathError) as exc:
            first_error = first_error or exc
        else:
            if result[1:6] == expected:
                return result, "exact_output"
            first = first or result
    if (price < pool.sqrt_price_x96) if zero_for_one else (price > pool.sqrt_price_x96):
        # the trader asked for more than the pool gave before reaching the price limit
        try:
            result = quote(zero_for_one, MAX_INT256, price, fee_pips=fee)
        except (InvalidPoolState, MathError) as exc:
            first_error = first_error or exc
        else:
            if result[1:6] == expected:
                return result, "to_price"
            first = first or result
    if first is None:
        got = f"{type(first_error).__name__}: {first_error}" if first_error else "no reading"
        raise _mismatch(event, "Swap", "revert", "success", got)
    field, expected_value, got_value = _swap_difference(first, event)
    raise _mismatch(event, "Swap", field, expected_value, got_value)


_FEE_LIMIT = 1_000_000  # fees are pips below 1e6 (the pool checks the same)


def _find_fee(pool: Pool, event: SwapEvent) -> int | None:
    """The fee (pips) at which one reading of ``event`` reproduces it exactly, or None.

    Every reading is monotonic in the fee, so each is a binary search (~20 quotes): an exact input
    moves the price less the higher the fee; an exact output, or an input up to a price limit, costs
    more input the higher the fee. The search finds where the reading's price (or input) meets the
    event's, and ``_reconstruct_swap`` then checks all five fields at that fee and its neighbours
    (rounding can make a few fees give the same price). Only for swaps the pool's fee did not
    reproduce, so its cost never touches a pool of fixed fee.
    """
    zero_for_one, paid_in, paid_out = _direction(pool, event)
    no_limit = _NO_LIMIT_DOWN if zero_for_one else _NO_LIMIT_UP
    searches: list[tuple[int, int, bool]] = []  # (amount specified, price limit, key is the price)
    if paid_in > 0:
        searches.append((paid_in, no_limit, True))
    if paid_out < 0:
        searches.append((paid_out, no_limit, False))
    price = event.sqrt_price_x96
    if (price < pool.sqrt_price_x96) if zero_for_one else (price > pool.sqrt_price_x96):
        searches.append((MAX_INT256, price, False))
    for amount, limit, key_is_price in searches:
        # key(fee) rises with the fee: the price for a downward exact input, minus it for an upward
        # one, the amount paid in otherwise; find the lowest fee whose key reaches the event's
        if key_is_price:
            target = price if zero_for_one else -price
        else:
            target = paid_in
        low, high = 0, _FEE_LIMIT - 1
        while low < high:
            middle = (low + high) // 2
            try:
                result = pool.quote_swap(zero_for_one, amount, limit, fee_pips=middle, record_steps=False)
            except (InvalidPoolState, MathError):
                break
            if key_is_price:
                key = result.sqrt_price_x96 if zero_for_one else -result.sqrt_price_x96
            else:
                key = result.amount0 if zero_for_one else result.amount1
            if key < target:
                low = middle + 1
            else:
                high = middle
        for fee in (low, low - 1, low + 1):
            if 0 <= fee < _FEE_LIMIT:
                try:
                    _reconstruct_swap(pool, event, fee)
                except ReplayMismatch:
                    continue
                return fee
    return None


def _direction(pool: Pool, event: SwapEvent) -> tuple[bool, int, int]:
    """(zero_for_one, amount paid in, amount paid out) of a Swap event, as signed event amounts."""
    amount0, amount1 = event.amount0, event.amount1
    if amount0 > 0 or (amount0 == 0 and amount1 < 0):
        zero_for_one = True
    elif amount1 > 0 or amount0 < 0:
        zero_for_one = False
    else:
        zero_for_one = event.sqrt_price_x96 < pool.sqrt_price_x96
    return (True, amount0, amount1) if zero_for_one else (False, amount1, amount0)


def _swap_difference(result: SwapResult, event: SwapEvent) -> tuple[str, int, int]:
    """The first of the event's values the replayed swap does not reproduce."""
    for name, expected, got in (
        ("amount0", event.amount0, result.amount0),
        ("amount1", event.amount1, result.amount1),
        ("sqrt_price_x96", event.sqrt_price_x96, result.sqrt_price_x96),
        ("tick", event.tick, result.tick),
        ("liquidity", event.liquidity, result.liquidity),
    ):
        if expected != got:
            return name, expected, got
    raise AssertionError("no difference between a mismatching swap and its event")  # pragma: no cover


def _require_amounts(event: MintEvent | BurnEvent | CollectEvent, kind: str, got: tuple[int, int]) -> None:
    if got[0] != event.amount0:
        raise _mismatch(event, kind, "amount0", event.amount0, got[0])
    if got[1] != event.amount1:
        raise _mismatch(event, kind, "amount1", event.amount1, got[1])


def _mismatch(event: PoolEvent, kind: str, field: str, expected: object, got: object) -> ReplayMismatch:
    return ReplayMismatch(
        kind=kind, block_number=event.block_number, log_index=event.log_index,
        tx_hash=event.tx_hash, field=field, expected=expected, got=got,
    )  # fmt: skip


def replay(
    pool: Pool,
    events: Iterable[PoolEvent],
    *,
    from_snapshot: bool = False,
    log_from_block: int = 0,
    infer_fees: bool | None = None,
) -> ReplayResult:
    """Apply ``events`` to ``pool`` (in place) in (block, log_index) order, checking each to the wei.

    ``from_snapshot``: the pool came from a snapshot, so pre-snapshot positions are adopted at their
    first burn and collects of unknown positions are skipped. ``log_from_block``: swaps before this
    block are replayed (they build the state) but left out of the step log. ``infer_fees``: a swap
    whose event gives no fee and that the pool's fee does not reproduce is searched for the fee that
    reproduces it exactly (default: on Slipstream pools, whose fee modules may change the fee per
    swap; a Uniswap V3 pool's fee is fixed, so there such a swap is a mismatch).
    Raises ``ReplayMismatch`` at the first event the replay does not reproduce.
    """
    ordered: Sequence[PoolEvent] = sorted(events, key=_ORDER)  # event_order, as a C-level key
    if infer_fees is None:
        infer_fees = pool.unstaked_fee is not None
    replayer = _Replayer(pool, from_snapshot, log_from_block, infer_fees)
    swap, apply = replayer.swap, replayer.apply
    for event in ordered:
        if type(event) is SwapEvent:  # most events: skip the dispatch
            swap(event)
        else:
            apply(event)
    counts = replayer.counts
    readings = {name: count for name, count in replayer.readings.items() if count}
    return ReplayResult(
        pool=pool,
        step_log=replayer.log.build(),
        swaps=sum(readings.values()),
        mints=counts["mints"],
        burns=counts["burns"],
        collects=counts["collects"],
        collects_skipped=counts["collects_skipped"],
        fee_protocol_changes=counts["fee_protocol_changes"],
        swap_readings=readings,
        pre_snapshot_fees=counts["pre_snapshot_fees"],
        fees_inferred=counts["fees_inferred"],
        stakes=counts["stakes"],
    )
