"""Forecast calls: a member submits their own call; a manager adjusts a report's with a reason."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from forecasting.models import ForecastCall
from forecasting.permissions import ForecastCap, ForecastKind
from forecasting.selectors.periods import Period
from revops.models import Membership
from revops.money import quantize_money
from revops.permissions import has_cap, scoped
from revops.services.audit import audit_record


@transaction.atomic
def call_submit(
    *,
    membership: Membership,
    period: Period,
    commit: Decimal,
    best_case: Decimal,
    pipeline: Decimal,
    note: str = "",
) -> ForecastCall:
    """Create or replace the member's own call for the period (a new submission clears an
    adjustment: the manager adjusts the call as it now stands)."""
    if not has_cap(membership, ForecastCap.CALL):
        raise PermissionDenied
    call = ForecastCall.objects.filter(
        organization=membership.organization,
        owner=membership.user,
        period_start=period.start,
        period_end=period.end,
    ).first() or ForecastCall(
        organization=membership.organization,
        owner=membership.user,
        period_start=period.start,
        period_end=period.end,
    )
    before = {"commit": str(call.commit)} if call.pk else None
    call.commit, call.best_case, call.pipeline = (quantize_money(v) for v in (commit, best_case, pipeline))
    call.note = note
    call.adjusted_commit, call.adjustment_reason, call.adjusted_by = None, "", None
    call.full_clean()
    call.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="forecasting.call_submit",
        obj=call,
        before=before,
        after={"commit": str(call.commit), "best_case": str(call.best_case), "pipeline": str(call.pipeline)},
    )
    return call


@transaction.atomic
def call_adjust(
    *, membership: Membership, call_id: int, adjusted_commit: Decimal, reason: str
) -> ForecastCall:
    """Set a report's adjusted commit with a reason; the call must be in the manager's scope
    and not the manager's own."""
    if not has_cap(membership, ForecastCap.ADJUST):
        raise PermissionDenied
    call = (
        scoped(ForecastCall.objects.select_for_update(), membership, kind=ForecastKind.CALL)
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        raise ForecastCall.DoesNotExist
    if call.owner_id == membership.user_id:
        raise ValidationError("Adjust your reports' calls, not your own: submit your own call instead.")
    if not reason.strip():
        raise ValidationError({"adjustment_reason": "An adjustment needs a reason."})
    before = {"adjusted_commit": str(call.adjusted_commit) if call.adjusted_commit is not None else None}
    call.adjusted_commit = quantize_money(adjusted_commit)
    call.adjustment_reason = reason.strip()
    call.adjusted_by = membership.user
    call.full_clean()
    call.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="forecasting.call_adjust",
        obj=call,
        before=before,
        after={"adjusted_commit": str(call.adjusted_commit)},
        reason=call.adjustment_reason,
    )
    return call
