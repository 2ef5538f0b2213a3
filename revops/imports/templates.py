"""Blank-file templates of an import kind, generated from its row schema (never hand-written).

A template is the kind's header row and its example row, in the built-in profile's format:
a CSV (delimiter and encoding of the built-in profile) and an Excel workbook whose first sheet
("Data") holds the same two rows and whose "About" sheet says, per column, whether it is
required, its type, its format and its allowed values. Either file, as downloaded, imports
once the records its example refers to exist (the tests import every kind's template).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, get_args

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from pydantic.fields import FieldInfo

from revops.exports import export_text
from revops.imports import fields as framework
from revops.imports.kinds import ImportKind
from revops.imports.profiles import ProfileSpec

DATA_SHEET = "Data"
ABOUT_SHEET = "About"
ABOUT_HEADER = ("Column", "Required", "Type", "Format", "Allowed values and notes")
CSV_TYPE = "text/csv; charset={encoding}"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ColumnHelp:
    """One column of a template, as its "About" sheet describes it."""

    column: str
    required: bool
    type: str
    format: str
    notes: str


def _human_date(formats: tuple[str, ...]) -> str:
    return " or ".join(f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD") for f in formats)


def _metadata(info: Any) -> list[Any]:
    """The field's validators and constraints, also inside an optional `Annotated[...] | None`."""
    found = list(info.metadata)
    for arg in get_args(info.annotation):
        for item in getattr(arg, "__metadata__", ()):
            found.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return found


def _type_and_format(info: Any, spec: ProfileSpec) -> tuple[str, str]:
    """The column's type and how its values are written, read off the field's validators."""
    metadata = _metadata(info)
    converters = {getattr(m, "func", None) for m in metadata}
    max_length = next((m.max_length for m in metadata if getattr(m, "max_length", None)), None)
    number = f"decimal point {spec.number.decimal!r}" + (
        f", thousands {spec.number.thousands!r} allowed"
        if spec.number.thousands
        else ", no thousands separator"
    )
    if framework._to_money in converters:
        return "money", f"at most 2 decimals; {number}"
    if framework._to_date in converters:
        return "date", _human_date(spec.date_formats)
    if framework._to_quantity in converters:
        return "number", f"at most 4 decimals; {number}"
    annotation = str(info.annotation)
    if "datetime" in annotation:
        return "date and time", "YYYY-MM-DD HH:MM (ISO 8601)"
    if "date" in annotation:
        return "date", _human_date(spec.date_formats)
    if "bool" in annotation:
        return "yes/no", "true/false, yes/no or 1/0"
    if "int" in annotation:
        return "whole number", ""
    if "float" in annotation or "Decimal" in annotation:
        return "number", number
    if "list" in annotation:
        return "list", "values separated by commas"
    return "text", f"up to {max_length} characters" if max_length else ""


def template_columns(kind: ImportKind) -> list[ColumnHelp]:
    """Every column of the kind's file, in order, with what the "About" sheet says of it."""
    spec = kind.default_profile
    required = set(kind.required_fields())
    help_rows = []
    for name, info in kind.schema.model_fields.items():
        if name in spec.constants:
            continue
        type_name, fmt = _type_and_format(info, spec)
        help_rows.append(
            ColumnHelp(
                column=spec.columns.get(name, name),
                required=name in required,
                type=type_name,
                format=fmt,
                notes=kind.column_notes.get(name, ""),
            )
        )
    return help_rows


def _example_cells(kind: ImportKind) -> list[str]:
    spec = kind.default_profile
    return [str(kind.example.get(name, "")) for name in kind.fields() if name not in spec.constants]


def template_csv(kind: ImportKind) -> bytes:
    """The header and example row as a CSV in the built-in profile's delimiter and encoding."""
    spec = kind.default_profile
    out = io.StringIO()
    writer = csv.writer(out, delimiter=spec.delimiter, lineterminator="\n")
    writer.writerow([c.column for c in template_columns(kind)])
    writer.writerow(_example_cells(kind))
    return out.getvalue().encode(spec.encoding)


def template_xlsx(kind: ImportKind) -> bytes:
    """A workbook: "Data" (header with a comment per column, example row) and "About"."""
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    columns = template_columns(kind)
    data.append([export_text(c.column) for c in columns])
    data.append([export_text(v) for v in _example_cells(kind)])
    for cell, column in zip(data[1], columns, strict=True):
        cell.font = Font(bold=True)
        text = (
            f"{'Required' if column.required else 'Optional'} {column.type}. {column.format}. {column.notes}"
        )
        cell.comment = Comment(text.replace(". .", ".").strip(" ."), "revops")
        data.column_dimensions[cell.column_letter].width = max(14, len(column.column) + 2)
    data.freeze_panes = "A2"
    about = workbook.create_sheet(ABOUT_SHEET)
    about.append([f"{kind.label}: one row per record; the header row names the columns."])
    about.append(["Fill the Data sheet (or a CSV with the same header) and upload it; nothing is written "
                  "until the preview is confirmed, and a file with any bad row writes nothing."])  # fmt: skip
    about.append([])
    about.append(list(ABOUT_HEADER))
    for cell in about[4]:
        cell.font = Font(bold=True)
    for column in columns:
        about.append(
            [
                export_text(column.column),
                "yes" if column.required else "no",
                column.type,
                export_text(column.format),
                export_text(column.notes),
            ]
        )
    for letter, width in zip("ABCDE", (28, 10, 14, 40, 70), strict=True):
        about.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_filename(kind: ImportKind, fmt: str) -> str:
    return f"{kind.name}-template.{fmt}"


def xlsx_spec(spec: ProfileSpec) -> ProfileSpec:
    """The built-in profile read from a workbook (its first sheet), for a template sent back."""
    return spec.model_copy(update={"format": "xlsx", "sheet": "", "header_row": 1})


__all__ = [
    "CSV_TYPE",
    "XLSX_TYPE",
    "ColumnHelp",
    "template_columns",
    "template_csv",
    "template_filename",
    "template_xlsx",
    "xlsx_spec",
]
