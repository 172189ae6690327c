"""Exact big-integer columns that behave the same on SQLite and PostgreSQL.

Token amounts, Q64.96 prices and liquidity are up to 256 bits wide. Tortoise's ``DecimalField``
breaks past 28 digits under Python's default decimal context and compares as a float on SQLite,
so these fields store:

* on PostgreSQL: ``NUMERIC(78,0)``, exact, sortable and readable by operators;
* on SQLite: fixed-width text whose byte order is the numeric order, so filters and ``ORDER BY``
  work without casts. Unsigned values are 78 zero-padded digits. Signed values are a sign letter
  (``n`` below zero, ``p`` at or above) followed by 78 digits; negatives store ``10**78 + v`` so
  that more negative values sort first.

Both read back as Python ``int``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise.fields.base import Field
from tortoise.models import Model

UINT256_MAX = 2**256 - 1
INT256_MIN = -(2**255)
INT256_MAX = 2**255 - 1
_DIGITS = 78
_TEN78: int = 10**_DIGITS


class BigIntegerRangeError(ValueError):
    """A value does not fit the column's 256-bit range (or is not an integer at all)."""


def _dialect_of(instance: type[Model] | Model) -> str:
    meta = getattr(instance, "_meta", None)
    db = getattr(meta, "db", None) if meta is not None else None
    capabilities = getattr(db, "capabilities", None)
    return str(getattr(capabilities, "dialect", "sqlite"))


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise BigIntegerRangeError(f"expected an integer, got {type(value).__name__}")
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise BigIntegerRangeError(f"expected an integer, got {value}")
        return int(value)
    return int(value)


def encode_unsigned_text(value: int) -> str:
    """SQLite text of an unsigned 256-bit value: 78 zero-padded digits."""
    return str(value).zfill(_DIGITS)


def encode_signed_text(value: int) -> str:
    """SQLite text of a signed 256-bit value, ordered like the numbers (see module docstring)."""
    if value >= 0:
        return "p" + str(value).zfill(_DIGITS)
    return "n" + str(_TEN78 + value).zfill(_DIGITS)


def decode_text(text: str) -> int:
    """Inverse of both text encodings (plain decimal text, as other tools write it, is accepted)."""
    if text[:1] == "p":
        return int(text[1:])
    if text[:1] == "n":
        return int(text[1:]) - _TEN78
    return int(text)


def decode_int(value: Any) -> int:
    """An ``int`` from what a database returns for a big-integer column: an int, an integral
    ``Decimal`` (PostgreSQL ``NUMERIC``), or text in either encoding or plain decimal (SQLite)."""
    if isinstance(value, str):
        return decode_text(value)
    return _as_int(value)


class _BigIntegerField(Field[int]):
    """Base of the two 256-bit fields; subclasses fix the range and the SQLite encoding."""

    field_type = int
    SQL_TYPE = "NUMERIC(78,0)"
    _min: int = 0
    _max: int = UINT256_MAX

    class _db_sqlite:
        SQL_TYPE = "VARCHAR(79)"

    def _encode_text(self, value: int) -> str:
        raise NotImplementedError

    def to_db_value(self, value: Any, instance: type[Model] | Model) -> Any:
        if value is None:
            return None
        number = _as_int(value)
        if not self._min <= number <= self._max:
            raise BigIntegerRangeError(
                f"{self.model_field_name or 'value'}={number} is outside [{self._min}, {self._max}]"
            )
        if _dialect_of(instance) == "sqlite":
            return self._encode_text(number)
        return Decimal(number)

    def to_python_value(self, value: Any) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return decode_int(value)


class UInt256Field(_BigIntegerField):
    """An unsigned integer up to 2**256 - 1 (token amounts, sqrtPriceX96, liquidity, gas)."""

    _min = 0
    _max = UINT256_MAX

    def _encode_text(self, value: int) -> str:
        return encode_unsigned_text(value)


class Int256Field(_BigIntegerField):
    """A signed integer in [-2**255, 2**255 - 1] (swap amounts, token deltas, PnL in raw units)."""

    _min = INT256_MIN
    _max = INT256_MAX

    def _encode_text(self, value: int) -> str:
        return encode_signed_text(value)
