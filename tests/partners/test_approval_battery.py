"""Double approval, 200 times (PostgreSQL): two managers approve the same registration at the
same moment, each on its own connection. Every time exactly one approval goes through, the deal
gets one partner link and one request to align the ledger, and the ledger ends with one entry
for the partner's share of each deal; the other approval is refused and writes nothing.

The alignment jobs are queued, not run in the racing threads (the broker is in memory here);
one recompute of the whole book at the end posts what they would post.

The 200 rounds run in four lanes side by side (different registrations), each lane with its
own pair of racing connections, so the battery takes well under a minute.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Count

from attribution.models import AttributionEntry, OpportunityPartner
from attribution.services.recompute import attribution_recompute
from attribution.services.settings import attribution_settings_get
from attribution.services.verify import ledger_verify
from partners.models import ApprovalDecision, DealRegistration, RegistrationStatus
from partners.services.approvals import registration_decide
from partners.services.registrations import registration_submit
from revops.celery import app as celery_app
from revops.models import AuditEvent, JobRun, Opportunity
from revops.services.periods import periods_ensure
from tests.attribution.factories import RevenueEventFactory
from tests.partners.factories import registration_input
from tests.races import in_lanes, kinds
from tests.revops.factories import AccountFactory, MembershipFactory, OpportunityFactory, UserFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres

ITERATIONS = 200
LANES = 4
NOW = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


@pytest.fixture
def queued_tasks():
    """Tasks go to the in-memory broker instead of running in the caller's thread."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


@pytest.mark.usefixtures("flushable_db")
def test_two_managers_approving_one_registration_200_times_give_one_link_and_one_entry_each(
    org, rep, partner_user, line, queued_tasks
):
    # given: referrals earn 10 %, an open year, two org-wide managers (built once)
    settings = attribution_settings_get(organization=org)
    settings.default_splits = {"referral": "10"}
    settings.save()
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    managers = [
        MembershipFactory(
            organization=org, user=UserFactory(email=f"vp{i}@acme.test"), role="manager", org_wide=True
        )
        for i in (1, 2)
    ]

    def round_(i, racers):
        # given: a fresh account with an open deal and 1,000.00 of revenue, and the partner's
        # registration of that company
        account = AccountFactory(
            organization=org, name=f"Racecourse {i:03d}", domain=f"race{i}.example", owner=rep.user
        )
        deal = OpportunityFactory(organization=org, account=account, owner=rep.user, product_line=line)
        RevenueEventFactory(
            organization=org, opportunity=deal, amount=Decimal("1000.00"), date=dt.date(2026, 3, 1)
        )
        registration = registration_submit(
            membership=partner_user,
            data=registration_input(line, account_name=account.name, domain=account.domain),
        )

        def approve(membership):
            return lambda: registration_decide(
                membership=membership, registration_id=registration.pk, approve=True, now=NOW
            )

        # when both managers approve it at once
        results = racers.run(*(approve(m) for m in managers))
        # then one approval, one link, one alignment of the deal's account; the other was refused
        assert kinds(results) == ["ApplicationError", "DealRegistration"], (i, results)
        registration.refresh_from_db()
        assert (registration.status, registration.opportunity_id) == (RegistrationStatus.APPROVED, deal.pk), i
        assert OpportunityPartner.objects.filter(opportunity=deal).count() == 1, i
        alignments = JobRun.objects.filter(
            organization=org, kind="attribution.recompute", params__accounts=[account.pk]
        )
        assert alignments.count() == 1, i

    in_lanes(LANES, ITERATIONS, round_)
    attribution_recompute(organization=org)
    # and over the whole battery: one decision and one audit row per registration, no extra
    # deal, a ledger whose chain verifies
    per_registration = ApprovalDecision.objects.values("registration").annotate(n=Count("id"))
    assert sorted({row["n"] for row in per_registration}) == [1]
    assert DealRegistration.objects.filter(status=RegistrationStatus.APPROVED).count() == ITERATIONS
    assert AuditEvent.objects.filter(action="deal_registration.approve").count() == ITERATIONS
    assert Opportunity.objects.filter(organization=org).count() == ITERATIONS
    entries = AttributionEntry.objects.filter(organization=org, partner=partner_user.partner)
    per_deal = entries.order_by().values("revenue_event__opportunity").annotate(n=Count("id"))
    assert len(per_deal) == ITERATIONS
    assert {row["n"] for row in per_deal} == {1}
    assert sorted(set(entries.values_list("amount", flat=True))) == [Decimal("100.00")]
    assert AttributionEntry.objects.filter(organization=org).count() == ITERATIONS
    assert ledger_verify(organization=org).ok
