"""Import profiles: how one source file maps onto an import kind, described without code.

A profile is typed JSON (stored on `ImportProfile.spec`, or a kind's built-in default)
parsed with `ProfileSpec`. Values are read by the declared formats only: a number that does
not match the profile's number format is refused, never guessed.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Excel counts days from 1899-12-30 (the 1900 leap-year bug included), so serial 1 is 1900-01-01
# and serial 45658 is 2025-01-01.
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serial numbers outside this range are almost certainly not dates (1900-01-01 .. 2199-12-31).
EXCEL_SERIAL_RANGE = (1, 109574)


class NumberFormat(BaseModel):
    """How numbers are written in the source: `1,234.56`, `1.234,56`, `$1,234`, `1234.5`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decimal: Literal[".", ","] = "."
    thousands: Literal["", ",", ".", " ", "'"] = ","
    # Symbols allowed before or after the number, e.g. ["$"] or ["€", "EUR"].
    symbols: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _separators_differ(self) -> NumberFormat:
        if self.decimal == self.thousands:
            raise ValueError("the decimal and thousands separators must differ")
        return self

    @property
    def example(self) -> str:
        return f"1{self.thousands}234{self.decimal}56"


class ProfileSpec(BaseModel):
    """A source description: file format, columns, value formats, constants and value maps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["csv", "xlsx", "pdf", "json"] = "csv"
    # CSV: one character; "\t" for tab-separated files.
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8"
    # XLSX: the sheet name (empty: the first sheet); XLSX and PDF: the 1-based header row.
    sheet: str = ""
    header_row: int = Field(default=1, ge=1, le=1000)
    # Field name -> column header in the file (headers compare trimmed and case-insensitively).
    columns: dict[str, str] = Field(default_factory=dict)
    number: NumberFormat = NumberFormat()
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    excel_serial_dates: bool = False
    # Field name -> value used for every row (the file need not have that column).
    constants: dict[str, str] = Field(default_factory=dict)
    # Field name -> {value in the file -> value imported}; matched trimmed and case-insensitively.
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Amounts with more decimals than cents (`957.5775`): refused unless the source declares
    # they are rounded to cents, half up.
    money_rounding: Literal["refuse", "half_up"] = "refuse"
    # Columns whose values, joined with "|", make the kind's key (its dedupe key) when the file
    # has no single id column: e.g. ["Order number", "Order line"].
    key_columns: tuple[str, ...] = ()
    # The file has no dates: whoever uploads it names the year and month, given to the rows as
    # the constant `period` ("YYYY-MM"); see `with_period`.
    period_at_upload: bool = False

    def with_period(self, year: int, month: int) -> ProfileSpec:
        """This profile with the upload's period as the `period` constant ("YYYY-MM")."""
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError(f"{year}-{month:02d} is not a month")
        return self.model_copy(update={"constants": {**self.constants, "period": f"{year:04d}-{month:02d}"}})

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            return codecs.lookup(value).name
        except LookupError as exc:
            raise ValueError(f"unknown encoding {value!r}") from exc

    @field_validator("date_formats")
    @classmethod
    def _some_date_format(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("give at least one date format")
        return value

    def header_for(self, field: str) -> str:
        """The normalised header the field is read from."""
        return normalise_header(self.columns.get(field, field))


def normalise_header(value: object) -> str:
    """Trim, collapse inner whitespace and lower-case a header (`' Close  Date '` → `close date`)."""
    return " ".join(str(value if value is not None else "").replace("\ufeff", "").split()).lower()


def parse_number(value: object, fmt: NumberFormat, *, places: int) -> Decimal:
    """A Decimal written in `fmt` with at most `places` decimals; ValueError names the format.

    Numbers from spreadsheets (int/float cells) are exact already; text must match the
    declared separators exactly, so `1,5` with a `.` decimal point is refused, not read as 15.
    """
    if type(value) is str:
        # The common case, read without the general parser: digits, an optional sign and
        # decimals, nothing around them; anything else takes the general way below.
        plain = _patterns(fmt).simple.fullmatch(value)
        if plain is not None and len((plain["fraction"] or "").rstrip("0")) <= places:
            return Decimal(value if fmt.decimal == "." else value.replace(fmt.decimal, "."))
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        number = _parse_number_text(str(value), fmt)
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(f"{value!r} has more than {places} decimal places")
    return number


class _NumberPatterns(NamedTuple):
    simple: re.Pattern[str]
    plain: re.Pattern[str]
    grouped: re.Pattern[str] | None


@functools.lru_cache(maxsize=64)
def _patterns(fmt: NumberFormat) -> _NumberPatterns:
    """The format's patterns, compiled once per format."""
    decimal = re.escape(fmt.decimal)
    thousands = re.escape(fmt.thousands) if fmt.thousands else None
    return _NumberPatterns(
        simple=re.compile(rf"[+-]?\d+(?:{decimal}(?P<fraction>\d+))?", re.ASCII),
        plain=re.compile(rf"\d+(?:{decimal}\d+)?"),
        grouped=re.compile(rf"\d{{1,3}}(?:{thousands}\d{{3}})+(?:{decimal}\d+)?") if thousands else None,
    )


def _parse_number_text(text: str, fmt: NumberFormat) -> Decimal:
    raw = text.strip()
    for symbol in sorted(fmt.symbols, key=len, reverse=True):
        if raw.startswith(symbol):
            raw = raw[len(symbol) :].strip()
        elif raw.endswith(symbol):
            raw = raw[: -len(symbol)].strip()
    sign = ""
    if raw[:1] in ("+", "-"):
        sign, raw = raw[0], raw[1:].strip()
    patterns = _patterns(fmt)
    if not (patterns.plain.fullmatch(raw) or (patterns.grouped and patterns.grouped.fullmatch(raw))):
        raise ValueError(f"{text!r} is not a number in the format {fmt.example}")
    if fmt.thousands:
        raw = raw.replace(fmt.thousands, "")
    try:
        return Decimal(sign + raw.replace(fmt.decimal, "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise ValueError(f"{text!r} is not a number") from exc


def parse_date(value: object, spec: ProfileSpec) -> dt.date:
    """A date by the profile's formats (first match wins), or an Excel serial when enabled."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if spec.excel_serial_dates and isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    return _parse_date_text(str(value).strip(), spec.date_formats, spec.excel_serial_dates)


@functools.lru_cache(maxsize=8192)
def _parse_date_text(text: str, date_formats: tuple[str, ...], excel_serial_dates: bool) -> dt.date:
    """A date written as text; cached, since a file repeats the same few hundred dates."""
    if excel_serial_dates and re.fullmatch(r"\d+(\.0+)?", text):
        return _from_serial(float(text))
    for fmt in date_formats:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    shown = " or ".join(_human(fmt) for fmt in date_formats)
    raise ValueError(f"{text!r} is not a date (use {shown})")


def _from_serial(serial: float) -> dt.date:
    low, high = EXCEL_SERIAL_RANGE
    if not low <= serial <= high or serial != int(serial):
        raise ValueError(f"{serial!r} is not an Excel date serial number")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _human(fmt: str) -> str:
    return fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")
