"""Disputes: a rep flags a statement line; finance settles it with an adjustment or rejects it.

- `dispute_raise`: the statement's rep flags one of its lines (what is wrong, a comment).
- `dispute_resolve`: finance records an adjustment (rep × product line × month, with the
  reason) and queues the month's computation, which carries it into the statement — a draft
  is rewritten, an approved statement gets a correction that goes through the ledger.
- `dispute_reject`: finance closes it with a reason the rep reads.

Capability checks are the caller's (views, API); these check the state and write audit rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from commissions.models import (
    CommissionAdjustment,
    CommissionStatement,
    DisputeKind,
    DisputeStatus,
    StatementDispute,
    StatementLine,
)
from commissions.services.jobs import statements_compute_enqueue
from commissions.services.notifications import dispute_notify
from revops.exceptions import ApplicationError
from revops.services.audit import audit_record

ERROR_NOT_OPEN = "This dispute is already {status}."
ERROR_NO_COMMENT = "Say what is wrong: the comment is required."
ERROR_NO_REASON = "Give the reason the rep will read."
ERROR_ZERO = "An adjustment of zero changes nothing: reject the dispute instead, with a reason."
ERROR_LINE = "The line does not belong to this statement."


def dispute_raise(
    *, statement: CommissionStatement, line: StatementLine, actor, kind: str, comment: str
) -> StatementDispute:
    comment = (comment or "").strip()
    if not comment:
        raise ApplicationError(ERROR_NO_COMMENT)
    if line.statement_id != statement.pk:
        raise ApplicationError(ERROR_LINE)
    with transaction.atomic():
        dispute = StatementDispute.objects.create(
            organization_id=statement.organization_id,
            statement=statement,
            line=line,
            rep_id=statement.rep_id,
            raised_by=actor,
            kind=DisputeKind(kind),
            comment=comment,
        )
        audit_record(
            organization=statement.organization,
            actor=actor,
            action="commissions.dispute.raise",
            obj=dispute,
            after={"kind": dispute.kind, "line": line.pk},
        )
    return dispute


def _open(dispute: StatementDispute) -> StatementDispute:
    locked = (
        StatementDispute.objects.select_for_update().select_related("statement", "line").get(pk=dispute.pk)
    )
    if locked.status != DisputeStatus.OPEN:
        raise ApplicationError(ERROR_NOT_OPEN.format(status=locked.get_status_display().lower()))
    return locked


def dispute_resolve(*, dispute: StatementDispute, actor, amount: Decimal, note: str) -> StatementDispute:
    """Settle with an adjustment of `amount` on the disputed line's rep, product line and month."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError(ERROR_NO_REASON)
    if not amount:
        raise ApplicationError(ERROR_ZERO)
    with transaction.atomic():
        dispute = _open(dispute)
        statement = dispute.statement
        adjustment = CommissionAdjustment.objects.create(
            organization_id=dispute.organization_id,
            rep_id=dispute.rep_id,
            product_line_id=dispute.line.product_line_id,
            month=statement.month,
            amount=amount,
            reason=note[:500],
            created_by=actor,
        )
        dispute.status = DisputeStatus.RESOLVED
        dispute.resolution = note
        dispute.resolved_by = actor
        dispute.resolved_at = timezone.now()
        dispute.adjustment = adjustment
        dispute.save(
            update_fields=["status", "resolution", "resolved_by", "resolved_at", "adjustment", "updated_at"]
        )
        audit_record(
            organization=statement.organization,
            actor=actor,
            action="commissions.dispute.resolve",
            obj=dispute,
            before={"status": DisputeStatus.OPEN},
            after={"status": dispute.status, "adjustment": str(amount)},
            reason=note,
        )
        statements_compute_enqueue(organization=statement.organization, actor=actor, month=statement.month)
        dispute_notify(dispute=dispute)
    return dispute


def dispute_reject(*, dispute: StatementDispute, actor, note: str) -> StatementDispute:
    note = (note or "").strip()
    if not note:
        raise ApplicationError(ERROR_NO_REASON)
    with transaction.atomic():
        dispute = _open(dispute)
        dispute.status = DisputeStatus.REJECTED
        dispute.resolution = note
        dispute.resolved_by = actor
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["status", "resolution", "resolved_by", "resolved_at", "updated_at"])
        audit_record(
            organization=dispute.statement.organization,
            actor=actor,
            action="commissions.dispute.reject",
            obj=dispute,
            before={"status": DisputeStatus.OPEN},
            after={"status": dispute.status},
            reason=note,
        )
        dispute_notify(dispute=dispute)
    return dispute
