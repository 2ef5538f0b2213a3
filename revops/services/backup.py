"""Organization backups and restores as JobRuns: started from the admin page, run in the background.

A backup job writes the organization's file (revops.backup.writer) into storage under
`backups/<organization id>/<job id>/`; only organization admins may download it. A restore
job reads an uploaded backup and restores it into a new organization (revops.backup.restore),
all or nothing; the admin who started it becomes an admin of the new organization.
"""

from __future__ import annotations

import hashlib
import tempfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import slugify

from revops.backup.restore import backup_restore
from revops.backup.writer import backup_write
from revops.models import JobRun, Organization
from revops.services.jobs import JobProgress, job_enqueue

BACKUP_KIND = "organization.backup"
RESTORE_KIND = "organization.restore"
BACKUP_DIR = "backups"
FORMATS = ("xlsx", "zip")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
# A second click within this many seconds gets the same job, not a second backup.
DOUBLE_CLICK_SECONDS = 30
BAD_SLUG = "Choose the new organization's short name: letters, digits and hyphens."
SLUG_TAKEN = "An organization named {slug!r} already exists and holds data."


def backup_enqueue(*, organization: Organization, actor, fmt: str = "xlsx") -> JobRun:
    """Queue a backup of `organization` in `fmt`; the same request twice within seconds → one job."""
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown backup format {fmt!r} (use xlsx or zip).")
    bucket = int(timezone.now().timestamp()) // DOUBLE_CLICK_SECONDS
    job, _created = job_enqueue(
        organization=organization,
        kind=BACKUP_KIND,
        idempotency_key=f"backup:{fmt}:{actor.pk}:{bucket}",
        params={"format": fmt},
        started_by=actor,
    )
    return job


def backup_job_body(*, job: JobRun, progress: JobProgress) -> dict:
    """Write the backup recorded in `job` and store it; the counts name the file."""
    fmt = job.params["format"]
    organization = job.organization

    def report(done: int, total: int) -> None:
        progress.report(done=done, total=total, span=95)

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    filename = f"{organization.slug}-backup-{stamp}.{fmt}"
    with tempfile.TemporaryFile() as spool:
        summary = backup_write(organization=organization, target=spool, fmt=fmt, progress=report)
        size = spool.tell()
        spool.seek(0)
        path = default_storage.save(f"{BACKUP_DIR}/{organization.pk}/{job.pk}/{filename}", File(spool))
    return {"rows": summary.rows, "users": summary.users, "file": path, "filename": filename, "bytes": size}


def backup_file_open(*, job: JobRun):
    return default_storage.open(job.counts["file"], "rb")


def restore_enqueue(
    *, organization: Organization, actor, content: bytes, filename: str, slug: str, name: str = ""
) -> JobRun:
    """Store an uploaded backup and queue its restore into the new organization `slug`."""
    slug = slug.strip().lower()
    if not slug or slugify(slug) != slug:
        raise ValidationError({"slug": BAD_SLUG})
    digest = hashlib.sha256(content).hexdigest()[:32]
    path = default_storage.save(f"{BACKUP_DIR}/{organization.pk}/uploads/{digest}.bin", ContentFile(content))
    job, _created = job_enqueue(
        organization=organization,
        kind=RESTORE_KIND,
        idempotency_key=f"restore:{digest}:{slug}",
        params={"upload": path, "filename": filename, "slug": slug, "name": name},
        started_by=actor,
    )
    return job


def restore_job_body(*, job: JobRun, progress: JobProgress) -> dict:
    """Restore the uploaded backup recorded in `job` (all or nothing)."""

    def report(done: int, total: int) -> None:
        progress.report(done=done, total=total, span=95)

    with default_storage.open(job.params["upload"], "rb") as upload:
        result = backup_restore(
            file=upload,
            slug=job.params["slug"],
            name=job.params.get("name") or None,
            progress=report,
            admin=job.started_by,
        )
    return {
        "rows": result.total_rows,
        "organization": result.organization.slug,
        "organization_id": result.organization.pk,
        "users_linked": result.users_linked,
        "users_created": len(result.users_created),
        "ledgers": result.ledgers,
        "not_in_file": result.not_in_file,
        "columns_left_out": result.columns_left_out,
    }
