"""Dispute pages: the portal (list, open from a deal or a statement line, thread without
internal notes, withdraw) and the internal queue, report, detail, notes and resolution."""

import datetime as dt
from decimal import Decimal

import pytest

from attribution.models import AttributionEntry
from attribution.services.recompute import attribution_recompute
from partners.models import DisputeComment, PartnerDispute
from partners.services.disputes import dispute_comment, dispute_open
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory

pytestmark = pytest.mark.django_db

NOTE = "Sandpiper: the rep logged the first meeting"


@pytest.fixture
def deal(org, rep_opportunity, partner):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    OpportunityPartnerFactory(
        organization=org,
        opportunity=rep_opportunity,
        partner=partner,
        role="referral",
        split_percent=Decimal("10"),
    )
    RevenueEventFactory(
        organization=org, opportunity=rep_opportunity, date=dt.date(2026, 1, 20), amount=Decimal("1000.00")
    )
    attribution_recompute(organization=org)
    return rep_opportunity


@pytest.fixture
def dispute(deal, partner_user, manager):
    opened = dispute_open(
        membership=partner_user,
        opportunity_id=deal.pk,
        claim="We brought the customer to the table",
        proposed_split_percent=Decimal("15"),
    )
    dispute_comment(membership=manager, dispute_id=opened.pk, body=NOTE, internal=True)
    dispute_comment(membership=manager, dispute_id=opened.pk, body="Please send the meeting notes")
    return opened


def test_portal_detail_shows_the_thread_without_internal_notes(client_for, partner_user, dispute):
    # when
    response = client_for(partner_user).get(f"/portal/disputes/{dispute.pk}/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please send the meeting notes" in body
    assert "Sandpiper" not in body
    assert "internal note" not in body


def test_internal_detail_shows_notes_and_the_deal_drilldown(client_for, manager, dispute):
    # when
    response = client_for(manager).get(f"/partners/disputes/{dispute.pk}/")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sandpiper" in body
    assert 'id="deal-drilldown"' in body
    assert 'id="panel-' in body
    assert 'id="resolve-form"' in body


def test_portal_list_counts_and_home_figure(client_for, partner_user, dispute):
    # when
    listing = client_for(partner_user).get("/portal/disputes/")
    home = client_for(partner_user).get("/portal/")
    # then
    assert listing.status_code == 200
    assert f'href="/portal/disputes/{dispute.pk}/"' in listing.content.decode()
    assert home.status_code == 200
    assert home.context["open_disputes"] == 1


def test_partner_opens_from_a_statement_line(client_for, partner_user, deal):
    # given
    entry = AttributionEntry.objects.get(partner=partner_user.partner)
    client = client_for(partner_user)
    statement = client.get("/portal/statement/")
    assert f"/portal/disputes/new/?line={entry.pk}" in statement.content.decode()
    # when
    response = client.post(
        "/portal/disputes/new/",
        {"line": entry.pk, "deal": deal.pk, "claim": "Our line is short", "proposed_split_percent": "20"},
    )
    # then
    dispute = PartnerDispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/disputes/{dispute.pk}/"
    assert (dispute.entry_id, dispute.opportunity_id, dispute.proposed_split_percent) == (
        entry.pk,
        deal.pk,
        Decimal("20.00"),
    )


def test_partner_opens_from_my_deals(client_for, partner_user, deal):
    # given
    client = client_for(partner_user)
    assert f"/portal/disputes/new/?deal={deal.pk}" in client.get("/portal/deals/").content.decode()
    # when
    form = client.get(f"/portal/disputes/new/?deal={deal.pk}")
    refused = client.post(
        "/portal/disputes/new/", {"deal": deal.pk, "claim": "", "proposed_split_percent": "20"}
    )
    # then
    assert form.status_code == 200
    assert refused.status_code == 400
    assert PartnerDispute.objects.count() == 0


def test_other_partner_gets_404_for_the_deal_the_line_and_the_dispute(
    client_for, other_partner_user, deal, dispute
):
    # given
    client = client_for(other_partner_user)
    entry = AttributionEntry.objects.filter(partner=dispute.partner).first()
    # when / then
    assert client.get(f"/portal/disputes/new/?deal={deal.pk}").status_code == 404
    assert client.get(f"/portal/disputes/new/?line={entry.pk}").status_code == 404
    assert client.get(f"/portal/disputes/{dispute.pk}/").status_code == 404
    assert client.post(f"/portal/disputes/{dispute.pk}/withdraw/").status_code == 404
    assert client.post(f"/portal/disputes/{dispute.pk}/comment/", {"body": "mine"}).status_code == 404
    assert PartnerDispute.objects.get().status == "under_review"
    assert DisputeComment.objects.count() == 2


def test_another_organization_gets_404(client_for, other_org_admin, dispute):
    # when / then
    assert client_for(other_org_admin).get(f"/partners/disputes/{dispute.pk}/").status_code == 404


def test_reject_without_reason_in_the_page_changes_nothing(client_for, admin, dispute):
    # when
    response = client_for(admin).post(f"/partners/disputes/{dispute.pk}/resolve/", {"action": "reject"})
    # then
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_at) == ("under_review", None)


def test_accept_in_the_page(client_for, admin, dispute):
    # when
    response = client_for(admin).post(
        f"/partners/disputes/{dispute.pk}/resolve/", {"action": "accept", "reason": "Notes confirm it"}
    )
    # then
    dispute.refresh_from_db()
    assert response.status_code == 302
    assert (dispute.status, dispute.adjustment_entries, dispute.adjustment_amount) == (
        "accepted",
        1,
        Decimal("50.00"),
    )


def test_queue_report_and_note_pages(client_for, manager, dispute):
    # given
    client = client_for(manager)
    # when
    queue = client.get("/partners/disputes/?status=pending&sort=due")
    partial = client.get("/partners/disputes/", headers={"HX-Request": "true"})
    report = client.get("/partners/disputes/report/")
    note = client.post(f"/partners/disputes/{dispute.pk}/note/", {"body": "Second note"})
    # then
    assert queue.status_code == 200
    assert [row.dispute.pk for row in queue.context["rows"]] == [dispute.pk]
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert report.status_code == 200
    assert report.context["report"].pending == 1
    assert note.status_code == 302
    assert DisputeComment.objects.filter(internal=True).count() == 2


def test_rep_opens_for_the_partner_from_the_internal_form(client_for, rep, deal, partner):
    # when
    page = client_for(rep).get(f"/partners/disputes/new/?deal={deal.pk}")
    response = client_for(rep).post(
        "/partners/disputes/new/",
        {
            "deal": deal.pk,
            "partner": partner.pk,
            "claim": "The partner ran the workshop",
            "proposed_split_percent": "12",
        },
    )
    # then
    assert page.status_code == 200
    dispute = PartnerDispute.objects.get()
    assert response["Location"] == f"/partners/disputes/{dispute.pk}/"
    assert (dispute.side, dispute.partner_id) == ("internal", partner.pk)
