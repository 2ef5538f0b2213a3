"""Signed registration links: the channel manager's page, and the public form behind a link.

The public form needs no login. A value that is not a valid link answers 404; a genuine link
that is revoked or expired answers 410, each with a page that says so. Submissions are rate
limited per client address and per link (allauth's rate limits, action
`partners_registration_link`), like the sign-in and password forms.
"""

from __future__ import annotations

from allauth.core.ratelimit import consume_or_429
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from partners.forms import LinkCreateForm, LinkRegistrationForm
from partners.models import RegistrationLink
from partners.permissions import PartnerCap
from partners.selectors.conflicts import partner_summary
from partners.selectors.links import LinkGone, LinkNotFound, link_for_token, link_token
from partners.services.links import registration_link_create, registration_link_revoke
from partners.services.registrations import RegistrationInput, registration_submit_for_partner
from revops.models import Partner
from revops.permissions import cap_required
from revops.tenancy import MemberRequest

RATE_LIMIT_ACTION = "partners_registration_link"


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(PartnerCap.LINK_MANAGE)
def links_view(request: MemberRequest) -> HttpResponse:
    """Every partner's links, and the form that makes a new one."""
    partners = Partner.objects.visible_to(request.membership).filter(status=Partner.Status.ACTIVE)
    form = LinkCreateForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            link = registration_link_create(
                membership=request.membership,
                partner=form.cleaned_data["partner"],
                days=form.cleaned_data["days"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Link created for {link.partner.name}: send it to the partner.")
            return redirect("partners:links")
    links = RegistrationLink.objects.filter(organization=request.organization).select_related(
        "partner", "created_by"
    )[:500]
    now = timezone.now()
    rows = [
        {
            "link": link,
            "url": request.build_absolute_uri(reverse("registration-link", args=[link_token(link)])),
            "state": "revoked" if link.revoked_at else ("expired" if link.expires_at <= now else "active"),
        }
        for link in links
    ]
    status = 400 if request.method == "POST" else 200
    return render(request, "partners/links.html", {"form": form, "rows": rows}, status=status)


@require_POST
@cap_required(PartnerCap.LINK_MANAGE)
def link_revoke_view(request: MemberRequest, pk: int) -> HttpResponse:
    link = RegistrationLink.objects.filter(organization=request.organization, pk=pk).first()
    if link is None:
        raise Http404
    registration_link_revoke(membership=request.membership, link=link)
    messages.success(request, "Link revoked: it no longer opens the form.")
    return redirect("partners:links")


@require_http_methods(["GET", "HEAD", "POST"])
def link_form_view(request: HttpRequest, token: str) -> HttpResponse:
    """The public registration form of one partner's link (no login)."""
    try:
        link = link_for_token(token)
    except LinkNotFound:
        return render(request, "partners/public/link_invalid.html", status=404)
    except LinkGone:
        return render(request, "partners/public/link_gone.html", status=410)
    form = LinkRegistrationForm(request.POST or None, request.FILES or None, organization=link.organization)
    if request.method == "POST":
        limited = consume_or_429(request, action=RATE_LIMIT_ACTION, key=str(link.pk))
        if limited is not None:
            return limited
        if form.is_valid():
            data = {
                k: v
                for k, v in form.cleaned_data.items()
                if k not in ("attachments", "submitter_name", "submitter_email")
            }
            try:
                registration = registration_submit_for_partner(
                    partner=link.partner,
                    link=link,
                    submitter_name=form.cleaned_data["submitter_name"],
                    submitter_email=form.cleaned_data["submitter_email"],
                    data=RegistrationInput(**data),
                    attachments=form.cleaned_data["attachments"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return render(
                    request,
                    "partners/public/link_done.html",
                    {
                        "link": link,
                        "registration": registration,
                        "warnings": partner_summary(registration.conflict),
                    },
                )
    status = 400 if request.method == "POST" else 200
    return render(request, "partners/public/link_form.html", {"form": form, "link": link}, status=status)
