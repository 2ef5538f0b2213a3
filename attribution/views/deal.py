"""Deal drilldown: splits with explanations, ledger lines, history, split change, recommendations."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from attribution.forms import SplitChangeForm
from attribution.permissions import AttributionCap
from attribution.recommendations import recommend_partners, rephrase
from attribution.selectors_pages.deal import (
    account_relationships,
    deal_entries,
    deal_get,
    deal_links,
    deal_split_history,
    deal_splits,
    partner_deal_history,
    recommendation_target,
)
from attribution.selectors_pages.ledger import entry_rows
from attribution.services.links import opportunity_partner_set
from attribution.services.recompute import attribution_recompute
from revops.connectors.llm import LLMError, chat_json, llm_config
from revops.exceptions import ApplicationError
from revops.htmx import htmx_partial, render_page_or_partial
from revops.models import Membership, Opportunity, Partner
from revops.permissions import cap_required, has_cap

REPHRASE_PROMPT = (
    "Rephrase the sentence about a partner for a sales manager, in one friendly sentence. Keep every "
    'number and name exactly. Answer as JSON: {"text": "..."}.'
)
PAGE = "attribution/deal_detail.html"
BODY = "attribution/partials/deal_body.html"


def _llm_rephraser() -> Callable[[str], str | None] | None:
    """When a language model is configured, a function that rewords a sentence (else None)."""
    config = llm_config()
    if config is None:
        return None

    def reword(text: str) -> str | None:
        try:
            return str(
                json.loads(chat_json(config=config, system=REPHRASE_PROMPT, user=text)).get("text", "")
            )
        except (LLMError, ValueError, AttributeError):
            return None  # the deterministic text stays

    return reword


def _context(request: HttpRequest, deal: Opportunity, form: SplitChangeForm | None = None) -> dict:
    membership: Membership = request.membership
    links = deal_links(membership=membership, deal=deal)
    can_edit = has_cap(membership, AttributionCap.EDIT)
    if can_edit and form is None:
        form = SplitChangeForm(partners=Partner.objects.visible_to(membership))
    recommendations = recommend_partners(
        recommendation_target(deal=deal, links=links), partner_deal_history(deal=deal)
    )
    return {
        "deal": deal,
        "splits": deal_splits(deal=deal, links=links),
        "links": links,
        "entries": entry_rows(deal_entries(membership=membership, deal=deal)),
        "history": deal_split_history(deal=deal, links=links),
        "form": form if can_edit else None,
        "recommendations": rephrase(recommendations, _llm_rephraser()),
        "relationships": account_relationships(membership=membership, deal=deal),
    }


@cap_required(AttributionCap.VIEW)
def deal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get(membership=request.membership, pk=pk)
    return render_page_or_partial(request, PAGE, BODY, _context(request, deal))


@require_POST
@cap_required(AttributionCap.EDIT)
def deal_split_change_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one split (reason required), then post the difference to the ledger."""
    membership = request.membership
    deal = deal_get(membership=membership, pk=pk)
    form = SplitChangeForm(request.POST, partners=Partner.objects.visible_to(membership))
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                opportunity_partner_set(
                    membership=membership,
                    opportunity=deal,
                    partner=data["partner"],
                    role=data["role"],
                    split_percent=data["split_percent"],
                    reason=data["reason"],
                )
                result = attribution_recompute(
                    organization=membership.organization, actor=request.user, opportunity_ids=[deal.pk]
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Split saved; {result.entries} ledger entr{'y' if result.entries == 1 else 'ies'} "
                f"posted ({result.total:+,.2f}).",
            )
            if not htmx_partial(request):
                return redirect("attribution:deal", pk=deal.pk)
            return render_page_or_partial(request, PAGE, BODY, _context(request, deal))
    return render_page_or_partial(request, PAGE, BODY, _context(request, deal, form), status=400)
