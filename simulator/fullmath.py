"""FullMath, SafeCast and the Solidity integer bounds, as exact Python ints.

The contracts compute ``a * b / c`` with a 512-bit intermediate product; Python ints are unbounded,
so the port is the plain expression plus the checks under which the contract reverts: a zero
denominator, or a result that does not fit in uint256. The hot paths (``swap_math``, ``pool``) use
the same expressions inline; these functions are the reference and the readable form.
"""

from __future__ import annotations

from simulator.errors import MathOverflow

Q96 = 1 << 96
Q128 = 1 << 128
MAX_UINT256 = (1 << 256) - 1
MAX_UINT160 = (1 << 160) - 1
MAX_UINT128 = (1 << 128) - 1
MAX_INT128 = (1 << 127) - 1
MIN_INT128 = -(1 << 127)
MAX_INT256 = (1 << 255) - 1
UINT256_MOD = 1 << 256


def mul_div(a: int, b: int, denominator: int) -> int:
    """``floor(a * b / denominator)`` for uint256 inputs; reverts as FullMath.mulDiv does."""
    if denominator <= 0:
        raise MathOverflow("mulDiv by zero")
    result = a * b // denominator
    if result > MAX_UINT256:
        raise MathOverflow("mulDiv result exceeds uint256")
    return result


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """``ceil(a * b / denominator)`` for uint256 inputs; reverts as FullMath.mulDivRoundingUp does."""
    if denominator <= 0:
        raise MathOverflow("mulDivRoundingUp by zero")
    result = -(-(a * b) // denominator)
    if result > MAX_UINT256:
        raise MathOverflow("mulDivRoundingUp result exceeds uint256")
    return result


def to_int128(x: int) -> int:
    """SafeCast.toInt128: ``x`` unchanged if it fits in int128, else the contract reverts."""
    if not MIN_INT128 <= x <= MAX_INT128:
        raise MathOverflow(f"{x} does not fit in int128")
    return x


def to_int256(x: int) -> int:
    """SafeCast.toInt256: ``x`` unchanged if it is below 2**255, else the contract reverts."""
    if x > MAX_INT256:
        raise MathOverflow(f"{x} does not fit in int256")
    return x
