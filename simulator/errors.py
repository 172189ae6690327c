"""The simulator's exception tree.

Callers catch at the level they care about::

    SimulatorError
    ├── MathError              an exact port hit a condition on which the contract reverts
    │   ├── MathOverflow       a value left its Solidity type (uint256, uint160, uint128, int128, int256)
    │   └── InvalidTick        a tick or sqrt price outside [MIN_TICK, MAX_TICK] / [MIN_SQRT_RATIO, MAX_SQRT_RATIO)
    ├── InvalidPoolState       a pool operation the contract would refuse (bad ticks, no liquidity, not initialized, ...)
    ├── ReplayMismatch         a replayed event did not reproduce the chain's numbers (names the event)
    ├── EventSourceError       events could not be read or are incomplete for the request
    │   └── EventFormatError   a row of an event file is malformed (names file and line)

``MathError`` carries the contract's revert reason where it has one (``'T'``, ``'R'``, ``'LS'``, ...),
so a differential test against the real bytecode can compare reasons.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Root of every error the simulator raises on purpose."""


class MathError(SimulatorError):
    """An exact math port reached a point where the Solidity code reverts."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class MathOverflow(MathError):
    """A value overflowed (or underflowed) its Solidity integer type, or a division by zero."""


class InvalidTick(MathError):
    """A tick outside [MIN_TICK, MAX_TICK] or a sqrt price outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)."""


class InvalidPoolState(SimulatorError):
    """A pool operation the UniswapV3Pool contract would refuse, with its revert reason if any."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class ReplayMismatch(SimulatorError):
    """A replayed event did not reproduce the on-chain values to the wei.

    ``block_number``, ``log_index`` and ``tx_hash`` name the event; ``field`` is the first value that
    differs (``amount0``, ``amount1``, ``sqrt_price_x96``, ``tick``, ``liquidity``, or ``revert`` when
    the replayed operation itself failed); ``expected`` is the event's value and ``got`` the replay's.
    """

    def __init__(
        self,
        *,
        kind: str,
        block_number: int,
        log_index: int,
        tx_hash: str,
        field: str,
        expected: object,
        got: object,
    ) -> None:
        self.kind = kind
        self.block_number = block_number
        self.log_index = log_index
        self.tx_hash = tx_hash
        self.field = field
        self.expected = expected
        self.got = got
        super().__init__(
            f"{kind} at block {block_number} log {log_index} (tx {tx_hash or '?'}): "
            f"{field} expected {expected!r}, replay gave {got!r}"
        )


class EventSourceError(SimulatorError):
    """An event source could not provide what was asked (missing files, unknown pool, no start state)."""


class EventFormatError(EventSourceError):
    """A malformed row in an event file; the message names the file and the line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {message}")
