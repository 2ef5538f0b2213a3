"""Values to cells and back, without loss: what the backup writes is what the restore reads.

- Text is written as a text cell (never a formula). The export kit's formula neutralisation
  applies (`revops.exports.FORMULA_PREFIXES`): a text that starts with =, +, -, @, tab or CR
  gets one leading single quote, and so does a text that already starts with a quote; the
  restore removes exactly one leading quote, so "=1+1" and "'x" come back unchanged.
  Control characters a spreadsheet cannot hold are removed, as in every export.
- Money and other decimals are numeric cells (money formatted) when a spreadsheet number holds
  them exactly (15 significant digits), else text; the restore reads them back to the field's
  decimal places.
- Dates are date cells; date-times are UTC text `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`
  (a spreadsheet's date-time cell keeps milliseconds only).
- JSON is its text. Empty cells are NULL (or "" for text columns that allow no NULL).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models

from revops.exports import FORMULA_PREFIXES
from revops.text import clean_text

QUOTE = "'"
EXACT_DIGITS = 15
TEXT_FIELDS = (models.CharField, models.TextField, models.FileField)


class CellError(ValueError):
    """A cell that cannot be read back as its column's type."""


def encode_text(text: str) -> str:
    text = clean_text(text)
    return QUOTE + text if text.startswith((*FORMULA_PREFIXES, QUOTE)) else text


def decode_text(text: str) -> str:
    return text[1:] if text.startswith(QUOTE) else text


def datetime_text(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def encode(value: Any, field: models.Field, *, spreadsheet: bool) -> Any:
    """The cell value of `value` (a column's attribute): native in a workbook, text in CSV."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return encode_text(json.dumps(value, ensure_ascii=False))
    if isinstance(value, bool):
        return value if spreadsheet else ("true" if value else "false")
    if isinstance(value, Decimal):
        if spreadsheet and len(value.as_tuple().digits) <= EXACT_DIGITS:
            return value
        return str(value)
    if isinstance(value, int):
        return value if not spreadsheet or abs(value) < 2**53 else str(value)
    if isinstance(value, float):
        return value if spreadsheet else repr(value)
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return value if spreadsheet else value.isoformat()
    if isinstance(field, models.FileField):
        return encode_text(str(value))
    return encode_text(str(value))


def _text_cell(value: Any) -> Any:
    return None if value is None else encode_text(value if isinstance(value, str) else str(value))


def _datetime_cell(value: Any) -> Any:
    return None if value is None else datetime_text(value)


# Columns whose values a CSV writer prints exactly as `encode` writes them (ids, whole numbers,
# decimals, dates): the value goes to the writer as it is.
CSV_AS_IS = (models.AutoField, models.IntegerField, models.ForeignKey, models.DecimalField, models.DateField)


def _as_is(value: Any) -> Any:
    return value


def _boolean_text(value: Any) -> Any:
    return None if value is None else ("true" if value else "false")


def column_encoder(field: models.Field, *, spreadsheet: bool) -> Callable[[Any], Any]:
    """`encode` for one column, chosen once per table instead of once per cell.

    Text and date-time columns (most cells of a backup) skip `encode`'s type tests; every other
    column calls `encode` itself, so what is written is the same cell by cell."""
    if isinstance(field, models.JSONField):
        return lambda value: encode(value, field, spreadsheet=spreadsheet)
    if isinstance(field, TEXT_FIELDS) and not field.choices:
        return _text_cell
    if isinstance(field, models.DateTimeField):
        return _datetime_cell
    if not spreadsheet:
        if isinstance(field, models.BooleanField):
            return _boolean_text
        if isinstance(field, CSV_AS_IS):
            # CSV prints these values as `encode` would: str() of an int, a Decimal, a date
            return _as_is
    return lambda value: encode(value, field, spreadsheet=spreadsheet)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise CellError(f"expected a whole number, found {value!r}")


def _decimal(value: Any, places: int | None) -> Decimal:
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise CellError(f"expected a number, found {value!r}")
    except InvalidOperation:
        raise CellError(f"expected a number, found {value!r}") from None
    if not number.is_finite():
        raise CellError(f"expected a number, found {value!r}")
    return number.quantize(Decimal(1).scaleb(-places)) if places is not None else number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise CellError(f"expected true or false, found {value!r}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CellError(f"expected a date YYYY-MM-DD, found {value!r}")


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise CellError(f"expected a date-time YYYY-MM-DDTHH:MM:SS+00:00, found {value!r}") from None
    else:
        raise CellError(f"expected a date-time, found {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def decode(value: Any, field: models.Field) -> Any:
    """The attribute value of a cell in `field`'s column; raises CellError when it cannot be."""
    if value is None or value == "":
        if field.null:
            return None
        if isinstance(field, TEXT_FIELDS):
            return ""
        raise CellError("a value is required")
    if isinstance(field, models.JSONField):
        try:
            return json.loads(decode_text(str(value)))
        except json.JSONDecodeError as exc:
            raise CellError(f"not valid JSON ({exc.msg})") from None
    if isinstance(field, models.BooleanField):
        return _boolean(value)
    if isinstance(field, models.DecimalField):
        return _decimal(value, field.decimal_places)
    if isinstance(field, models.FloatField):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise CellError(f"expected a number, found {value!r}") from None
    if isinstance(field, models.AutoField | models.IntegerField | models.ForeignKey):
        return _integer(value)
    if isinstance(field, models.DateTimeField):
        return _datetime(value)
    if isinstance(field, models.DateField):
        return _date(value)
    if isinstance(field, TEXT_FIELDS):
        return decode_text(value if isinstance(value, str) else str(value))
    try:
        return field.to_python(value)
    except Exception as exc:
        raise CellError(str(exc)) from None


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CellError(f"expected a number, found {value!r}") from None


def _whole(value: Any) -> int:
    if type(value) is str:
        try:
            return int(value)
        except ValueError:
            pass
    return _integer(value)


def _text(value: Any) -> str:
    return decode_text(value if isinstance(value, str) else str(value))


def _json(value: Any) -> Any:
    try:
        return json.loads(decode_text(str(value)))
    except json.JSONDecodeError as exc:
        raise CellError(f"not valid JSON ({exc.msg})") from None


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """How `decode` reads a non-empty cell of `field`'s column (the same tests, in the same order)."""
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.BooleanField):
        return _boolean
    if isinstance(field, models.DecimalField):
        places = field.decimal_places
        return lambda value: _decimal(value, places)
    if isinstance(field, models.FloatField):
        return _float
    if isinstance(field, models.AutoField | models.IntegerField | models.ForeignKey):
        return _whole
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.DateField):
        return _date
    if isinstance(field, TEXT_FIELDS):
        return _text

    def other(value: Any) -> Any:
        try:
            return field.to_python(value)
        except Exception as exc:
            raise CellError(str(exc)) from None

    return other


def column_decoder(field: models.Field) -> Callable[[Any], Any]:
    """`decode` for one column, the field's type tested once per table instead of once per cell.

    The restore reads millions of cells: each column's reader is chosen once, and a cell is
    read exactly as `decode` reads it (a test compares them)."""
    convert = _converter(field)
    null = field.null
    text = isinstance(field, TEXT_FIELDS)

    def decoder(value: Any) -> Any:
        if value is None or value == "":
            if null:
                return None
            if text:
                return ""
            raise CellError("a value is required")
        return convert(value)

    return decoder
