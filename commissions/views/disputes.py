"""Disputes: a rep flags a statement line; the disputes page lists them with their age against
the SLA, and finance settles them (an adjustment, or a reasoned rejection)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from commissions.forms import DisputeForm, SettleForm
from commissions.models import DisputeStatus
from commissions.permissions import CommissionCap, can_dispute, can_resolve
from commissions.selectors.disputes import dispute_get, dispute_rows
from commissions.selectors.statements import statement_get, statement_line_get
from commissions.services.disputes import dispute_raise, dispute_reject, dispute_resolve
from revops.exceptions import ApplicationError
from revops.permissions import cap_required
from revops.tenancy import MemberRequest


@require_POST
@cap_required(CommissionCap.VIEW)
def dispute_raise_view(request: MemberRequest, pk: int, line_pk: int) -> HttpResponse:
    """The statement's rep flags one of its lines; anyone else in scope is refused (403)."""
    statement = statement_get(membership=request.membership, pk=pk)
    line = statement_line_get(statement=statement, line_pk=line_pk)
    if not can_dispute(request.membership, rep_id=statement.rep_id):
        raise PermissionDenied
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Not flagged: " + " ".join(e for errors in form.errors.values() for e in errors)
        )
    else:
        try:
            dispute_raise(
                statement=statement,
                line=line,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Flagged: finance will answer on the disputes page.")
    return redirect("commissions:statement-line", pk=statement.pk, line_pk=line.pk)


@require_safe
@cap_required(CommissionCap.VIEW)
def dispute_list_view(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in DisputeStatus.values:
        status = ""
    rows, summary = dispute_rows(membership=request.membership, status=status)
    return render(
        request,
        "commissions/disputes.html",
        {
            "rows": rows,
            "summary": summary,
            "status": status,
            "statuses": DisputeStatus.choices,
            "can_resolve": can_resolve(request.membership),
            "settle_form": SettleForm(),
        },
    )


@require_POST
@cap_required(CommissionCap.RESOLVE)
def dispute_settle_view(request: MemberRequest, pk: int) -> HttpResponse:
    dispute = dispute_get(membership=request.membership, pk=pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        problems = [
            f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
            for f, e in form.errors.items()
        ]
        messages.error(request, "Not settled — " + "; ".join(problems))
        return redirect("commissions:disputes")
    data = form.cleaned_data
    try:
        if data["action"] == "resolve":
            dispute_resolve(dispute=dispute, actor=request.user, amount=data["amount"], note=data["note"])
            messages.success(request, "Adjusted; the month is being computed again.")
        else:
            dispute_reject(dispute=dispute, actor=request.user, note=data["note"])
            messages.success(request, "Rejected with your reason.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("commissions:disputes")
