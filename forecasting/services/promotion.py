"""Promote a model version by hand (the admin's "promote" action), then rescore with it.

Training promotes a new version by itself only when it beats the active one on the holdout
(`forecasting.services.modelling.win_model_train`). An admin may overrule that decision, for
instance to go back to a retired version: the chosen version becomes active, the active one is
retired, the reason is audited and scoring is queued so the deal scores come from the new
active model.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from forecasting.models import ModelVersion
from forecasting.services.modelling import SCORE_KIND
from revops.exceptions import ApplicationError
from revops.models import JobRun, Organization
from revops.services.audit import audit_record
from revops.services.jobs import job_enqueue

NOTE_MAX = ModelVersion._meta.get_field("promotion_note").max_length or 300


@dataclass(frozen=True)
class Promotion:
    version: ModelVersion
    retired: ModelVersion | None
    score_job: JobRun | None  # None: the version was already active, nothing changed


def model_promote(*, organization: Organization, version_id: int, actor, reason: str) -> Promotion:
    """Make the version active, retire the active one, audit, and queue scoring.

    Promoting the active version again is a no-op. The version must belong to the
    organization (another organization's is "not found"); a reason is required.
    """
    reason = reason.strip()
    if not reason:
        raise ApplicationError("A promotion needs a reason.")
    with transaction.atomic():
        # Lock the organization's versions: two promotions at once would otherwise both read
        # the same active version and leave two active (the constraint would refuse one late).
        versions = {
            v.pk: v for v in ModelVersion.objects.select_for_update().filter(organization=organization)
        }
        version = versions.get(version_id)
        if version is None:
            raise ModelVersion.DoesNotExist(f"No model version {version_id} in {organization}.")
        if version.status == ModelVersion.Status.ACTIVE:
            return Promotion(version, None, None)
        active = next((v for v in versions.values() if v.status == ModelVersion.Status.ACTIVE), None)
        before = {"status": version.status, "active": active.number if active else None}
        if active is not None:
            active.status = ModelVersion.Status.RETIRED
            active.save(update_fields=["status", "updated_at"])
        version.status = ModelVersion.Status.ACTIVE
        version.promotion_note = f"Promoted by hand: {reason}"[:NOTE_MAX]
        version.full_clean()
        version.save(update_fields=["status", "promotion_note", "updated_at"])
        audit_record(
            organization=organization,
            actor=actor,
            action="forecasting.model_promote",
            obj=version,
            before=before,
            after={"status": version.status, "retired": active.number if active else None},
            reason=reason,
        )
        job, _ = job_enqueue(
            organization=organization,
            kind=SCORE_KIND,
            idempotency_key=f"score-after-promote-{version.pk}-{version.updated_at:%Y%m%d%H%M%S%f}",
            started_by=actor,
        )
    return Promotion(version, active, job)
