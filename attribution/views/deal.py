"""Deal drilldown: splits with explanations, ledger lines, history, split change, recommendations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from attribution.forms import SplitChangeForm, link_versions
from attribution.permissions import AttributionCap
from attribution.selectors.deal import deal_detail, deal_get
from attribution.selectors.ledger import entry_rows
from attribution.services.deal import deal_recommendations
from attribution.services.links import opportunity_partner_change
from revops.exceptions import ApplicationError
from revops.htmx import htmx_partial, render_page_or_partial
from revops.models import Membership, Opportunity, Partner
from revops.permissions import cap_required, has_cap
from revops.providers import SplitReview
from revops.submit_once import submit_once
from revops.versions import StaleRecordError, stale_form_message
from revops.web.exports import export_dispatch

PAGE = "attribution/deal_detail.html"
BODY = "attribution/partials/deal_body.html"


def _context(request: HttpRequest, deal: Opportunity, form: SplitChangeForm | None = None) -> dict:
    membership: Membership = request.membership
    detail = deal_detail(membership=membership, deal=deal)
    can_edit = has_cap(membership, AttributionCap.EDIT)
    if can_edit and form is None:
        form = SplitChangeForm(partners=Partner.objects.visible_to(membership), links=detail.links)
    return {
        "deal": deal,
        "splits": detail.splits,
        "links": detail.links,
        "entries": entry_rows(detail.entries),
        "history": detail.history,
        "form": form if can_edit else None,
        "recommendations": deal_recommendations(deal=deal, links=detail.links),
        "relationships": detail.relationships,
    }


@cap_required(AttributionCap.VIEW)
def deal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get(membership=request.membership, pk=pk)
    exported = export_dispatch(request, "attribution-deal", pk=deal.pk)
    if exported is not None:
        return exported
    return render_page_or_partial(request, PAGE, BODY, _context(request, deal))


@require_POST
@cap_required(AttributionCap.EDIT)
@submit_once
def deal_split_change_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one split (reason required); the split service queues the ledger alignment, or
    a change above the organization's review size waits in the approval queue."""
    membership = request.membership
    deal = deal_get(membership=membership, pk=pk)
    form = SplitChangeForm(request.POST, partners=Partner.objects.visible_to(membership))
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = opportunity_partner_change(
                membership=membership,
                opportunity=deal,
                partner=data["partner"],
                role=data["role"],
                split_percent=data["split_percent"],
                reason=data["reason"],
                expected_version=form.expected_version(),
            )
        except StaleRecordError as exc:
            # The link changed since the page was shown: nothing written. The form keeps
            # what was typed and now carries the links' current versions (a second save,
            # knowing, goes through); the page shows the links as they are now.
            form.add_error(None, stale_form_message(exc))
            form.data = form.data.copy()
            form.data["link_versions"] = link_versions(deal_detail(membership=membership, deal=deal).links)
            return render_page_or_partial(request, PAGE, BODY, _context(request, deal, form), status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if isinstance(outcome, SplitReview):
                messages.info(request, outcome.message)
            else:
                messages.success(request, "Split saved; the ledger is being brought in line.")
            if not htmx_partial(request):
                return redirect("attribution:deal", pk=deal.pk)
            return render_page_or_partial(request, PAGE, BODY, _context(request, deal))
    return render_page_or_partial(request, PAGE, BODY, _context(request, deal, form), status=400)
