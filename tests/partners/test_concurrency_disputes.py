"""Twenty approvers accept one dispute at the same moment (PostgreSQL): one outcome, one split
change, one ledger adjustment citing the dispute."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from attribution.models import AttributionEntry, OpportunityPartner
from attribution.services.recompute import attribution_recompute
from attribution.services.verify import ledger_verify
from partners.models import PartnerDispute
from partners.services.disputes import dispute_open, dispute_resolve
from revops.exceptions import ApplicationError
from revops.models import AuditEvent
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import MembershipFactory, UserFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres


@pytest.mark.usefixtures("flushable_db")
def test_twenty_concurrent_accepts_give_one_outcome_and_one_adjustment(org, partner_user, rep_opportunity):
    # given: a posted 10 % split, a dispute asking 15 %, twenty org-wide managers
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    OpportunityPartnerFactory(
        organization=org,
        opportunity=rep_opportunity,
        partner=partner_user.partner,
        role="referral",
        split_percent=Decimal("10"),
    )
    RevenueEventFactory(
        organization=org, opportunity=rep_opportunity, date=dt.date(2026, 1, 20), amount=Decimal("1000.00")
    )
    attribution_recompute(organization=org)
    dispute = dispute_open(
        membership=partner_user,
        opportunity_id=rep_opportunity.pk,
        claim="We sourced it",
        proposed_split_percent=Decimal("15"),
    )
    managers = [
        MembershipFactory(
            organization=org, user=UserFactory(email=f"m{i}@acme.test"), role="manager", org_wide=True
        )
        for i in range(20)
    ]
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(membership):
        try:
            barrier.wait()
            dispute_resolve(membership=membership, dispute_id=dispute.pk, accept=True, reason="Proof holds")
            outcome = "accepted"
        except ApplicationError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=accept, args=(m,)) for m in managers]
    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    dispute.refresh_from_db()
    cited = [
        e
        for e in AttributionEntry.objects.filter(organization=org).select_related("explanation_ref")
        if (e.explanation.get("reference") or {}).get("id") == dispute.pk
    ]
    assert sorted(outcomes) == ["accepted"] + ["refused"] * 19
    assert PartnerDispute.objects.get(pk=dispute.pk).status == "accepted"
    assert [(e.kind, e.amount) for e in cited] == [("adjustment", Decimal("50.00"))]
    assert AttributionEntry.objects.filter(organization=org).count() == 2
    assert OpportunityPartner.objects.get(opportunity=rep_opportunity).split_percent == Decimal("15.00")
    assert AuditEvent.objects.filter(action="partner_dispute.accept").count() == 1
    assert ledger_verify(organization=org).ok
