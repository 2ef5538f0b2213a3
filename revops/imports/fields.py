"""Field types for row schemas: values are read by the profile passed as validation context.

A kind's row schema is a pydantic model built from these types; `ImportRow` turns blank
cells into missing values, so a required field left empty reads "is required".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator

from revops.imports.profiles import ProfileSpec, parse_date, parse_number
from revops.text import clean_text

MONEY_PLACES = 2
ROUNDED_PLACES = 8  # what a profile with money_rounding "half_up" reads before rounding to cents
QUANTITY_PLACES = 4
MAX_MONEY = Decimal("9999999999999999.99")  # DecimalField(18, 2)


def _spec(info: ValidationInfo) -> ProfileSpec:
    context = info.context or {}
    return context.get("spec") or ProfileSpec()


def _to_text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 1234.0 is the id "1234"
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return clean_text(value).strip() if isinstance(value, str) else value


def _to_money(value: Any, info: ValidationInfo) -> Decimal:
    spec = _spec(info)
    if spec.money_rounding == "half_up":
        amount = parse_number(value, spec.number, places=ROUNDED_PLACES)
        amount = amount.quantize(Decimal(1).scaleb(-MONEY_PLACES), rounding=ROUND_HALF_UP)
    else:
        amount = parse_number(value, spec.number, places=MONEY_PLACES)
    if abs(amount) > MAX_MONEY:
        raise ValueError("is too large")
    return amount


def _to_date(value: Any, info: ValidationInfo) -> dt.date:
    return parse_date(value, _spec(info))


def _to_quantity(value: Any, info: ValidationInfo) -> Decimal:
    return parse_number(value, _spec(info).number, places=QUANTITY_PLACES)


# Trimmed text; schemas add the length: `Annotated[str, TEXT, Field(max_length=64)]`.
TEXT = BeforeValidator(_to_text)


Money = Annotated[Decimal, BeforeValidator(_to_money)]
Day = Annotated[dt.date, BeforeValidator(_to_date)]
Quantity = Annotated[Decimal, BeforeValidator(_to_quantity)]


class ImportRow(BaseModel):
    """Base of every row schema: blank cells are missing, unknown columns are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_blanks(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data


def error_message(error: Mapping[str, Any]) -> str:
    """One pydantic error as the short phrase shown after "line N, field:"."""
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind in ("string_too_long", "too_long"):
        return f"is longer than {error['ctx']['max_length']} characters"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("string_type", "decimal_type", "date_type"):
        return f"{error.get('input')!r} is not valid here"
    return error["msg"]
