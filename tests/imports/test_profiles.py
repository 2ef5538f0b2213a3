"""Profiles: numbers and dates are read by the declared format only, never guessed."""

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from revops.imports.profiles import NumberFormat, ProfileSpec, normalise_header, parse_date, parse_number

US = NumberFormat()  # 1,234.56 (the built-in format)
EUROPEAN = NumberFormat(decimal=",", thousands=".")
DOLLARS = NumberFormat(symbols=("$",))
PLAIN = NumberFormat(thousands="")
SWISS = NumberFormat(thousands="'", symbols=("CHF",))


@pytest.mark.parametrize(
    ("_case", "text", "fmt", "expected"),
    [
        ("plain", "1234.56", US, Decimal("1234.56")),
        ("grouped", "1,234.56", US, Decimal("1234.56")),
        ("millions", "1,234,567", US, Decimal("1234567")),
        ("negative", "-1,000.50", US, Decimal("-1000.50")),
        ("european", "1.234,56", EUROPEAN, Decimal("1234.56")),
        ("european_bug_case", "1.000,50", EUROPEAN, Decimal("1000.50")),
        ("european_decimal_comma", "1,5", EUROPEAN, Decimal("1.5")),
        ("dollars", "$1,234", DOLLARS, Decimal("1234")),
        ("dollars_spaced", "$ 1,234.50", DOLLARS, Decimal("1234.50")),
        ("swiss_suffix", "1'234.50 CHF", SWISS, Decimal("1234.50")),
        ("plain_profile", "1234.5", PLAIN, Decimal("1234.5")),
        ("spreadsheet_float", 1234.5, US, Decimal("1234.5")),
        ("spreadsheet_int", 1234, US, Decimal("1234")),
    ],
)
def test_numbers_parse_by_the_declared_format(_case, text, fmt, expected):
    assert parse_number(text, fmt, places=2) == expected


@pytest.mark.parametrize(
    ("_case", "text", "fmt", "message"),
    [
        # Today's opportunity import stripped commas: 1.000,50 became 1.00 and 1,5 became 15.00.
        ("european_in_us_profile", "1.000,50", US, "'1.000,50' is not a number in the format 1,234.56"),
        ("decimal_comma_in_us_profile", "1,5", US, "'1,5' is not a number in the format 1,234.56"),
        ("bad_grouping", "12,34.5", US, "'12,34.5' is not a number in the format 1,234.56"),
        ("us_in_european_profile", "1,234.56", EUROPEAN, "'1,234.56' is not a number in the format 1.234,56"),
        ("grouping_not_declared", "1,234", PLAIN, "'1,234' is not a number in the format 1234.56"),
        ("symbol_not_declared", "$1,234", US, "'$1,234' is not a number in the format 1,234.56"),
        # Today 10.005 was rounded silently to 10.01 (or 10.00).
        ("three_places", "10.005", US, "'10.005' has more than 2 decimal places"),
        ("float_three_places", 10.005, US, "10.005 has more than 2 decimal places"),
        ("nan", "NaN", US, "'NaN' is not a number in the format 1,234.56"),
        ("infinity", "Infinity", US, "'Infinity' is not a number in the format 1,234.56"),
        ("exponent", "1e5", US, "'1e5' is not a number in the format 1,234.56"),
        ("empty_digits", "$", DOLLARS, "'$' is not a number in the format 1,234.56"),
    ],
)
def test_numbers_in_another_format_are_refused(_case, text, fmt, message):
    with pytest.raises(ValueError) as raised:
        parse_number(text, fmt, places=2)
    assert str(raised.value) == message


def test_a_number_format_with_equal_separators_is_refused():
    with pytest.raises(ValidationError) as raised:
        NumberFormat(decimal=",", thousands=",")
    assert "the decimal and thousands separators must differ" in str(raised.value)


@pytest.mark.parametrize(
    ("_case", "value", "spec", "expected"),
    [
        ("iso", "2026-03-01", ProfileSpec(), dt.date(2026, 3, 1)),
        ("day_first", "01.03.2026", ProfileSpec(date_formats=("%d.%m.%Y",)), dt.date(2026, 3, 1)),
        ("month_first", "03/01/2026", ProfileSpec(date_formats=("%m/%d/%Y",)), dt.date(2026, 3, 1)),
        (
            "second_format",
            "2026-03-01",
            ProfileSpec(date_formats=("%d.%m.%Y", "%Y-%m-%d")),
            dt.date(2026, 3, 1),
        ),
        ("excel_serial_int", 45658, ProfileSpec(excel_serial_dates=True), dt.date(2025, 1, 1)),
        ("excel_serial_text", "46082", ProfileSpec(excel_serial_dates=True), dt.date(2026, 3, 1)),
        ("excel_serial_float", 45658.0, ProfileSpec(excel_serial_dates=True), dt.date(2025, 1, 1)),
        ("datetime_cell", dt.datetime(2026, 3, 1, 14, 30), ProfileSpec(), dt.date(2026, 3, 1)),
    ],
)
def test_dates_parse_by_the_declared_formats(_case, value, spec, expected):
    assert parse_date(value, spec) == expected


@pytest.mark.parametrize(
    ("_case", "value", "spec", "message"),
    [
        ("not_declared", "01/03/2026", ProfileSpec(), "'01/03/2026' is not a date (use YYYY-MM-DD)"),
        ("impossible", "2026-02-30", ProfileSpec(), "'2026-02-30' is not a date (use YYYY-MM-DD)"),
        ("serial_off", "45658", ProfileSpec(), "'45658' is not a date (use YYYY-MM-DD)"),
        (
            "serial_fraction",
            45658.5,
            ProfileSpec(excel_serial_dates=True),
            "45658.5 is not an Excel date serial number",
        ),
        (
            "serial_too_big",
            999999,
            ProfileSpec(excel_serial_dates=True),
            "999999 is not an Excel date serial number",
        ),
        (
            "two_formats_listed",
            "2026/03/01",
            ProfileSpec(date_formats=("%d.%m.%Y", "%Y-%m-%d")),
            "'2026/03/01' is not a date (use DD.MM.YYYY or YYYY-MM-DD)",
        ),
    ],
)
def test_dates_in_another_format_are_refused(_case, value, spec, message):
    with pytest.raises(ValueError) as raised:
        parse_date(value, spec)
    assert str(raised.value) == message


def test_profile_spec_refuses_unknown_keys_encodings_and_long_delimiters():
    with pytest.raises(ValidationError) as raised:
        ProfileSpec.model_validate({"encoding": "klingon", "delimiter": ";;", "colums": {}})
    problems = {(e["loc"][0], e["type"]) for e in raised.value.errors()}
    assert problems == {
        ("encoding", "value_error"),
        ("delimiter", "string_too_long"),
        ("colums", "extra_forbidden"),
    }


def test_headers_are_trimmed_collapsed_and_lower_cased():
    assert [normalise_header(h) for h in (" Date ", "Close  Date", "\ufeffExternal_ID", None)] == [
        "date",
        "close date",
        "external_id",
        "",
    ]
