"""Decide or escalate any kind of request by its kind (the queue page, the API, the hourly task)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from partners.models import ApprovalKind
from partners.services.approval_engine import ApprovalSubject, subject_decide, subjects_escalate
from partners.services.approvals import REGISTRATIONS
from partners.services.split_changes import SPLIT_CHANGES
from partners.services.touchpoints import TOUCHPOINTS
from revops.models import Membership, Organization

SUBJECTS: dict[str, ApprovalSubject] = {
    ApprovalKind.REGISTRATION: REGISTRATIONS,
    ApprovalKind.TOUCHPOINT: TOUCHPOINTS,
    ApprovalKind.SPLIT_CHANGE: SPLIT_CHANGES,
}


def approval_decide(
    *,
    kind: str,
    membership: Membership,
    pk: int,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Any:
    """Approve or reject the current step of request `pk` of `kind` (one transaction)."""
    return subject_decide(
        spec=SUBJECTS[kind], membership=membership, pk=pk, approve=approve, reason=reason, now=now
    )


def approvals_escalate(*, organization: Organization, now: dt.datetime) -> dict[str, int]:
    """Escalate every kind's steps past their SLA; how many per kind."""
    return {
        kind: subjects_escalate(spec=spec, organization=organization, now=now)
        for kind, spec in SUBJECTS.items()
    }
