"""PostgreSQL's binary COPY format for a big posting's rows, built over whole batches with numpy.

A prepared posting (`revops.ledger.prepared`) may hand its bodies over in this form as well as
in text: the server then stores each row without parsing a number, a hash or a timestamp back
from text (measured on a full attribution posting: about a sixth less server time than the
same rows as text). The text bodies stay what the chain hashes.

A row is a 16-bit field count, then per field a 32-bit length (−1: NULL) and the value, all
big-endian: a bigint is 8 bytes; text is its UTF-8 bytes; a timestamp is microseconds since
2000-01-01 UTC; a numeric is its digit count, weight, sign and display scale (16 bits each),
then base-10,000 digits (16 bits each). Numerics are written here with a fixed five digits
(four before the point, one after, weight 3); the server strips the zero digits, so the stored
value is the same as from text.

Fixed-width fields of a batch are filled column by column in a numpy structured array
(`Fields`); `rows` cuts it into one byte string per row, to be joined with each row's
variable part.
"""

from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal
from typing import Any

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # flags, extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
NUMERIC_DIGITS = 5  # base-10,000 digits: four whole (up to 10^16 − 1), one for the cents
NUMERIC_NEGATIVE = 0x4000
INT8 = [("length", ">i4"), ("value", ">i8")]
NUMERIC = [
    ("length", ">i4"),
    ("ndigits", ">i2"),
    ("weight", ">i2"),
    ("sign", ">u2"),
    ("dscale", ">i2"),
    ("digits", ">i2", (NUMERIC_DIGITS,)),
]


def field_count(count: int) -> bytes:
    return struct.pack(">h", count)


def int8_bytes(value: int | None) -> bytes:
    return NULL if value is None else struct.pack(">iq", 8, value)


def text_bytes(value: str | None) -> bytes:
    if value is None:
        return NULL
    data = value.encode()
    return struct.pack(">i", len(data)) + data


def timestamptz_bytes(moment: dt.datetime) -> bytes:
    delta = moment - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return struct.pack(">iq", 8, micros)


def numeric_bytes(value: Decimal) -> bytes:
    """A numeric of at most two decimals, as `numeric_cents` writes a column of them."""
    cents = int(value.scaleb(2))
    if Decimal(cents).scaleb(-2) != value:
        raise ValueError(f"{value} has more than two decimals")
    return struct.pack(
        ">ihhHh5h",
        8 + 2 * NUMERIC_DIGITS,
        NUMERIC_DIGITS,
        NUMERIC_DIGITS - 2,
        NUMERIC_NEGATIVE if cents < 0 else 0,
        2,
        *_digits(abs(cents)),
    )


def _digits(magnitude: Any) -> tuple[Any, ...]:
    """The five base-10,000 digits of amounts in cents (an int or a numpy array of them)."""
    whole, part = magnitude // 100, magnitude % 100
    return (
        whole // 10**12 % 10_000,
        whole // 10**8 % 10_000,
        whole // 10**4 % 10_000,
        whole % 10_000,
        part * 100,
    )


def numeric_cents(target: np.ndarray, cents: np.ndarray) -> None:
    """Fill a NUMERIC-shaped structured array (or field) with amounts given in cents."""
    target["length"] = 8 + 2 * NUMERIC_DIGITS
    target["ndigits"] = NUMERIC_DIGITS
    target["weight"] = NUMERIC_DIGITS - 2
    target["sign"] = np.where(cents < 0, NUMERIC_NEGATIVE, 0)
    target["dscale"] = 2
    digits = target["digits"]
    for i, digit in enumerate(_digits(np.abs(cents))):
        digits[:, i] = digit


def int8s(target: np.ndarray, values: np.ndarray | int) -> None:
    """Fill an INT8-shaped structured field (no NULLs)."""
    target["length"] = 8
    target["value"] = values


def rows(fixed: np.ndarray) -> list[bytes]:
    """A structured array's rows as byte strings (one per element)."""
    return np.frombuffer(fixed.tobytes(), dtype=f"V{fixed.dtype.itemsize}").tolist()
