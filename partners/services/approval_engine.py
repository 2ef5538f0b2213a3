"""The one approval engine: decide the current step of a request of any kind, escalate steps
past their SLA.

Three kinds of request go through it (`ApprovalKind`): deal registrations, partner touchpoints
and split changes. Each kind describes itself once (`ApprovalSubject`): its model, its status
values, what its audit rows are called, and what its final approval does (link the deal,
credit the partner, apply the split). Everything else is common to all kinds:

- only members with `PartnerCap.APPROVE` decide, and only the step the policy gave them
  (a named user, a role, or past the SLA the escalation target) — `may_decide`;
- nobody decides a request they submitted (segregation of duties);
- a rejection needs a reason; the decision row, the audit row and the e-mail to the
  requester are written in the decision's transaction (the e-mail leaves on commit);
- concurrent decisions on one request give exactly one outcome: the request row is locked
  (SELECT ... FOR UPDATE) before its status and step are read, so a second decision waits,
  then finds the step decided and is refused without writing anything. A unique constraint
  (one decision per request and step) backs it up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from partners.models import ApprovalDecision
from partners.permissions import PartnerCap
from partners.selectors.approvals import may_decide, step_label
from partners.services.mail import mail_on_commit
from revops.exceptions import ApplicationError
from revops.models import Membership, Organization
from revops.permissions import has_cap
from revops.services.audit import audit_record, snapshot

REJECT_REASON_REQUIRED = "Give the partner a reason for the rejection."


@dataclass(frozen=True)
class ApprovalSubject:
    """How one kind of request goes through the engine.

    `finalize(subject, membership, now)` runs when the last step is approved, inside the
    decision's transaction: it applies the request's effect, sets the approved status and
    returns the body of the approval e-mail; an ApplicationError it raises refuses the
    decision (nothing is written).
    """

    kind: str
    model: type[models.Model]
    decision_field: str
    pending: str
    rejected: str
    audit_action: str
    audit_fields: tuple[str, ...]
    select_related: tuple[str, ...]
    own_request: str
    describe: Callable[[Any], str]
    finalize: Callable[[Any, Membership, dt.datetime], str]


def _notify(subject: Any, title: str, body: str) -> None:
    mail_on_commit(to=[subject.requester_email], subject=title, body=body)


@transaction.atomic
def subject_decide(
    *,
    spec: ApprovalSubject,
    membership: Membership,
    pk: int,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Any:
    """Approve or reject the current step of request `pk` of `spec`'s kind as `membership`.

    Refusals (ApplicationError / ValidationError) write nothing: a decided request, a step
    waiting for someone else, one's own request, a rejection without a reason, whatever the
    kind's final approval refuses.
    """
    if not has_cap(membership, PartnerCap.APPROVE):
        raise PermissionDenied
    now = now or timezone.now()
    subject = (
        spec.model._default_manager.select_for_update(of=("self",))
        .select_related(*spec.select_related)
        .get(pk=pk, organization_id=membership.organization_id)
    )
    if subject.status != spec.pending:
        raise ApplicationError(f"Already decided: {subject.get_status_display().lower()}.")
    if subject.submitted_by_id == membership.user_id:
        raise ApplicationError(spec.own_request)
    step = subject.steps[subject.current_step]
    if not may_decide(subject, membership, now=now):
        raise ApplicationError(f"This step waits for {step_label(step)}.")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": REJECT_REASON_REQUIRED})
    overdue = subject.step_due_at is not None and now > subject.step_due_at
    before = snapshot(subject, list(spec.audit_fields))
    final = approve and subject.current_step + 1 >= len(subject.steps)
    approved_body = spec.finalize(subject, membership, now) if final else ""
    ApprovalDecision.objects.create(
        organization_id=subject.organization_id,
        **{spec.decision_field: subject},
        step=subject.current_step,
        step_name=step["name"],
        outcome=ApprovalDecision.Outcome.APPROVED if approve else ApprovalDecision.Outcome.REJECTED,
        decided_by=membership.user,
        reason=reason,
        escalated=overdue and step.get("escalate_to_id") == membership.user_id,
    )
    name = spec.describe(subject)
    if not approve:
        subject.status = spec.rejected
        subject.decided_at = now
        subject.decision_reason = reason
        _notify(subject, f"{name} was rejected", f"Reason: {reason}")
    elif final:
        _notify(subject, f"{name} was approved", approved_body)
    else:
        subject.current_step += 1
        next_step = subject.steps[subject.current_step]
        subject.step_due_at = now + dt.timedelta(hours=next_step["sla_hours"])
        subject.escalated = False
        _notify(subject, f"{name}: step {step['name']} approved", f"Next: {next_step['name']}.")
    subject.save()
    audit_record(
        organization=subject.organization,
        actor=membership.user,
        action=f"{spec.audit_action}.approve" if approve else f"{spec.audit_action}.reject",
        obj=subject,
        before=before,
        after=snapshot(subject, list(spec.audit_fields)) | {"step": step["name"]},
        reason=reason,
    )
    return subject


@transaction.atomic
def subjects_escalate(*, spec: ApprovalSubject, organization: Organization, now: dt.datetime) -> int:
    """Mark steps of `spec`'s kind past their SLA as escalated and tell their escalation
    target (once per step: the flag resets when the next step starts)."""
    overdue = spec.model._default_manager.filter(
        organization=organization, status=spec.pending, step_due_at__lt=now, escalated=False
    )
    count = 0
    users = get_user_model().objects
    for subject in overdue.select_for_update():
        step = subject.steps[subject.current_step]
        target = users.filter(pk=step.get("escalate_to_id")).first() if step.get("escalate_to_id") else None
        subject.escalated = True
        subject.save(update_fields=["escalated", "updated_at"])
        if target is not None:
            mail_on_commit(
                to=[target.email],
                subject=f"{spec.describe(subject)} is past its SLA",
                body=f"Step {step['name']} of {spec.describe(subject)} waits; you may decide it now.",
            )
        count += 1
    return count
