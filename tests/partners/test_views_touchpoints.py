"""The queue with every kind (kind filter, statistics per kind, bulk decisions across kinds),
the portal's activities, the touchpoint and split-change API, and the portal boundary of the
internal API (partner users and their tokens get 404)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from attribution.models import OpportunityPartner
from partners.models import (
    ApprovalDecision,
    ApprovalStatus,
    PartnerTouchpoint,
    ProgramSettings,
    SplitChangeRequest,
)
from partners.services.registrations import registration_submit
from partners.services.split_changes import split_change_review
from partners.services.touchpoints import TouchpointInput, touchpoint_submit
from revops.models import AuditEvent
from revops.providers import SplitChangeProposal
from tests.partners.factories import registration_input
from tests.partners.test_api import bearer
from tests.revops.factories import AccountFactory, OpportunityFactory

DAY = dt.date(2026, 2, 20)


@pytest.fixture
def requests_of_each_kind(org, line, partner, partner_user, admin, rep):
    """One registration, one touchpoint and one split change, all waiting."""
    account = AccountFactory(organization=org, owner=rep.user, name="Heron Foods")
    deal = OpportunityFactory(organization=org, account=account, owner=rep.user, name="Heron expansion")
    OpportunityPartner.objects.create(
        organization=org,
        opportunity=deal,
        partner=partner,
        role="referral",
        split_percent=Decimal("10"),
        source="manual",
    )
    ProgramSettings.objects.create(organization=org, split_change_review_points=Decimal("5"))
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    touchpoint = touchpoint_submit(
        membership=partner_user, data=TouchpointInput(account, deal, "workshop", DAY, "Workshop")
    )
    review = split_change_review(
        membership=admin,
        proposal=SplitChangeProposal(
            deal.pk, partner.pk, "referral", Decimal("10.00"), Decimal("30.00"), "POC"
        ),
    )
    return {
        "registration": registration,
        "touchpoint": touchpoint,
        "split": SplitChangeRequest.objects.get(pk=review.request_id),
        "deal": deal,
        "account": account,
    }


def test_queue_lists_every_kind_and_filters_by_kind(requests_of_each_kind, org_wide_manager, client_for):
    r = requests_of_each_kind
    client = client_for(org_wide_manager)
    html = client.get(reverse("partners:queue")).content.decode()
    for row_id in (
        f'id="registration-{r["registration"].pk}"',
        f'id="touchpoint-{r["touchpoint"].pk}"',
        f'id="split-change-{r["split"].pk}"',
    ):
        assert row_id in html
    assert f'value="touchpoint:{r["touchpoint"].pk}"' in html
    assert 'id="stats-touchpoint"' in html and 'id="stats-split_change"' in html
    only = client.get(
        reverse("partners:queue"), {"kind": "touchpoint", "status": "submitted"}
    ).content.decode()
    assert f'id="touchpoint-{r["touchpoint"].pk}"' in only
    assert f'id="registration-{r["registration"].pk}"' not in only
    assert f'id="split-change-{r["split"].pk}"' not in only


def test_bulk_reject_across_kinds_needs_a_reason_then_rejects_each(
    requests_of_each_kind, org_wide_manager, client_for
):
    r = requests_of_each_kind
    keys = [f"touchpoint:{r['touchpoint'].pk}", f"split_change:{r['split'].pk}", str(r["registration"].pk)]
    client = client_for(org_wide_manager)
    refused = client.post(reverse("partners:bulk-decide"), {"ids": keys, "action": "reject"}, follow=True)
    assert "Give the partner a reason for the rejection." in refused.content.decode()
    assert ApprovalDecision.objects.count() == 0
    done = client.post(
        reverse("partners:bulk-decide"), {"ids": keys, "action": "reject", "reason": "Not now"}, follow=True
    )
    html = done.content.decode()
    assert "Rejected 1 registration." in html
    assert "Rejected 1 touchpoint." in html
    assert "Rejected 1 split change." in html
    assert ApprovalDecision.objects.filter(outcome="rejected", reason="Not now").count() == 3
    assert OpportunityPartner.objects.get(opportunity=r["deal"]).split_percent == Decimal("10.00")


def test_bulk_approve_of_a_split_change_by_its_requester_is_refused_by_name(
    requests_of_each_kind, admin, client_for
):
    r = requests_of_each_kind
    response = client_for(admin).post(
        reverse("partners:bulk-decide"),
        {"ids": [f"split_change:{r['split'].pk}"], "action": "approve"},
        follow=True,
    )
    assert (
        f"Split change #{r['split'].pk}: Nobody decides a split change they asked for."
        in response.content.decode()
    )
    r["split"].refresh_from_db()
    assert r["split"].status == ApprovalStatus.SUBMITTED


def test_request_pages_show_the_decide_form_to_the_approver(
    requests_of_each_kind, org_wide_manager, client_for
):
    r = requests_of_each_kind
    client = client_for(org_wide_manager)
    touch = client.get(reverse("partners:touchpoint", args=[r["touchpoint"].pk])).content.decode()
    split = client.get(reverse("partners:split-change", args=[r["split"].pk])).content.decode()
    assert "Workshop on 2026-02-20" in touch and 'id="decide-form"' in touch
    assert "10.00 % → 30.00 %" in split and 'id="decide-form"' in split


def test_portal_reports_an_activity_and_others_do_not_find_it(
    requests_of_each_kind, partner_user, other_partner_user, manager, client_for
):
    r = requests_of_each_kind
    client = client_for(partner_user)
    form = client.get(reverse("portal:touchpoint-new")).content.decode()
    assert "Heron Foods" in form
    response = client.post(
        reverse("portal:touchpoint-new"),
        {
            "account": r["account"].pk,
            "activity_type": "poc",
            "occurred_on": "2026-02-21",
            "description": "POC",
        },
    )
    created = PartnerTouchpoint.objects.get(activity_type="poc")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:touchpoint", args=[created.pk])
    assert "Proof of concept" in client.get(reverse("portal:touchpoints")).content.decode()
    assert (
        client_for(other_partner_user).get(reverse("portal:touchpoint", args=[created.pk])).status_code == 404
    )
    assert client_for(manager).get(reverse("portal:touchpoint", args=[created.pk])).status_code == 404
    # the other partner may not report on an account it does not work on
    refused = client_for(other_partner_user).post(
        reverse("portal:touchpoint-new"),
        {
            "account": r["account"].pk,
            "activity_type": "poc",
            "occurred_on": "2026-02-21",
            "description": "POC",
        },
    )
    assert refused.status_code == 400
    assert PartnerTouchpoint.objects.filter(partner=other_partner_user.partner).count() == 0


def test_api_partner_token_creates_and_reads_its_own_internal_token_decides(
    requests_of_each_kind, partner_user, other_partner_user, org_wide_manager
):
    r = requests_of_each_kind
    mine = bearer(partner_user)
    created = mine.post(
        "/api/v1/partners/portal/touchpoints/",
        {
            "account": r["account"].pk,
            "activity_type": "demo",
            "occurred_on": "2026-02-22",
            "description": "Demo",
        },
        format="json",
    )
    assert created.status_code == 201
    assert (created.json()["activity_type"], created.json()["status"]) == ("demo", "submitted")
    assert "steps" not in created.json()
    pk = created.json()["id"]
    assert bearer(other_partner_user).get(f"/api/v1/partners/portal/touchpoints/{pk}/").status_code == 404
    # partner tokens find no internal endpoint: not the touchpoints', not the core's, not the schema
    assert mine.get("/api/v1/partners/touchpoints/").status_code == 404
    assert mine.get("/api/v1/partners/split-changes/").status_code == 404
    assert mine.get("/api/v1/accounts/").status_code == 404
    assert mine.get("/api/schema/").status_code == 404
    internal = bearer(org_wide_manager)
    assert internal.get("/api/v1/partners/portal/touchpoints/").status_code == 404
    rejected = internal.post(f"/api/v1/partners/touchpoints/{pk}/reject/", {"reason": "No"}, format="json")
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    approved = internal.post(f"/api/v1/partners/split-changes/{r['split'].pk}/approve/")
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert OpportunityPartner.objects.get(opportunity=r["deal"]).split_percent == Decimal("30.00")
    assert AuditEvent.objects.filter(action="split_change.approve").count() == 1
