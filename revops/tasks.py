"""Core background tasks: each one line calling a service, with its Celery options and why."""

from __future__ import annotations

from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task, periodic_task
from revops.models import JobRun
from revops.services.backup import BACKUP_KIND, RESTORE_KIND, backup_job_body, restore_job_body
from revops.services.exports import EXPORT_KIND, export_file_write
from revops.services.imports import IMPORT_JOB_KIND, import_job_body
from revops.services.jobs import JobProgress
from revops.services.periods import periods_ensure_ahead_everywhere
from revops.services.reports import REPORT_KIND, report_file_write, report_schedules_run_due
from revops.services.salesforce_pushback import (
    PUSHBACK_KIND,
    salesforce_pushback_job_body,
    salesforce_pushback_scheduled,
)
from revops.services.salesforce_sync import SYNC_KIND, salesforce_sync_job_body, salesforce_sync_scheduled


@job_task(
    kind=IMPORT_JOB_KIND,
    # A user waits for an import.
    queue=Queue.DEFAULT,
    # A worker lost mid-import leaves the message for another; the claim keeps it to one run.
    acks_late=True,
    reject_on_worker_lost=True,
    # Only transient database trouble (lock timeout, lost connection) is worth a retry;
    # a bad file fails the job at once with its row errors.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # One still queued after an hour is better started again.
    expires=60 * 60,
)
def run_import_task(job: JobRun, progress: JobProgress) -> Counts:
    """Run the import (preview or apply, any kind) recorded in the JobRun."""
    return import_job_body(job=job, progress=progress)


@job_task(
    kind=EXPORT_KIND,
    # Large exports and PDFs: long-running and CPU-bound, kept off the queue of quick jobs.
    queue=Queue.BULK,
    # A worker lost mid-file leaves the message for another; the claim keeps it to one file.
    acks_late=True,
    reject_on_worker_lost=True,
    # Reading the rows may meet a lock timeout or a lost connection: worth another try.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # The user is watching a progress bar; an export still queued after an hour is abandoned.
    expires=60 * 60,
)
def write_export_task(job: JobRun, progress: JobProgress) -> Counts:
    """Write the export file recorded in the JobRun, with the starter's scope."""
    return export_file_write(job=job, progress=progress)


@job_task(
    kind=BACKUP_KIND,
    # A whole organization's file: long-running, kept off the queue of quick jobs.
    queue=Queue.BULK,
    # A worker lost mid-file leaves the message for another; the claim keeps it to one file.
    acks_late=True,
    reject_on_worker_lost=True,
    # Reading may meet a lock timeout or a lost connection: worth another try.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # The admin watches a progress bar; a backup still queued after two hours is abandoned.
    expires=2 * 60 * 60,
)
def write_backup_task(job: JobRun, progress: JobProgress) -> Counts:
    """Write the organization backup recorded in the JobRun."""
    return backup_job_body(job=job, progress=progress)


@job_task(
    kind=RESTORE_KIND,
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # All or nothing in one transaction: a retry after a transient error starts clean.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    expires=2 * 60 * 60,
)
def restore_backup_task(job: JobRun, progress: JobProgress) -> Counts:
    """Restore the uploaded backup recorded in the JobRun into its new organization."""
    return restore_job_body(job=job, progress=progress)


@periodic_task(
    # Scheduled daily, nobody waits for it.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Idempotent (creates only missing months), so a retry after a database error is safe.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # A run still waiting after 6 hours is superseded by the next one.
    expires=6 * 60 * 60,
)
def ensure_fiscal_periods_task() -> dict[str, int]:
    """Create every organization's monthly periods 12 months ahead (idempotent)."""
    return periods_ensure_ahead_everywhere()


@job_task(
    kind=SYNC_KIND,
    # Syncs read thousands of records: kept off the queue of quick interactive jobs.
    queue=Queue.BULK,
    # A worker lost mid-sync leaves the message for another; pages already written are kept
    # with their watermark, so the redelivery resumes (the claim keeps it to one run).
    acks_late=True,
    reject_on_worker_lost=True,
    # Transient database trouble is worth a retry; Salesforce's own rate limits and 5xx are
    # retried with backoff inside the client, page by page.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # A sync still queued after two hours is superseded by the next scheduled one.
    expires=2 * 60 * 60,
)
def salesforce_sync_task(job: JobRun, progress: JobProgress) -> Counts:
    """Run the Salesforce sync or preview recorded in the JobRun."""
    return salesforce_sync_job_body(job=job, progress=progress)


@periodic_task(
    # Scheduled, nobody waits for it; it only queues the sync's JobRun.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Queueing is keyed by connection and hour, so a retry queues nothing twice.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # The next hour's run supersedes one still waiting.
    expires=60 * 60,
)
def salesforce_sync_scheduled_task(connection_id: int = 0) -> dict[str, str]:
    """Queue the incremental sync of one connection (its beat entry passes the id)."""
    return salesforce_sync_scheduled(connection_id=connection_id)


@job_task(
    kind=PUSHBACK_KIND,
    # Upserts thousands of records to Salesforce: kept off the queue of quick interactive jobs.
    queue=Queue.BULK,
    # A worker lost mid-push leaves the message for another; upserts by external id make the
    # redelivery write the same records again, creating none (the claim keeps it to one run).
    acks_late=True,
    reject_on_worker_lost=True,
    # Transient database trouble is worth a retry; Salesforce's rate limits and 5xx are
    # retried with backoff inside the client, batch by batch.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # A push-back still queued after two hours is superseded by the next day's.
    expires=2 * 60 * 60,
)
def salesforce_pushback_task(job: JobRun, progress: JobProgress) -> Counts:
    """Push the attribution results recorded in the JobRun to the connection's custom object."""
    return salesforce_pushback_job_body(job=job, progress=progress)


@periodic_task(
    # Scheduled, nobody waits for it; it only queues the push-back's JobRun.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Queueing is keyed by connection and day, so a retry queues nothing twice.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # The next day's run supersedes one still waiting.
    expires=60 * 60,
)
def salesforce_pushback_scheduled_task(connection_id: int = 0) -> dict[str, str]:
    """Queue the daily push-back of one connection (its beat entry passes the id)."""
    return salesforce_pushback_scheduled(connection_id=connection_id)


@job_task(
    kind=REPORT_KIND,
    # Charts, layout and (for the audit trail) every ledger line: CPU-bound, off the quick queue.
    queue=Queue.BULK,
    # A worker lost mid-file leaves the message for another; the claim keeps it to one file
    # (and a schedule's e-mail to one send).
    acks_late=True,
    reject_on_worker_lost=True,
    # Reading the figures may meet a lock timeout or a lost connection: worth another try.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Someone watches a progress bar (or a schedule's next beat supersedes it): an hour at most.
    expires=60 * 60,
)
def write_report_task(job: JobRun, progress: JobProgress) -> Counts:
    """Write the report recorded in the JobRun with its member's scope (and mail a schedule's)."""
    return report_file_write(job=job, progress=progress)


@periodic_task(
    # Scheduled hourly, nobody waits for it; it only queues the reports' JobRuns.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Each schedule is claimed by a conditional UPDATE and its job keyed by due time, so a retry
    # queues nothing twice.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # The next hour's run supersedes one still waiting.
    expires=60 * 60,
)
def send_due_reports_task() -> dict[str, int]:
    """Queue the report of every schedule that is due."""
    return report_schedules_run_due()
