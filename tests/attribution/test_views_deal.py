"""Deal drilldown: splits with explanations, ledger lines, history, split change, recommendations."""

from decimal import Decimal

import pytest
from django.urls import reverse

from attribution.forms import REASON_REQUIRED
from attribution.models import AttributionEntry, OpportunityPartner
from revops.models import AuditEvent, JobRun
from tests.attribution.factories import OpportunityPartnerFactory
from tests.attribution.factories_pages import build_book
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _ledger(org):
    return list(
        AttributionEntry.objects.filter(organization=org)
        .order_by("sequence")
        .values_list("partner__name", "kind", "amount")
    )


def test_deal_page_shows_splits_explanations_and_ledger_lines(book, manager, client_for):
    # when
    response = client_for(manager).get(reverse("attribution:deal", args=[book.deal.pk]))
    # then
    assert response.status_code == 200
    splits = [(s.link.partner.name, s.percent, s.credit, s.explanation) for s in response.context["splits"]]
    assert splits == [
        (
            "Alpha",
            Decimal("10.00"),
            Decimal("1000.00"),
            "Referral partner Alpha gets 10.00 % because a manual split was set.",
        ),
        (
            "Beta",
            Decimal("5.00"),
            Decimal("500.00"),
            "ISV partner Beta gets 5.00 % because a manual split was set.",
        ),
    ]
    lines = [
        (r["entry"].partner.name, r["entry"].kind, r["entry"].amount, r["explanation"])
        for r in response.context["entries"]
    ]
    assert lines == [
        ("Alpha", "original", Decimal("100.00"), "manual split"),
        ("Beta", "original", Decimal("50.00"), "manual split"),
    ]
    assert "Referral partner Alpha gets 10.00 % because a manual split was set." in response.content.decode()
    assert response.context["form"] is not None


def test_deal_page_htmx_returns_the_body_partial_only(book, manager, client_for):
    # when
    response = client_for(manager).get(
        reverse("attribution:deal", args=[book.deal.pk]), HTTP_HX_REQUEST="true"
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="deal-splits"' in html


def test_rep_sees_own_deal_without_the_change_form(book, rep, client_for):
    # when
    response = client_for(rep).get(reverse("attribution:deal", args=[book.deal.pk]))
    # then
    assert response.status_code == 200
    assert response.context["form"] is None
    assert 'id="split-form"' not in response.content.decode()


def test_rep_gets_404_for_a_deal_outside_their_scope(book, rep, client_for):
    # when
    response = client_for(rep).get(reverse("attribution:deal", args=[book.other_deal.pk]))
    # then
    assert response.status_code == 404


def test_split_change_with_reason_posts_exactly_the_difference(
    org, book, manager, client_for, django_capture_on_commit_callbacks
):
    # given
    url = reverse("attribution:deal-split", args=[book.deal.pk])
    data = {
        "partner": book.alpha.pk,
        "role": "referral",
        "split_percent": "12",
        "reason": "Sourced the renewal",
    }
    # when: the change queues the alignment of the deal's account, run on commit
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(url, data, HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200
    job = JobRun.objects.get(organization=org, kind="attribution.recompute")
    assert (job.status, job.params, job.counts["accounts"]) == (
        "succeeded",
        {"narrow": True, "accounts": [book.deal.account_id]},
        None,  # the first alignment of this book compares all of it
    )
    assert _ledger(org) == [
        ("Alpha", "original", Decimal("100.00")),
        ("Beta", "original", Decimal("50.00")),
        ("Alpha", "original", Decimal("400.00")),
        ("Alpha", "adjustment", Decimal("20.00")),
    ]
    book.alpha_link.refresh_from_db()
    assert book.alpha_link.split_percent == Decimal("12.00")
    event = AuditEvent.objects.get(action="opportunity_partner.set")
    assert (event.reason, event.before["split_percent"], event.after["split_percent"]) == (
        "Sourced the renewal",
        "10.00",
        "12.00",
    )
    history = [(c.partner_name, c.before, c.after, c.event.reason) for c in response.context["history"]]
    assert history == [("Alpha", "10.00 %", "12.00 %", "Sourced the renewal")]
    assert "Split saved; the ledger is being brought in line." in response.content.decode()


def test_split_change_without_reason_is_refused_and_changes_nothing(org, book, manager, client_for):
    # given
    url = reverse("attribution:deal-split", args=[book.deal.pk])
    before = _ledger(org)
    # when
    response = client_for(manager).post(
        url, {"partner": book.alpha.pk, "role": "referral", "split_percent": "12", "reason": "  "}
    )
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [REASON_REQUIRED]
    assert _ledger(org) == before
    book.alpha_link.refresh_from_db()
    assert book.alpha_link.split_percent == Decimal("10.00")
    assert AuditEvent.objects.filter(action="opportunity_partner.set").count() == 0


def test_split_change_over_100_percent_is_refused_and_changes_nothing(org, book, manager, client_for):
    # given
    before = _ledger(org)
    data = {"partner": book.alpha.pk, "role": "referral", "split_percent": "96", "reason": "Typo"}
    # when
    response = client_for(manager).post(reverse("attribution:deal-split", args=[book.deal.pk]), data)
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["split_percent"] == [
        "The deal's fixed splits would add up to 101.00 %, over 100 %."
    ]
    assert _ledger(org) == before
    assert OpportunityPartner.objects.get(pk=book.alpha_link.pk).split_percent == Decimal("10.00")
    assert AuditEvent.objects.filter(action="opportunity_partner.set").count() == 0


def test_rep_cannot_change_a_split(org, book, rep, client_for):
    # given
    before = _ledger(org)
    data = {"partner": book.alpha.pk, "role": "referral", "split_percent": "50", "reason": "Mine"}
    # when
    response = client_for(rep).post(reverse("attribution:deal-split", args=[book.deal.pk]), data)
    # then
    assert response.status_code == 403
    assert _ledger(org) == before
    assert OpportunityPartner.objects.get(pk=book.alpha_link.pk).split_percent == Decimal("10.00")
    assert AuditEvent.objects.filter(action="opportunity_partner.set").count() == 0


def test_deal_page_recommends_partners_that_won_similar_deals(org, book, rep, manager, client_for):
    # given: Gamma won 2 of 3 closed Analytics deals in EMEA with Software accounts
    gamma = PartnerFactory(organization=org, name="Gamma")
    emea = AccountFactory(organization=org, industry="Software", region="emea", owner=rep.user)
    for stage in ("closed_won", "closed_won", "closed_lost"):
        won = OpportunityFactory(
            organization=org, account=emea, owner=rep.user, stage=stage, product_line=book.deal.product_line
        )
        OpportunityPartnerFactory(
            organization=org, opportunity=won, partner=gamma, role="si", split_percent=None
        )
    # when
    response = client_for(manager).get(reverse("attribution:deal", args=[book.deal.pk]))
    # then
    texts = [text for _rec, text in response.context["recommendations"]]
    assert texts == [
        "Gamma: won 2 of 3 Analytics deals in EMEA; won 2 of 3 Analytics deals; won 2 of 3 deals with "
        "Software accounts; won 2 of 3 deals in EMEA; wins 67 % of its closed deals (2 of 3)."
    ]
    assert [r.score for r, _t in response.context["recommendations"]] == [Decimal("14.67")]


def test_deal_page_summarises_the_partners_of_the_account(org, book, manager, client_for):
    # given: a second, open Initech deal with Alpha
    second = OpportunityFactory(
        organization=org, account=book.deal.account, owner=book.deal.owner, stage="proposal"
    )
    OpportunityPartnerFactory(organization=org, opportunity=second, partner=book.alpha, role="influence")
    # when
    response = client_for(manager).get(reverse("attribution:deal", args=[book.deal.pk]))
    # then
    summary = [
        (p.partner_name, p.roles, p.attributed, p.open_deals) for p in response.context["relationships"]
    ]
    assert summary == [
        ("Alpha", ("Influence", "Referral"), Decimal("100.00"), 2),
        ("Beta", ("ISV",), Decimal("50.00"), 1),
    ]
