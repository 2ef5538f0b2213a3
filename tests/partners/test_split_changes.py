"""Split changes above the organization's review size wait in the approval queue: asked on the
deal page or the API they change nothing until approved; approval applies them through the
link service (ledger alignment queued); rejection, a stale base and one's own request change
nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from attribution.models import OpportunityPartner
from attribution.services.links import opportunity_partner_change
from partners.models import (
    ApprovalDecision,
    ApprovalKind,
    ApprovalPolicy,
    ApprovalStatus,
    ApprovalStep,
    ProgramSettings,
    SplitChangeRequest,
)
from partners.services.split_changes import OWN_SPLIT_CHANGE, split_change_decide
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, JobRun
from revops.providers import SplitReview
from tests.revops.factories import OpportunityFactory

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def review_size(org):
    ProgramSettings.objects.create(organization=org, split_change_review_points=Decimal("10"))


@pytest.fixture
def deal(org, rep):
    return OpportunityFactory(
        organization=org, owner=rep.user, name="Kestrel platform", amount=Decimal("90000")
    )


@pytest.fixture
def link(org, deal, partner):
    return OpportunityPartner.objects.create(
        organization=org,
        opportunity=deal,
        partner=partner,
        role="referral",
        split_percent=Decimal("20"),
        source="manual",
    )


def _change(membership, deal, partner, split, reason="Partner ran the POC"):
    return opportunity_partner_change(
        membership=membership,
        opportunity=deal,
        partner=partner,
        role="referral",
        split_percent=split,
        reason=reason,
    )


def _links():
    return list(
        OpportunityPartner.objects.order_by("pk").values_list("pk", "partner_id", "split_percent", "status")
    )


def test_small_change_applies_at_once(org, review_size, admin, deal, partner, link):
    outcome = _change(admin, deal, partner, Decimal("30"))  # 10 points: not more than the size
    assert isinstance(outcome, OpportunityPartner)
    link.refresh_from_db()
    assert link.split_percent == Decimal("30.00")
    assert SplitChangeRequest.objects.count() == 0


def test_without_a_review_size_every_change_applies(org, admin, deal, partner, link):
    outcome = _change(admin, deal, partner, Decimal("80"))
    assert isinstance(outcome, OpportunityPartner)
    assert outcome.split_percent == Decimal("80.00")


def test_large_change_waits_for_approval_and_changes_nothing(org, review_size, admin, deal, partner, link):
    before = _links()
    # when
    outcome = _change(admin, deal, partner, Decimal("45"))
    # then: a request in the queue, the link as it was, no ledger work
    assert isinstance(outcome, SplitReview)
    request = SplitChangeRequest.objects.get()
    assert outcome.request_id == request.pk
    assert (request.current_split, request.proposed_split, request.status) == (
        Decimal("20.00"),
        Decimal("45.00"),
        ApprovalStatus.SUBMITTED,
    )
    assert (request.submitted_by_id, request.reason) == (admin.user_id, "Partner ran the POC")
    assert _links() == before
    assert not JobRun.objects.filter(kind="attribution.recompute").exists()
    # a second request for the same split while one waits is refused by field
    with pytest.raises(Exception, match="already waits for approval"):
        _change(admin, deal, partner, Decimal("60"))
    assert SplitChangeRequest.objects.count() == 1


def test_nobody_approves_their_own_change_another_approver_applies_it(
    org, review_size, admin, org_wide_manager, deal, partner, link, django_capture_on_commit_callbacks
):
    review = _change(admin, deal, partner, Decimal("45"))
    with pytest.raises(ApplicationError, match=OWN_SPLIT_CHANGE):
        split_change_decide(membership=admin, request_id=review.request_id, approve=True, now=NOW)
    assert ApprovalDecision.objects.count() == 0
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        request = split_change_decide(
            membership=org_wide_manager, request_id=review.request_id, approve=True, now=NOW
        )
    # then: applied through the link service (audited with the request, ledger alignment queued)
    link.refresh_from_db()
    assert (request.status, link.split_percent) == (ApprovalStatus.APPROVED, Decimal("45.00"))
    assert JobRun.objects.filter(organization=org, kind="attribution.recompute").count() == 1
    assert AuditEvent.objects.get(action="opportunity_partner.set").reason == (
        f"Split change request {request.pk} approved: Partner ran the POC"
    )
    assert [m.to for m in mail.outbox] == [[admin.user.email]]
    assert mail.outbox[0].subject.endswith("was approved")


def test_rejected_change_leaves_the_split(
    org, review_size, admin, org_wide_manager, deal, partner, link, django_capture_on_commit_callbacks
):
    review = _change(admin, deal, partner, Decimal("45"))
    before = _links()
    with django_capture_on_commit_callbacks(execute=True):
        request = split_change_decide(
            membership=org_wide_manager,
            request_id=review.request_id,
            approve=False,
            reason="Not agreed",
            now=NOW,
        )
    assert (request.status, request.decision_reason) == (ApprovalStatus.REJECTED, "Not agreed")
    assert _links() == before
    assert not JobRun.objects.filter(kind="attribution.recompute").exists()
    assert [m.body for m in mail.outbox] == ["Reason: Not agreed"]


def test_approval_on_a_moved_split_is_refused(org, review_size, admin, org_wide_manager, deal, partner, link):
    review = _change(admin, deal, partner, Decimal("45"))
    _change(admin, deal, partner, Decimal("25"))  # a small change applied meanwhile
    with pytest.raises(ApplicationError, match="split changed since"):
        split_change_decide(membership=org_wide_manager, request_id=review.request_id, approve=True, now=NOW)
    link.refresh_from_db()
    assert link.split_percent == Decimal("25.00")
    assert SplitChangeRequest.objects.get().status == ApprovalStatus.SUBMITTED
    assert ApprovalDecision.objects.count() == 0


def test_split_change_routes_by_its_kinds_policy(org, review_size, admin, other_partner, deal, partner, link):
    # given: a split-change policy whose second step applies only when another partner is on the deal
    policy = ApprovalPolicy.objects.create(organization=org, name="Splits", kind=ApprovalKind.SPLIT_CHANGE)
    ApprovalStep.objects.create(
        organization=org, policy=policy, order=1, name="Manager", approver_role="manager"
    )
    ApprovalStep.objects.create(
        organization=org,
        policy=policy,
        order=2,
        name="Finance check",
        approver_role="admin",
        only_with_conflict=True,
    )
    alone = _change(admin, deal, partner, Decimal("45"))
    OpportunityPartner.objects.create(
        organization=org,
        opportunity=deal,
        partner=other_partner,
        role="si",
        split_percent=Decimal("5"),
        source="manual",
    )
    shared = opportunity_partner_change(
        membership=admin,
        opportunity=deal,
        partner=other_partner,
        role="si",
        split_percent=Decimal("40"),
        reason="SI",
    )
    steps = {r.pk: [s["name"] for s in r.steps] for r in SplitChangeRequest.objects.all()}
    assert steps == {alone.request_id: ["Manager"], shared.request_id: ["Manager", "Finance check"]}


def test_deal_page_and_api_queue_a_large_change(org, review_size, admin, deal, partner, link, client_for):
    client = client_for(admin)
    before = _links()
    page = client.post(
        reverse("attribution:deal-split", args=[deal.pk]),
        {"partner": partner.pk, "role": "referral", "split_percent": "50", "reason": "POC"},
    )
    assert page.status_code == 302
    api = client.patch(
        f"/api/v1/attribution/opportunity-partners/{link.pk}/",
        {"split_percent": "70", "reason": "Bigger"},
        content_type="application/json",
    )
    assert api.status_code == 400  # one change of this split already waits
    SplitChangeRequest.objects.update(status=ApprovalStatus.REJECTED)
    api = client.patch(
        f"/api/v1/attribution/opportunity-partners/{link.pk}/",
        {"split_percent": "70", "reason": "Bigger"},
        content_type="application/json",
    )
    assert api.status_code == 202
    waiting = SplitChangeRequest.objects.get(status=ApprovalStatus.SUBMITTED)
    assert api.json()["split_change_request"] == waiting.pk
    assert waiting.proposed_split == Decimal("70.00")
    assert _links() == before
