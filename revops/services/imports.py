"""File imports as jobs: store the upload, preview it, confirm it, write it all or nothing.

Every door (the import page, the API, the admin, the management commands) calls the same
three services, so the same file gives the same result, the same errors and the same audit
row whichever way it came in:

- `import_submit` stores the file and records a JobRun (`preview` or `apply`), one per
  distinct file, profile and mode; a file whose run failed can be submitted again;
- `import_confirm` turns a clean preview into an apply run of the same file;
- `import_job_body` is the work itself (the import task's body, `revops.tasks.run_import_task`,
  on the core's `job_task`); `import_job_run` runs it in process for the commands and the
  API's bounded list. A run never stays "running": every failure ends it as failed with a
  message for the user.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError

from revops.exceptions import ApplicationError
from revops.imports.errors import ERROR_MORE, ImportRefused
from revops.imports.kinds import ImportKind, import_kind_get
from revops.imports.pipeline import Preview, import_apply, import_prepare
from revops.imports.profiles import ProfileSpec
from revops.imports.templates import xlsx_spec
from revops.models import ImportProfile, JobRun, Organization
from revops.services.jobs import (
    JobProgress,
    job_claim,
    job_enqueue,
    job_fail,
    job_kind_register,
    job_kind_task,
    job_retry,
    job_succeed,
)

logger = structlog.get_logger(__name__)

IMPORT_DIR = "imports"
# Bytes read at a time when the stored file is digested (the confirm): memory stays a block.
FILE_BLOCK = 1024 * 1024
# The JobRun kind the import task is registered under; each import kind's runs are "import.<kind>".
IMPORT_JOB_KIND = "import"
# Worth a retry by the task (lock timeouts, lost connections), not a failed import.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# An upload larger than this is refused before it is stored (about 40,000 CSV rows).

ERROR_TOO_LARGE = "The file is larger than {limit} MB."
ERROR_NOT_PREVIEW = "Only a finished preview without errors can be confirmed."
ERROR_UNEXPECTED = "The import failed unexpectedly ({name}); nothing was imported."
ERROR_NO_PROFILE = "No {kind} import profile {profile!r} in this organization."
# JobRun.error keeps 10,000 characters; the list is cut at a line, with how many were left out.
MAX_ERROR_TEXT = 9_000


class Mode:
    PREVIEW = "preview"
    APPLY = "apply"


def import_profile_spec(
    *, organization: Organization, kind: ImportKind, profile: str = "", filename: str = ""
) -> ProfileSpec:
    """The named profile of this organization and kind, or the kind's built-in default.

    Without a profile, a file named `.xlsx` is read as a workbook with the built-in profile's
    columns and formats (the kind's Excel template, filled in, comes back that way).
    """
    if not profile:
        if filename.lower().endswith(".xlsx"):
            return xlsx_spec(kind.default_profile)
        return kind.default_profile
    row = ImportProfile.objects.filter(organization=organization, kind=kind.name, name=profile).first()
    if row is None:
        raise ValidationError(ERROR_NO_PROFILE.format(kind=kind.name, profile=profile))
    return row.load()


def _job_kind(kind: ImportKind) -> str:
    """The JobRun kind of an import kind's runs, run by the one import task."""
    job_kind = f"{IMPORT_JOB_KIND}.{kind.name}"
    # Kinds register from any app's ready(); their runs all go to the import task.
    job_kind_register(kind=job_kind, task=job_kind_task(kind=IMPORT_JOB_KIND))
    return job_kind


def import_submit(
    *,
    organization: Organization,
    actor,
    kind_name: str,
    content: bytes,
    filename: str = "",
    profile: str = "",
    spec: ProfileSpec | None = None,
    mode: str = Mode.PREVIEW,
    run_key: str = "",
) -> tuple[JobRun, bool]:
    """Store the file and record its run, queued after commit; (job, queued).

    The run's key is the digest of (file, spec, mode): the same file submitted twice returns
    the first run and queues nothing, unless that run failed, in which case it is queued
    again. `spec` replaces the named profile (the API's JSON list has its own); `run_key`
    makes a run distinct from an earlier one of the same content.
    """
    kind = import_kind_get(kind_name)
    if spec is None:
        spec = import_profile_spec(organization=organization, kind=kind, profile=profile, filename=filename)
    if len(content) > settings.REVOPS_IMPORT_MAX_MB * 1024 * 1024:
        raise ValidationError(ERROR_TOO_LARGE.format(limit=settings.REVOPS_IMPORT_MAX_MB))
    spec_json = spec.model_dump(mode="json")
    digest = _run_digest([content], spec_json=spec_json, run_key=run_key)
    path = _stored_path(organization, digest, spec)
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(content))
    return _run_enqueue(
        organization=organization,
        actor=actor,
        kind=kind,
        spec_json=spec_json,
        path=path,
        size=len(content),
        digest=digest,
        mode=mode,
        filename=filename,
        profile=profile,
    )


def _run_digest(chunks: Iterable[bytes], *, spec_json: dict, run_key: str) -> str:
    """The run's key: the digest of (file, spec, run key), fed a block of the file at a time."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    digest.update(json.dumps(spec_json, sort_keys=True).encode() + run_key.encode())
    return digest.hexdigest()


def _stored_path(organization: Organization, digest: str, spec: ProfileSpec) -> str:
    name = hashlib.sha256(f"{organization.pk}:{digest}".encode()).hexdigest()[:32]
    return f"{IMPORT_DIR}/{name}.{spec.format}"


def _run_enqueue(
    *,
    organization: Organization,
    actor,
    kind: ImportKind,
    spec_json: dict,
    path: str,
    size: int,
    digest: str,
    mode: str,
    filename: str,
    profile: str,
) -> tuple[JobRun, bool]:
    job, created = job_enqueue(
        organization=organization,
        kind=_job_kind(kind),
        idempotency_key=f"import:{kind.name}:{mode}:{digest}",
        params={
            "import_kind": kind.name,
            "mode": mode,
            "file": path,
            "filename": filename[:200],
            "bytes": size,
            "profile": profile,
            "spec": spec_json,
        },
        started_by=actor,
    )
    if not created and job.status == JobRun.Status.FAILED and job_retry(job=job):
        # A failed file may be fixed by data elsewhere (a missing account added): run it again.
        job.refresh_from_db()
        created = True
    return job, created


def import_confirm(*, job: JobRun, actor) -> tuple[JobRun, bool]:
    """Queue the apply run of a clean preview (the same stored file and profile)."""
    preview = job.params.get("preview") or {}
    if (
        job.params.get("mode") != Mode.PREVIEW
        or job.status != JobRun.Status.SUCCEEDED
        or preview.get("error_count", 1)
    ):
        raise ApplicationError(ERROR_NOT_PREVIEW)
    kind = import_kind_get(job.params["import_kind"])
    # The apply run reads the file the preview stored; the request never holds it: the run's
    # key is digested from the stored file a block at a time.
    spec_json = ProfileSpec.model_validate(job.params["spec"]).model_dump(mode="json")
    path = job.params["file"]
    return _run_enqueue(
        organization=job.organization,
        actor=actor,
        kind=kind,
        spec_json=spec_json,
        path=path,
        size=default_storage.size(path),
        digest=_run_digest(import_file_blocks(path=path), spec_json=spec_json, run_key=""),
        mode=Mode.APPLY,
        filename=job.params.get("filename", ""),
        profile=job.params.get("profile", ""),
    )


def import_file_read(*, path: str) -> bytes:
    """The stored upload at `path` (relative to MEDIA_ROOT)."""
    with default_storage.open(path, "rb") as handle:
        return handle.read()


def import_file_blocks(*, path: str) -> Iterator[bytes]:
    """The stored upload at `path`, a block (FILE_BLOCK bytes) at a time."""
    with default_storage.open(path, "rb") as handle:
        while block := handle.read(FILE_BLOCK):
            yield block


def _error_text(errors: list[str], total: int) -> str:
    shown: list[str] = []
    size = 0
    for line in errors:
        if size + len(line) + 1 > MAX_ERROR_TEXT:
            break
        shown.append(line)
        size += len(line) + 1
    if total > len(shown):
        shown.append(ERROR_MORE.format(n=total - len(shown)))
    return "\n".join(shown)


def _store_preview(job: JobRun, preview: Preview) -> None:
    params = {**job.params, "preview": preview.as_dict()}
    counts = _summary(preview)
    JobRun.objects.filter(pk=job.pk).update(params=params, counts=counts)
    job.params, job.counts = params, counts


def _summary(preview: Preview) -> dict:
    return {
        "rows": preview.rows,
        **preview.counts,
        **({"errors": preview.error_count} if preview.error_count else {}),
        **{f"total_{k}": str(v) for k, v in preview.totals.items()},
        **preview.extra,
    }


def import_job_body(*, job: JobRun, progress: JobProgress) -> dict:
    """Run the import recorded in the claimed JobRun (the import task's body); its counts.

    A refused file or row raises ValidationError with the problems, one a line (its counts and
    preview are stored first); any other error but a transient database one raises
    ApplicationError with a message that names no internals (the details go to the log).
    """
    kind = import_kind_get(job.params["import_kind"])
    spec = ProfileSpec.model_validate(job.params["spec"])

    def report(done: int, total: int) -> None:
        progress.report(done=done, total=total, span=99)

    try:
        content = import_file_read(path=job.params["file"])
        if job.params["mode"] == Mode.PREVIEW:
            preview = import_prepare(
                kind=kind,
                organization=job.organization,
                content=content,
                spec=spec,
                progress=report,
                keep_planned=False,  # a preview writes nothing: its memory stays a chunk's
            ).preview
            _store_preview(job, preview)
            if preview.error_count:
                raise ImportRefused(preview.errors, total=preview.error_count)
        else:
            preview = import_apply(
                kind=kind,
                organization=job.organization,
                actor=job.started_by,
                content=content,
                spec=spec,
                job_run_id=job.pk,
                filename=job.params.get("filename", ""),
                progress=report,
            )
            _store_preview(job, preview)
    except ImportRefused as exc:  # FileRefused included
        JobRun.objects.filter(pk=job.pk).update(counts={**job.counts, "errors": exc.total})
        raise ValidationError(_error_text(exc.errors, exc.total).splitlines()) from exc
    except TRANSIENT_ERRORS:
        raise  # the task hands the run back and retries
    except Exception as exc:  # a bug or a value the database refused: fail the run, details in the log
        logger.exception("import_failed", job_run_id=job.pk, kind=kind.name)
        raise ApplicationError(ERROR_UNEXPECTED.format(name=type(exc).__name__)) from exc
    return _summary(preview)


def import_job_run(*, job_run_id: int) -> JobRun:
    """Run a submitted import in this process (the commands, the API's bounded list).

    Claims the run like the task does, so a task delivery of the same run does nothing; a
    run another process already claimed is returned as it is.
    """
    job = job_claim(job_run_id=job_run_id)
    if job is None:
        return JobRun.objects.get(pk=job_run_id)
    try:
        counts = import_job_body(job=job, progress=JobProgress(job_run_id=job.pk))
    except ValidationError as exc:
        job_fail(job_run_id=job.pk, error="\n".join(exc.messages))
    except ApplicationError as exc:
        job_fail(job_run_id=job.pk, error=exc.message)
    else:
        job_succeed(job_run_id=job.pk, counts=counts)
    job.refresh_from_db()
    return job
