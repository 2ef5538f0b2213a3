"""How figures read on screen: money in the organization's currency, numbers, percentages.

Pure functions on Decimal/int values (no Django), used by the template filters in
`revops.templatetags.revops_format` and by exports that write text. The rules:

- Money carries its currency's symbol and minor units (USD/EUR two places, JPY none), with
  thousands separators. Negative amounts read "-$1,234.50". Amounts of a million or more drop
  the cents in the default form (a figure of that size is read in whole units); `exact=True`
  keeps every cent, for ledgers and statements.
- The compact form is for tiles: "$27.6M", "€940K", "¥1.2B"; the exact figure goes in the
  element's title.
- Percentages are given in percent units (12.5 means 12.5 %); ratios in 0–1 units.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Symbol placed before the amount; a currency missing here is written as its code and a space.
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "BRL": "R$",
    "MXN": "MX$",
    "KRW": "₩",
    "CHF": "CHF ",
    "SEK": "SEK ",
    "NOK": "NOK ",
    "DKK": "DKK ",
}
# ISO 4217 minor units where they are not 2.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3}
WHOLE_FROM = Decimal("1000000")
_COMPACT_STEPS = ((Decimal("1e12"), "T"), (Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K"))
EMPTY = "—"


def to_decimal(value: object) -> Decimal | None:
    """The value as a Decimal; None for None, "" and anything that is not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def currency_symbol(currency: str | None) -> str:
    code = (currency or "USD").upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def minor_units(currency: str | None) -> int:
    return MINOR_UNITS.get((currency or "USD").upper(), 2)


def group_digits(value: Decimal, places: int) -> str:
    """Absolute value with thousands separators and exactly `places` decimals, rounded half up."""
    quantum = Decimal(1).scaleb(-places)
    return f"{abs(value).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def format_money(value: object, currency: str | None = "USD", *, exact: bool = False) -> str:
    """ "$1,234.50", "-€12.00", "¥1,235"; cents dropped from a million up unless `exact`."""
    amount = to_decimal(value)
    if amount is None:
        return EMPTY
    places = minor_units(currency)
    if not exact and abs(amount) >= WHOLE_FROM:
        places = 0
    text = group_digits(amount, places)
    sign = "-" if amount < 0 and text.strip("0.,") else ""
    return f"{sign}{currency_symbol(currency)}{text}"


def format_money_compact(value: object, currency: str | None = "USD") -> str:
    """ "$27.6M", "$940K", "-$1.2B"; below a thousand the whole-unit figure ("$640")."""
    amount = to_decimal(value)
    if amount is None:
        return EMPTY
    sign = "-" if amount < 0 else ""
    magnitude = abs(amount)
    bigger = None  # the next larger unit, for a figure that rounds up into it (999.96K → 1.0M)
    for step, suffix in _COMPACT_STEPS:
        if magnitude >= step:
            scaled = (magnitude / step).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if scaled >= 1000 and bigger is not None:
                return f"{sign}{currency_symbol(currency)}1.0{bigger}"
            text = f"{scaled:f}".removesuffix(".0") if scaled >= 100 else f"{scaled:f}"
            return f"{sign}{currency_symbol(currency)}{text}{suffix}"
        bigger = suffix
    if magnitude >= Decimal("999.5"):
        return f"{sign}{currency_symbol(currency)}1.0K"
    whole = group_digits(magnitude, 0)
    return f"{sign if whole != '0' else ''}{currency_symbol(currency)}{whole}"


def format_number(value: object, places: int = 0) -> str:
    """ "12,345", "1,234.5" (places=1)."""
    number = to_decimal(value)
    if number is None:
        return EMPTY
    text = group_digits(number, places)
    sign = "-" if number < 0 and text.strip("0.,") else ""
    return f"{sign}{text}"


def format_percent(value: object, places: int = 1) -> str:
    """A value in percent units: 12.5 → "12.5 %"."""
    number = to_decimal(value)
    if number is None:
        return EMPTY
    return f"{format_number(number, places)} %"


def format_ratio(value: object, places: int = 1) -> str:
    """A value in 0–1 units: 0.125 → "12.5 %"."""
    number = to_decimal(value)
    if number is None:
        return EMPTY
    return format_percent(number * 100, places)
