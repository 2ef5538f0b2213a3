"""Attachment checks for deal registrations: size and type, by extension and by content."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5
# Extension → the bytes the file must start with (None: text, checked as UTF-8).
ALLOWED_TYPES: dict[str, bytes | None] = {
    "pdf": b"%PDF-",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "pptx": b"PK\x03\x04",
    "txt": None,
    "csv": None,
}


def attachment_problem(upload: UploadedFile) -> str | None:
    """Why this upload is refused, naming the file; None when it is acceptable."""
    name = upload.name or "file"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        return f"{name}: files of this type are not accepted (use {allowed})."
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        return f"{name}: larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB."
    if upload.size == 0:
        return f"{name}: the file is empty."
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    magic = ALLOWED_TYPES[extension]
    if magic is not None and not head.startswith(magic):
        return f"{name}: the content is not a {extension.upper()} file."
    if magic is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A cut in the middle of a multi-byte character at the end of the sample is fine.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return f"{name}: the content is not text."
    return None


def attachments_check(uploads: list[UploadedFile]) -> None:
    """Refuse the whole submission when any attachment is refused (nothing is written)."""
    problems = [p for p in (attachment_problem(u) for u in uploads) if p]
    if len(uploads) > MAX_ATTACHMENTS:
        problems.insert(0, f"At most {MAX_ATTACHMENTS} attachments.")
    if problems:
        raise ValidationError({"attachments": problems})
