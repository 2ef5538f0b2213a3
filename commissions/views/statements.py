"""Commission statements: the list (payout export, compute as a job), a statement with its
lines and their computation, approve (managers, admin) and mark paid (finance)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from commissions.forms import ComputeForm, DisputeForm
from commissions.models import CommissionStatement, StatementStatus
from commissions.permissions import CommissionCap, can_approve, can_compute, can_dispute, can_pay
from commissions.selectors.disputes import line_disputes
from commissions.selectors.pipeline import expected_pipeline
from commissions.selectors.reps import reps_in_scope
from commissions.selectors.statements import (
    LineDetail,
    compute_job_latest,
    statement_detail,
    statement_get,
    statement_line_detail,
    statement_line_get,
    statement_list,
)
from commissions.services.jobs import statements_compute_enqueue
from commissions.services.statements import statement_approve, statement_pay
from revops.exceptions import ApplicationError
from revops.htmx import htmx_partial, render_page_or_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.periods import organization_today
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch
from revops.web.jobs import POLL_SECONDS

PAGE_SIZE = 50
LIST_PAGE = "commissions/statements.html"
LIST_BODY = "commissions/partials/statement_table.html"
DETAIL_PAGE = "commissions/statement_detail.html"
DETAIL_BODY = "commissions/partials/statement_body.html"
LINE_DETAIL = "commissions/partials/statement_line_detail.html"


@require_safe
@cap_required(CommissionCap.VIEW)
def statement_list_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "commissions-payouts")
    if exported is not None:
        return exported
    membership = request.membership
    filterset, qs = statement_list(membership=membership, filters=request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    month = filterset.form.cleaned_data.get("month") if filterset.is_valid() else None
    compute = can_compute(membership)
    reps = reps_in_scope(membership=membership)
    today = organization_today(membership.organization)
    # One rep's statements (the rep filter, or a rep's own list): their open pipeline too.
    wanted = request.GET.get("rep", "")
    pipeline_rep = next((r for r in reps if str(r.user_id) == wanted), reps[0] if len(reps) == 1 else None)
    context = {
        "filterset": filterset,
        "filter_values": filterset.form.data,
        "page_obj": page,
        "reps": reps,
        "pipeline_rep": pipeline_rep,
        "pipeline": (
            expected_pipeline(membership=membership, rep=pipeline_rep, today=today) if pipeline_rep else None
        ),
        "status_choices": StatementStatus.choices,
        "can_compute": compute,
        "compute_month": (month or today).replace(day=1),
        "compute_job": compute_job_latest(organization=membership.organization) if compute else None,
        "can_view_jobs": has_cap(membership, Cap.JOB_VIEW),
        "poll_seconds": POLL_SECONDS,
    }
    return render_page_or_partial(request, LIST_PAGE, LIST_BODY, context)


@require_POST
@cap_required(CommissionCap.VIEW)
def statement_compute_view(request: MemberRequest) -> HttpResponse:
    """Queue the computation of the posted month (finance, admin); the list shows its progress."""
    membership = request.membership
    if not can_compute(membership):
        raise PermissionDenied
    form = ComputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("month", ["Choose a month."])))
        return redirect("commissions:statements")
    month = form.cleaned_data["month"]
    try:
        job, queued = statements_compute_enqueue(
            organization=membership.organization, actor=request.user, month=month
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if queued:
            messages.success(request, f"Computing {month:%B %Y} (job #{job.pk}).")
        else:
            messages.info(request, f"{month:%B %Y} was already computed on this data (job #{job.pk}).")
    return redirect(f"{reverse('commissions:statements')}?month={month:%Y-%m}")


def _detail_context(request: MemberRequest, statement: CommissionStatement, **extra) -> dict:
    membership = request.membership
    detail = statement_detail(statement=statement)
    return {
        "statement": statement,
        "detail": detail,
        "currency": statement.currency,
        "can_approve": statement.status == StatementStatus.DRAFT
        and can_approve(membership, rep_id=statement.rep_id),
        "can_pay": statement.status == StatementStatus.APPROVED and can_pay(membership),
        **extra,
    }


@require_safe
@cap_required(CommissionCap.VIEW)
def statement_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    statement = statement_get(membership=request.membership, pk=pk)
    exported = export_dispatch(request, "commissions-statement", pk=statement.pk)
    if exported is not None:
        return exported
    return render_page_or_partial(request, DETAIL_PAGE, DETAIL_BODY, _detail_context(request, statement))


@require_safe
@cap_required(CommissionCap.VIEW)
def statement_line_view(request: MemberRequest, pk: int, line_pk: int) -> HttpResponse:
    """One line's computation and transactions: the fragment a line expands into (HTMX), or the
    statement page with that line open."""
    statement = statement_get(membership=request.membership, pk=pk)
    line = statement_line_get(statement=statement, line_pk=line_pk)
    expanded: LineDetail = statement_line_detail(
        membership=request.membership, statement=statement, line=line
    )
    disputes = {
        "line_disputes": line_disputes(membership=request.membership, line_id=line.pk),
        "can_dispute_line": can_dispute(request.membership, rep_id=statement.rep_id),
        "dispute_form": DisputeForm(),
    }
    if htmx_partial(request):
        response = render(
            request,
            LINE_DETAIL,
            {"expanded": expanded, "currency": statement.currency, "statement": statement, **disputes},
        )
        response["Vary"] = "HX-Request"
        return response
    return render(request, DETAIL_PAGE, _detail_context(request, statement, expanded=expanded, **disputes))


def _back(statement: CommissionStatement) -> HttpResponse:
    return redirect("commissions:statement", pk=statement.pk)


@require_POST
@cap_required(CommissionCap.APPROVE)
def statement_approve_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Approve a draft (its rep's manager or an admin, never the rep): posted to the ledger.

    Approving what is already approved (or paid) changes nothing.
    """
    statement = statement_get(membership=request.membership, pk=pk)
    if not can_approve(request.membership, rep_id=statement.rep_id):
        raise PermissionDenied
    if statement.status != StatementStatus.DRAFT:
        messages.info(request, f"This statement is already {statement.get_status_display().lower()}.")
        return _back(statement)
    try:
        statement = statement_approve(statement=statement, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Statement approved and posted to the commission ledger.")
    return _back(statement)


@require_POST
@cap_required(CommissionCap.PAY)
def statement_pay_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Mark an approved statement paid (finance). Paying a paid one changes nothing; a draft
    must be approved first."""
    statement = statement_get(membership=request.membership, pk=pk)
    if statement.status == StatementStatus.PAID:
        messages.info(request, "This statement is already paid.")
        return _back(statement)
    try:
        statement = statement_pay(statement=statement, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Statement marked paid.")
    return _back(statement)
