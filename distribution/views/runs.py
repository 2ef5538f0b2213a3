"""Configuration, run and fairness pages (admins and managers; reps never run or edit)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distribution.engine import ConfigError, load_text, render_template
from distribution.forms import ConfigForm, RunForm
from distribution.models import RunMode
from distribution.permissions import DistributionCap
from distribution.selectors.runs import config_list, fairness_over_time, run_jobs, run_list, run_view
from distribution.services.configs import config_create, config_update
from distribution.services.jobs import distribution_run_enqueue
from revops.htmx import htmx_partial
from revops.permissions import cap_required, has_cap
from revops.tenancy import MemberRequest


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_safe
@cap_required(DistributionCap.RUN)
def config_list_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    context = {
        "configs": list(config_list(membership=membership)),
        "can_edit": has_cap(membership, DistributionCap.CONFIG_EDIT),
    }
    return render(request, "distribution/configs.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(DistributionCap.CONFIG_EDIT)
def config_new_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    if request.method == "POST":
        form = ConfigForm(request.POST)
        if form.is_valid():
            try:
                config = config_create(
                    organization=membership.organization,
                    name=form.cleaned_data["name"],
                    document=form.cleaned_data["document"],
                    active=form.cleaned_data["active"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, f"Saved {config.name} (version 1).")
                return redirect("distribution:config", pk=config.pk)
    else:
        template = request.GET.get("template", "basic")
        document = render_template(template if template in ("basic", "advanced", "minimal") else "basic")
        form = ConfigForm(initial={"document": document, "active": True})
    return render(request, "distribution/config_edit.html", {"form": form, "config": None, "can_edit": True})


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(DistributionCap.RUN)
def config_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    config = get_object_or_404(config_list(membership=membership), pk=pk)
    can_edit = has_cap(membership, DistributionCap.CONFIG_EDIT)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ConfigForm(request.POST)
        if form.is_valid():
            try:
                config = config_update(
                    config=config,
                    document=form.cleaned_data["document"],
                    active=form.cleaned_data["active"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, f"Saved {config.name} (version {config.version}).")
                return redirect("distribution:config", pk=config.pk)
    else:
        form = ConfigForm(initial={"name": config.name, "document": config.document, "active": config.active})
    context = {
        "form": form,
        "config": config,
        "can_edit": can_edit,
        "versions": list(config.versions.order_by("-version")[:10]),
        "run_form": RunForm(initial={"mode": RunMode.DRY_RUN}),
    }
    return render(request, "distribution/config_edit.html", context)


@require_POST
@cap_required(DistributionCap.CONFIG_EDIT)
def config_validate_view(request: MemberRequest) -> HttpResponse:
    """Live validation: the document's first problem (with its key's path), or "valid"."""
    try:
        doc = load_text(request.POST.get("document", ""))
    except ConfigError as exc:
        context = {"ok": False, "message": str(exc)}
    else:
        context = {
            "ok": True,
            "message": f"Valid: strategies {', '.join(s.value for s in doc.distribution.chain)}.",
        }
    return render(request, "distribution/partials/config_validation.html", context)


@require_POST
@cap_required(DistributionCap.RUN)
def config_run_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Queue a dry run (preview) or an applied run of the configuration as a JobRun."""
    membership = request.membership
    config = get_object_or_404(config_list(membership=membership), pk=pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a dry run or an applied run.")
        return redirect("distribution:config", pk=config.pk)
    try:
        job, _ = distribution_run_enqueue(
            organization=membership.organization,
            config=config,
            dry_run=form.cleaned_data["mode"] == RunMode.DRY_RUN,
            max_leads=form.cleaned_data["max_leads"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("distribution:config", pk=config.pk)
    messages.success(request, f"Run of {config.name} queued (job #{job.pk}).")
    return redirect("distribution:runs")


@require_safe
@cap_required(DistributionCap.RUN)
def run_list_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    page = Paginator(run_list(membership=membership).select_related("config"), 30).get_page(
        request.GET.get("page")
    )
    context = {"page_obj": page, "jobs": run_jobs(membership=membership), "poll_seconds": 2}
    template = "distribution/partials/run_table.html" if htmx_partial(request) else "distribution/runs.html"
    return render(request, template, context)


@require_safe
@cap_required(DistributionCap.RUN)
def run_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    run = get_object_or_404(run_list(membership=membership), pk=pk)
    return render(request, "distribution/run_detail.html", {"view": run_view(membership=membership, run=run)})


@require_safe
@cap_required(DistributionCap.RUN)
def fairness_view(request: MemberRequest) -> HttpResponse:
    return render(
        request, "distribution/fairness.html", {"rows": fairness_over_time(membership=request.membership)}
    )
