"""Forecasting background tasks: each calls one service, with its Celery options and why."""

from __future__ import annotations

from forecasting.services.forecast import snapshot_take
from forecasting.services.modelling import (
    SCORE_KIND,
    SNAPSHOT_KIND,
    TRAIN_KIND,
    deals_score,
    everywhere_enqueue,
    score_enqueue,
    win_model_train,
)
from forecasting.services.narratives import REPHRASE_KIND, narratives_rephrase, rephrase_enqueue
from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task, periodic_task
from revops.models import JobRun
from revops.services.jobs import JobProgress


@job_task(
    kind=TRAIN_KIND,
    # Minutes of CPU on a large organization: the bulk queue, away from user-facing jobs.
    queue=Queue.BULK,
    # A lost worker leaves the message for another; the claim keeps it to one run and the
    # model version is written in one transaction at the end, so a rerun is harmless.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Still queued after six hours: tonight's run will train on fresher data.
    expires=6 * 60 * 60,
)
def train_win_model_task(job: JobRun, progress: JobProgress) -> Counts:
    """Train, promote if better, then queue scoring with the (possibly new) active model."""
    outcome = win_model_train(
        organization=job.organization,
        actor=job.started_by,
        job_run_id=job.pk,
        progress=lambda done, total: progress.report(done=done, total=total),
    )
    score_enqueue(organization=job.organization, actor=job.started_by, key=f"score-after-train-{job.pk}")
    return outcome.as_counts()


@job_task(
    kind=SCORE_KIND,
    queue=Queue.BULK,
    # Scores are keyed per deal, day and model: a rerun writes nothing twice.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    expires=6 * 60 * 60,
)
def score_deals_task(job: JobRun, progress: JobProgress) -> Counts:
    """Score the open deals, then (with a language model configured) queue their rewording."""
    counts = deals_score(
        organization=job.organization, progress=lambda done, total: progress.report(done=done, total=total)
    )
    rephrase_enqueue(
        organization=job.organization, actor=job.started_by, key=f"rephrase-after-score-{job.pk}"
    )
    return counts


@job_task(
    kind=REPHRASE_KIND,
    # One outside call per deal, each bounded by FORECAST_REPHRASE_TIMEOUT: minutes, not for
    # the queue users wait on.
    queue=Queue.BULK,
    # Answers are kept per deal score and reused: a rerun asks only what is still missing.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Tomorrow's scores bring their own run.
    expires=6 * 60 * 60,
)
def rephrase_narratives_task(job: JobRun, progress: JobProgress) -> Counts:
    return narratives_rephrase(
        organization=job.organization, progress=lambda done, total: progress.report(done=done, total=total)
    )


@job_task(
    kind=SNAPSHOT_KIND,
    queue=Queue.BULK,
    # One snapshot per day and kind (update_or_create): a rerun replaces it with the same figures.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    expires=6 * 60 * 60,
)
def forecast_snapshot_task(job: JobRun, progress: JobProgress) -> Counts:
    snapshot = snapshot_take(
        organization=job.organization, kind=job.params.get("kind", "manual"), actor=job.started_by
    )
    return {"snapshot": snapshot.pk, "deals": len(snapshot.pipeline)}


@periodic_task(
    # Nightly, nobody waits for it.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Enqueueing is keyed per organization and night: a retry or second delivery queues nothing.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Superseded by the next night's run.
    expires=6 * 60 * 60,
)
def nightly_scoring_task() -> int:
    """Queue a scoring run for every organization with an active model."""
    return everywhere_enqueue(kind=SCORE_KIND, key_prefix="nightly-score")


@periodic_task(
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    expires=12 * 60 * 60,
)
def weekly_snapshot_task() -> int:
    """Queue the weekly forecast snapshot for every organization with an active model."""
    return everywhere_enqueue(kind=SNAPSHOT_KIND, key_prefix="weekly-snapshot", params={"kind": "weekly"})
