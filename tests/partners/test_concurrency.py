"""Twenty approvers press "approve" on one registration at the same moment (PostgreSQL):
exactly one decision, one deal link and one ledger alignment."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from attribution.models import OpportunityPartner
from partners.models import ApprovalDecision, DealRegistration, RegistrationStatus
from partners.services.approvals import registration_decide
from partners.services.registrations import registration_submit
from revops.exceptions import ApplicationError
from revops.models import JobRun, Opportunity
from tests.partners.factories import registration_input
from tests.revops.factories import MembershipFactory, UserFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres


@pytest.mark.usefixtures("flushable_db")
def test_twenty_concurrent_approvals_give_one_outcome(org, partner_user, line):
    # given: twenty managers, one registration waiting for any manager
    managers = [
        MembershipFactory(
            organization=org, user=UserFactory(email=f"m{i}@acme.test"), role="manager", org_wide=True
        )
        for i in range(20)
    ]
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(membership):
        try:
            barrier.wait()
            registration_decide(membership=membership, registration_id=registration.pk, approve=True)
            outcome = "approved"
        except ApplicationError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=approve, args=(m,)) for m in managers]
    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    registration.refresh_from_db()
    assert sorted(outcomes) == ["approved"] + ["refused"] * 19
    assert registration.status == RegistrationStatus.APPROVED
    assert ApprovalDecision.objects.filter(registration=registration).count() == 1
    assert Opportunity.objects.filter(organization=org).count() == 1
    assert (
        OpportunityPartner.objects.filter(partner_id=partner_user.partner_id, source="registration").count()
        == 1
    )
    assert JobRun.objects.filter(organization=org, kind="attribution.recompute").count() == 1
    assert DealRegistration.objects.filter(opportunity__isnull=False).count() == 1
    assert registration.estimated_value == Decimal("25000.00")
