"""Read an uploaded file into a header and numbered rows, as its profile describes it.

`open_table` streams the rows of a CSV file as they are read (cells in header order), so a
file of a million rows is never held as rows in memory; `read_table` reads them all.

Every problem with the file as a whole (wrong encoding, NUL bytes, an unclosed quote, a
field too long, a duplicate header, the wrong delimiter, a missing sheet) raises
`FileRefused` with a message for the person who uploaded it; nothing here raises anything
else for bad input.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from revops.imports.errors import FileRefused
from revops.imports.profiles import ProfileSpec, normalise_header

# The csv module's own limit (128 KB) is process-wide; we check a smaller one ourselves.
MAX_FIELD_CHARS = 32 * 1024
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# CSV text is handed to the csv module in blocks of about this many characters, cut after a
# newline: one StringIO over the whole text would copy it at four bytes a character.
TEXT_BLOCK = 1 << 20
# A workbook is a zip: its parts may unpack to at most this much (a zip bomb of a few MB
# would otherwise inflate to gigabytes of XML). A zip part never yields more than it declares.
MAX_XLSX_UNPACKED_MB = 100
ERROR_NOT_XLSX = "The file is not an Excel workbook (.xlsx)."


@dataclass
class Table:
    """Normalised headers and (line number, {header: value}) rows; the header row is `header_line`."""

    headers: list[str]
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    header_line: int = 1
    # Line numbers of rows with more values than the header has columns.
    overlong: dict[int, int] = field(default_factory=dict)


@dataclass
class TableStream:
    """Normalised headers and the rows as they are read: (line number, cells), one cell per header.

    `records` can be iterated once; a problem found on the way raises FileRefused then.
    `overlong` fills as the rows are read; `size_hint` is about how many rows there are (for
    progress only)."""

    headers: list[str]
    records: Iterator[tuple[int, list[object]]]
    header_line: int = 1
    overlong: dict[int, int] = field(default_factory=dict)
    size_hint: int = 0

    def as_dict(self, cells: Sequence[object]) -> dict[str, object]:
        """A row's cells by header, as `Table.rows` holds them."""
        return {h: c for h, c in zip(self.headers, cells, strict=False) if h}


def open_table(content: bytes, spec: ProfileSpec) -> TableStream:
    """The file's header, and its rows to read one by one; raises FileRefused for an unreadable file.

    CSV rows are read as they are asked for; the other formats are small and read at once."""
    if spec.format == "csv":
        return _open_csv(decode(content, spec.encoding), spec)
    table = read_table(content, spec)
    headers = table.headers
    return TableStream(
        headers=headers,
        records=iter([(line, [values.get(h, "") for h in headers]) for line, values in table.rows]),
        header_line=table.header_line,
        overlong=table.overlong,
        size_hint=len(table.rows),
    )


def read_table(content: bytes, spec: ProfileSpec) -> Table:
    """The file's table per `spec.format`; raises FileRefused for an unreadable file."""
    if spec.format == "xlsx":
        return _read_xlsx(content, spec)
    if spec.format == "pdf":
        return _read_pdf(content, spec)
    text = decode(content, spec.encoding)
    if spec.format == "json":
        return _read_json(text)
    stream = _open_csv(text, spec)
    table = Table(headers=stream.headers, header_line=stream.header_line, overlong=stream.overlong)
    table.rows = [(line, stream.as_dict(cells)) for line, cells in stream.records]
    return table


def decode(content: bytes, encoding: str) -> str:
    """The file as text in the profile's encoding; a UTF-8 BOM is dropped."""
    name = codecs.lookup(encoding).name
    if name in ("utf-8", "utf-8-sig") and content.startswith(UTF16_BOMS):
        raise FileRefused(
            f"The file is UTF-16 (it starts with a UTF-16 byte-order mark); the profile says {name}."
        )
    try:
        text = content.decode("utf-8-sig" if name == "utf-8" else name)
    except UnicodeDecodeError as exc:
        line = content[: exc.start].decode(name, errors="replace").count("\n") + 1
        raise FileRefused(
            f"line {line}: the file is not {name} text (byte 0x{content[exc.start]:02x} at offset "
            f"{exc.start}); choose a profile with the file's encoding (for example latin-1 or utf-16)."
        ) from exc
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileRefused(f"line {line}: the file contains a NUL byte; it is not a text file in {name}.")
    return text


def _header(cells: Sequence[object], line: int) -> list[str]:
    headers = [normalise_header(c) for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    seen: dict[str, int] = {}
    for position, name in enumerate(headers, start=1):
        if not name:
            continue
        if name in seen:
            raise FileRefused(
                f"line {line}: the column {name!r} appears twice (columns {seen[name]} and {position}); "
                "rename or remove one."
            )
        seen[name] = position
    return headers


def _add_row(table: Table, line: int, cells: Sequence[object]) -> None:
    if not any(str(c).strip() for c in cells if c is not None):
        return  # blank line
    if len(cells) > len(table.headers) and any(
        str(c).strip() for c in cells[len(table.headers) :] if c is not None
    ):
        table.overlong[line] = len(cells)
    values = {h: ("" if c is None else c) for h, c in zip(table.headers, cells, strict=False) if h}
    for h in table.headers[len(cells) :]:
        if h:
            values[h] = ""
    table.rows.append((line, values))


def _open_csv(text: str, spec: ProfileSpec) -> TableStream:
    reader = csv.reader(_text_lines(text), delimiter=spec.delimiter, strict=True)
    try:
        cells = next(reader, None)
    except csv.Error as exc:
        raise FileRefused(_csv_problem(exc, 1)) from exc
    if cells is None:
        raise FileRefused("The file is empty.")
    _check_length(cells, 1)
    stream = TableStream(headers=_header(cells, 1), records=iter(()), size_hint=text.count("\n"))
    _check_delimiter(text, stream.headers, spec)
    stream.records = _csv_records(reader, reader.line_num + 1, stream)
    return stream


def _text_lines(text: str) -> Iterator[str]:
    """The text's lines as `StringIO(text, newline="")` gives them, a block at a time."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start + TEXT_BLOCK)
        end = size if end < 0 else end + 1
        yield from io.StringIO(text[start:end], newline="")
        start = end


def _check_length(cells: list[str], line: int) -> None:
    if cells and max(map(len, cells)) > MAX_FIELD_CHARS:
        raise FileRefused(f"line {line}: a value is longer than {MAX_FIELD_CHARS} characters.")


def _csv_records(reader: Any, line: int, stream: TableStream) -> Iterator[tuple[int, list]]:
    """Numbered rows of cells, one per header: blank lines skipped, overlong rows noted."""
    width = len(stream.headers)
    try:
        for cells in reader:
            joined = "".join(cells)
            if len(joined) > MAX_FIELD_CHARS:
                _check_length(cells, line)
            if joined.strip():
                if len(cells) != width:
                    if len(cells) > width and "".join(cells[width:]).strip():
                        stream.overlong[line] = len(cells)
                    cells = cells[:width] + [""] * (width - len(cells))
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FileRefused(_csv_problem(exc, line)) from exc


def _csv_problem(exc: csv.Error, line: int) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"line {line}: a value is longer than {MAX_FIELD_CHARS} characters."
    if "unexpected end of data" in text or "EOF" in text:
        return f'line {line}: a quoted value is never closed (a " without its closing ").'
    return f"line {line}: the file is not valid CSV ({text})."


def _check_delimiter(text: str, headers: list[str], spec: ProfileSpec) -> None:
    """A header that is one column but splits on another delimiter: say which one it looks like."""
    if len([h for h in headers if h]) > 1:
        return
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in CANDIDATE_DELIMITERS if d != spec.delimiter}
    likely = max(counts, key=lambda d: counts[d]) if counts else None
    if likely and counts[likely]:
        raise FileRefused(
            f"line 1: the file looks {_show(likely)}-separated, the profile says {_show(spec.delimiter)}."
        )


def _show(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else delimiter


def _read_json(text: str) -> Table:
    """A JSON list of objects (the API's bulk body): keys are the headers, item i is line i + 2."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRefused(f"The body is not JSON: {exc.msg} at line {exc.lineno}.") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FileRefused("Send a list of objects.")
    headers: list[str] = []
    for item in items:
        for key in item:
            name = normalise_header(key)
            if name not in headers:
                headers.append(name)
    table = Table(headers=headers)
    for index, item in enumerate(items):
        values = {normalise_header(k): "" if v is None else v for k, v in item.items()}
        _check_cells(list(values.values()), index + 2, "line")
        table.rows.append((index + 2, {h: values.get(h, "") for h in headers}))
    return table


def _check_cells(cells: Sequence[object], number: int, unit: str) -> None:
    """Values that are not text a database column can hold: NUL bytes, megabyte strings, lists."""
    for cell in cells:
        if isinstance(cell, str) and len(cell) > MAX_FIELD_CHARS:
            raise FileRefused(f"{unit} {number}: a value is longer than {MAX_FIELD_CHARS} characters.")
        if isinstance(cell, str) and "\x00" in cell:
            raise FileRefused(f"{unit} {number}: a value contains a NUL byte.")
        if isinstance(cell, dict | list):
            raise FileRefused(f"{unit} {number}: a value is a list or an object, not a single value.")


def _check_workbook_zip(content: bytes) -> None:
    """Refuse a workbook that unpacks too large, or one that carries macros (an .xlsm renamed)."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileRefused(ERROR_NOT_XLSX) from exc
    if sum(p.file_size for p in parts) > MAX_XLSX_UNPACKED_MB * 1024 * 1024:
        raise FileRefused(
            f"The workbook unpacks to more than {MAX_XLSX_UNPACKED_MB} MB; "
            "split it, or save its sheet as CSV."
        )
    names = {p.filename.lower() for p in parts}
    if any(n.endswith("vbaproject.bin") for n in names):
        raise FileRefused(
            "The workbook contains macros (an .xlsm file); save it as an Excel workbook (.xlsx) "
            "without macros."
        )


def _read_xlsx(content: bytes, spec: ProfileSpec) -> Table:
    from openpyxl import load_workbook  # heavy; only needed for spreadsheets

    _check_workbook_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken or non-XLSX file
        raise FileRefused(ERROR_NOT_XLSX) from exc
    try:
        if spec.sheet and spec.sheet not in workbook.sheetnames:
            raise FileRefused(
                f"The workbook has no sheet {spec.sheet!r} (sheets: {', '.join(workbook.sheetnames)})."
            )
        sheet = workbook[spec.sheet] if spec.sheet else workbook.worksheets[0]
        return _table_from_rows(sheet.iter_rows(values_only=True), spec.header_row, "row")
    finally:
        workbook.close()


def _read_pdf(content: bytes, spec: ProfileSpec) -> Table:
    import pdfplumber  # heavy; only needed for PDF tables

    rows: list[Sequence[object]] = []
    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            for page in pdf.pages:
                for found in page.extract_tables():
                    rows.extend(found)
    except Exception as exc:  # pdfminer raises many types for a broken file
        raise FileRefused("The file is not a readable PDF.") from exc
    if not rows:
        raise FileRefused("The PDF has no table.")
    # A table continued on the next page repeats its header: keep the first one only.
    header = rows[spec.header_row - 1] if len(rows) >= spec.header_row else None
    body = [r for i, r in enumerate(rows) if i < spec.header_row or r != header]
    return _table_from_rows(iter(body), spec.header_row, "row")


def _table_from_rows(rows: Iterator, header_row: int, unit: str) -> Table:
    table: Table | None = None
    for number, cells in enumerate(rows, start=1):
        cells = list(cells)
        if number < header_row:
            continue
        _check_cells(cells, number, unit)
        if table is None:
            table = Table(headers=_header(cells, number), header_line=number)
        else:
            _add_row(table, number, [c.strip() if isinstance(c, str) else c for c in cells])
    if table is None:
        raise FileRefused(f"The file has no header at {unit} {header_row}.")
    return table
