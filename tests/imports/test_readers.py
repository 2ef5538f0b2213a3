"""Readers: CSV in any delimiter and encoding, XLSX sheets, PDF tables; unreadable files refused."""

import datetime as dt

import pytest

from revops.imports.errors import FileRefused
from revops.imports.profiles import ProfileSpec
from revops.imports.readers import MAX_FIELD_CHARS, read_table
from tests.imports.files import pdf_table, xlsx

TEXT = "external_id;name;amount\nA-1;Café Crème;1.234,56\n"


@pytest.mark.parametrize(
    ("_case", "content", "spec"),
    [
        ("semicolon_utf8", TEXT.encode(), ProfileSpec(delimiter=";")),
        ("utf8_bom", b"\xef\xbb\xbf" + TEXT.encode(), ProfileSpec(delimiter=";")),
        ("latin1", TEXT.encode("latin-1"), ProfileSpec(delimiter=";", encoding="latin-1")),
        ("cp1252", TEXT.encode("cp1252"), ProfileSpec(delimiter=";", encoding="cp1252")),
        ("utf16_bom", TEXT.encode("utf-16"), ProfileSpec(delimiter=";", encoding="utf-16")),
        ("tab", TEXT.replace(";", "\t").encode(), ProfileSpec(delimiter="\t")),
        ("pipe_crlf", TEXT.replace(";", "|").replace("\n", "\r\n").encode(), ProfileSpec(delimiter="|")),
    ],
)
def test_csv_reads_any_delimiter_and_encoding(_case, content, spec):
    table = read_table(content, spec)
    assert table.headers == ["external_id", "name", "amount"]
    assert table.rows == [(2, {"external_id": "A-1", "name": "Café Crème", "amount": "1.234,56"})]


def test_csv_line_numbers_count_physical_lines_and_skip_blank_rows():
    content = b'id,note\n1,"two\nlines"\n\n2,x\n'
    table = read_table(content, ProfileSpec())
    assert table.rows == [(2, {"id": "1", "note": "two\nlines"}), (5, {"id": "2", "note": "x"})]


def test_headers_are_trimmed_so_date_with_a_trailing_space_is_date():
    table = read_table(b"External_ID , date \nA,2026-01-01\n", ProfileSpec())
    assert table.headers == ["external_id", "date"]


@pytest.mark.parametrize(
    ("_case", "content", "spec", "message"),
    [
        (
            "duplicate_header",
            b"external_id,date,amount,Date\nA,1,2,3\n",
            ProfileSpec(),
            "line 1: the column 'date' appears twice (columns 2 and 4); rename or remove one.",
        ),
        (
            "wrong_delimiter",
            b"external_id;name;amount\nA;B;1\n",
            ProfileSpec(),
            "line 1: the file looks ;-separated, the profile says ,.",
        ),
        (
            "wrong_delimiter_tab",
            b"external_id\tname\nA\tB\n",
            ProfileSpec(delimiter=";"),
            "line 1: the file looks tab-separated, the profile says ;.",
        ),
        (
            "latin1_as_utf8",
            "id,name\n1,Café\n".encode("latin-1"),
            ProfileSpec(),
            "line 2: the file is not utf-8 text (byte 0xe9 at offset 13); choose a profile with the file's "
            "encoding (for example latin-1 or utf-16).",
        ),
        (
            "utf16_as_utf8",
            "id,name\n1,x\n".encode("utf-16"),
            ProfileSpec(),
            "The file is UTF-16 (it starts with a UTF-16 byte-order mark); the profile says utf-8.",
        ),
        (
            "nul_byte",
            b"id,name\n1,ok\n2,b\x00d\n",
            ProfileSpec(),
            "line 3: the file contains a NUL byte; it is not a text file in utf-8.",
        ),
        (
            "field_over_128kb",
            b"id,name\n1," + b"x" * (129 * 1024) + b"\n",
            ProfileSpec(),
            f"line 2: a value is longer than {MAX_FIELD_CHARS} characters.",
        ),
        (
            "quoted_field_over_128kb",
            b'id,name\n1,"' + b"x" * (129 * 1024) + b'"\n',
            ProfileSpec(),
            f"line 2: a value is longer than {MAX_FIELD_CHARS} characters.",
        ),
        (
            "unclosed_quote",
            b'id,name\n1,"never closed\n2,x\n',
            ProfileSpec(),
            'line 2: a quoted value is never closed (a " without its closing ").',
        ),
        ("empty", b"", ProfileSpec(), "The file is empty."),
    ],
)
def test_unreadable_files_are_refused_with_a_message(_case, content, spec, message):
    with pytest.raises(FileRefused) as refused:
        read_table(content, spec)
    assert refused.value.message == message


def test_xlsx_reads_the_named_sheet_from_its_header_row():
    # given: a title block above the header, on the second sheet
    content = xlsx(
        {
            "Notes": [["nothing here"]],
            "Deals": [
                ["Export of 2026-03-01"],
                [],
                ["External ID", "Amount", "Created"],
                ["D-1", 1234.5, 46082],
                ["D-2", 10, dt.datetime(2026, 3, 2)],
            ],
        }
    )
    # when
    table = read_table(content, ProfileSpec(format="xlsx", sheet="Deals", header_row=3))
    # then
    assert table.headers == ["external id", "amount", "created"]
    assert table.rows == [
        (4, {"external id": "D-1", "amount": 1234.5, "created": 46082}),
        (5, {"external id": "D-2", "amount": 10, "created": dt.datetime(2026, 3, 2)}),
    ]


def test_xlsx_names_a_missing_sheet_and_refuses_a_non_workbook():
    content = xlsx({"Deals": [["a"]], "Other": [["b"]]})
    with pytest.raises(FileRefused) as missing:
        read_table(content, ProfileSpec(format="xlsx", sheet="Opportunities"))
    with pytest.raises(FileRefused) as broken:
        read_table(b"id,name\n", ProfileSpec(format="xlsx"))
    assert missing.value.message == "The workbook has no sheet 'Opportunities' (sheets: Deals, Other)."
    assert broken.value.message == "The file is not an Excel workbook (.xlsx)."


def test_pdf_tables_are_read_with_pdfplumber():
    # given: a PDF made here with reportlab
    content = pdf_table(
        [["External ID", "Amount", "Date"], ["R-1", "1.234,56", "01.03.2026"], ["R-2", "7,00", "02.03.2026"]]
    )
    # when
    table = read_table(content, ProfileSpec(format="pdf"))
    # then
    assert table.headers == ["external id", "amount", "date"]
    assert table.rows == [
        (2, {"external id": "R-1", "amount": "1.234,56", "date": "01.03.2026"}),
        (3, {"external id": "R-2", "amount": "7,00", "date": "02.03.2026"}),
    ]


def test_a_pdf_without_a_table_or_not_a_pdf_is_refused():
    with pytest.raises(FileRefused) as not_pdf:
        read_table(b"id,name\n", ProfileSpec(format="pdf"))
    assert not_pdf.value.message == "The file is not a readable PDF."
