"""Twenty approvers press "approve" at the same moment (PostgreSQL, threads) on one partner
touchpoint and on one split-change request: exactly one decision and one effect each."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from attribution.models import OpportunityPartner
from partners.models import (
    ApprovalDecision,
    ApprovalStatus,
    PartnerTouchpoint,
    ProgramSettings,
    SplitChangeRequest,
)
from partners.services.split_changes import split_change_decide, split_change_review
from partners.services.touchpoints import TouchpointInput, touchpoint_decide, touchpoint_submit
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, JobRun
from revops.providers import SplitChangeProposal
from tests.revops.factories import AccountFactory, MembershipFactory, OpportunityFactory, UserFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres


def _managers(org) -> list:
    return [
        MembershipFactory(
            organization=org, user=UserFactory(email=f"m{i}@acme.test"), role="manager", org_wide=True
        )
        for i in range(20)
    ]


def _race(decide, managers) -> list[str]:
    barrier = threading.Barrier(len(managers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(membership):
        try:
            barrier.wait()
            decide(membership)
            outcome = "approved"
        except ApplicationError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=approve, args=(m,)) for m in managers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.usefixtures("flushable_db")
def test_twenty_concurrent_approvals_of_a_touchpoint_give_one_influence_link(org, partner, partner_user, rep):
    # given: the partner is on one deal of the account; the touchpoint names the account only,
    # whose other open deal it will credit
    account = AccountFactory(organization=org, owner=rep.user)
    known = OpportunityFactory(organization=org, account=account, owner=rep.user)
    OpportunityPartner.objects.create(
        organization=org, opportunity=known, partner=partner, role="referral", source="manual"
    )
    target = OpportunityFactory(organization=org, account=account, owner=rep.user)
    managers = _managers(org)
    touchpoint = touchpoint_submit(
        membership=partner_user,
        data=TouchpointInput(account, None, "workshop", dt.date(2026, 2, 2), "Workshop"),
    )
    # when
    outcomes = _race(
        lambda m: touchpoint_decide(membership=m, touchpoint_id=touchpoint.pk, approve=True), managers
    )
    # then
    assert outcomes == ["approved"] + ["refused"] * 19
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.credited_opportunity_ids) == (ApprovalStatus.APPROVED, [target.pk])
    assert ApprovalDecision.objects.filter(touchpoint=touchpoint).count() == 1
    assert OpportunityPartner.objects.filter(opportunity=target, source="touchpoint").count() == 1
    assert JobRun.objects.filter(organization=org, kind="attribution.recompute").count() == 1
    assert PartnerTouchpoint.objects.count() == 1


@pytest.mark.usefixtures("flushable_db")
def test_twenty_concurrent_approvals_of_a_split_change_apply_it_once(org, partner, admin, rep):
    # given: a 20 % split, a change to 60 % waiting (review size 10 points)
    ProgramSettings.objects.create(organization=org, split_change_review_points=Decimal("10"))
    deal = OpportunityFactory(organization=org, owner=rep.user)
    OpportunityPartner.objects.create(
        organization=org,
        opportunity=deal,
        partner=partner,
        role="referral",
        split_percent=Decimal("20"),
        source="manual",
    )
    review = split_change_review(
        membership=admin,
        proposal=SplitChangeProposal(
            deal.pk, partner.pk, "referral", Decimal("20.00"), Decimal("60.00"), "POC"
        ),
    )
    managers = _managers(org)
    # when
    outcomes = _race(
        lambda m: split_change_decide(membership=m, request_id=review.request_id, approve=True), managers
    )
    # then
    assert outcomes == ["approved"] + ["refused"] * 19
    request = SplitChangeRequest.objects.get()
    assert request.status == ApprovalStatus.APPROVED
    assert ApprovalDecision.objects.filter(split_change=request).count() == 1
    assert OpportunityPartner.objects.get(opportunity=deal).split_percent == Decimal("60.00")
    assert AuditEvent.objects.filter(action="opportunity_partner.set").count() == 1
    assert JobRun.objects.filter(organization=org, kind="attribution.recompute").count() == 1
