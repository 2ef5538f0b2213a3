"""The text a response carries, whatever its format: HTML, JSON, CSV, Excel or PDF.

Sentinel words are searched in that text, so an export or a partial cannot leak what the
page would not show.
"""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfReader

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def text_of(response) -> str:
    """Every character a reader of the response could see (headers aside)."""
    content_type = response.get("Content-Type", "")
    body = body_of(response)
    if content_type.startswith(XLSX):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    if content_type.startswith(PDF):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return body.decode("utf-8", errors="replace")


def leaked(response, words: list[str]) -> list[str]:
    """The words of `words` found in the response (its text and its file name)."""
    text = text_of(response) + response.get("Content-Disposition", "")
    return [word for word in words if word in text]
