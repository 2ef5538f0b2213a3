"""Export files written by a JobRun: built with the starter's scope, stored, downloaded by them.

The file is built from the same `ExportSpec.build` the page uses, with the membership of the
user who asked for it at the time the job runs (a deactivated member gets nothing), and stored
under the organization's export folder. Only that user may download it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, QueryDict
from django.utils import timezone

from revops.export_registry import ExportData, export_spec
from revops.exports import tables_bytes
from revops.models import JobRun, Membership
from revops.reports_pdf import PDF_CONTENT_TYPE, pdf_bytes
from revops.services.jobs import JobProgress, job_enqueue

EXPORT_KIND = "export.file"
EXPORT_DIR = "exports"
# A second click on the same export within this many seconds gets the same job, not a second file.
DOUBLE_CLICK_SECONDS = 30
MEMBER_GONE = "The member who asked for this export no longer has access to the organization."
RECORD_GONE = "The record of this export is no longer there for the member who asked for it."
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": PDF_CONTENT_TYPE,
}


def export_enqueue(
    *,
    membership: Membership,
    key: str,
    fmt: str,
    query: str,
    actor,
    url_kwargs: Mapping[str, int | str] | None = None,
) -> JobRun:
    """Queue the export `key` in `fmt` for the page's `query` (and, on a record page, its URL
    arguments); the same request twice → one job."""
    url_kwargs = dict(url_kwargs or {})
    bucket = int(timezone.now().timestamp()) // DOUBLE_CLICK_SECONDS
    digest = hashlib.sha256(
        json.dumps([key, fmt, query, url_kwargs, actor.pk, bucket], sort_keys=True).encode()
    ).hexdigest()[:32]
    params: dict = {"export": key, "format": fmt, "query": query}
    if url_kwargs:
        params["url_kwargs"] = url_kwargs
    job, _created = job_enqueue(
        organization=membership.organization,
        kind=EXPORT_KIND,
        idempotency_key=f"export:{digest}",
        params=params,
        started_by=actor,
    )
    return job


def export_file_bytes(
    *, data: ExportData, fmt: str, organization_name: str, progress=None
) -> tuple[bytes, str]:
    """The file of `data` in `fmt` and its content type."""
    if fmt == "pdf":
        content = pdf_bytes(
            title=data.title,
            organization_name=organization_name,
            tables=data.tables,
            summary=data.summary,
            progress=progress,
        )
        return content, PDF_CONTENT_TYPE
    return tables_bytes(fmt, data.tables, progress)


def export_file_write(*, job: JobRun, progress: JobProgress) -> dict:
    """Build and store the export recorded in `job`; the counts name the file for the download."""
    membership = (
        Membership.objects.filter(organization=job.organization, user=job.started_by, is_active=True)
        .select_related("organization", "partner")
        .first()
    )
    if membership is None:
        raise ValidationError(MEMBER_GONE)
    spec = export_spec(job.params["export"])
    fmt = job.params["format"]
    try:
        data = spec.build(
            membership=membership, params=QueryDict(job.params["query"]), **job.params.get("url_kwargs", {})
        )
    except Http404 as exc:
        # The record of a record page's export went out of the member's scope (or was deleted).
        raise ValidationError(RECORD_GONE) from exc
    total = data.row_count or 0

    def report(done: int) -> None:
        # Writing is nine tenths of the work; storing the file the last tenth.
        progress.report(done=min(done, total), total=total, span=90)

    content, _content_type = export_file_bytes(
        data=data, fmt=fmt, organization_name=job.organization.name, progress=report
    )
    name = f"{EXPORT_DIR}/{job.organization_id}/{job.pk}/{data.filename}.{fmt}"
    path = default_storage.save(name, ContentFile(content))
    return {"rows": total, "file": path, "filename": f"{data.filename}.{fmt}", "bytes": len(content)}


def export_file_open(*, job: JobRun):
    """The stored file of a finished export job (opened for reading)."""
    return default_storage.open(job.counts["file"], "rb")
