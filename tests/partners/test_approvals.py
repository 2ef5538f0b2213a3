"""Approvals: routing by conditions, named and role approvers, SLA escalation, no
self-approval, audited and e-mailed decisions, and the approved deal reaching the ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from attribution.models import AttributionEntry, OpportunityPartner
from partners.models import ApprovalDecision, DealRegistration, RegistrationStatus
from partners.services.approvals import registration_decide, registrations_escalate
from partners.services.registrations import registration_submit
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, Opportunity
from revops.services.periods import periods_ensure
from tests.attribution.factories import RevenueEventFactory
from tests.partners.factories import registration_input, two_step_policy
from tests.revops.factories import AccountFactory, OpportunityFactory

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _submit(membership, line, **overrides):
    return registration_submit(membership=membership, data=registration_input(line, **overrides), now=NOW)


def test_small_deal_takes_the_first_step_only(org, partner_user, line):
    # given: the second step applies from 50,000
    two_step_policy(org, min_value=Decimal("50000"))
    # when
    registration = _submit(partner_user, line, estimated_value=Decimal("25000"))
    # then
    assert [s["name"] for s in registration.steps] == ["Channel manager"]


def test_big_deal_takes_both_steps_in_order(org, partner_user, line):
    two_step_policy(org, min_value=Decimal("50000"))
    registration = _submit(partner_user, line, estimated_value=Decimal("50000"))
    assert [(s["name"], s["role"]) for s in registration.steps] == [
        ("Channel manager", "manager"),
        ("Sales director", "admin"),
    ]
    assert registration.step_due_at == NOW + dt.timedelta(hours=24)


def test_conflict_condition_adds_a_step_only_with_conflict(org, partner_user, other_partner_user, line):
    # given
    from partners.models import ApprovalStep

    policy = two_step_policy(org)
    ApprovalStep.objects.filter(policy=policy, order=2).update(only_with_conflict=True)
    # when
    clean = _submit(partner_user, line)
    conflicting = _submit(other_partner_user, line)
    # then
    assert [s["name"] for s in clean.steps] == ["Channel manager"]
    assert [s["name"] for s in conflicting.steps] == ["Channel manager", "Sales director"]


def test_tier_and_region_conditions_route(org, partner, partner_user, line):
    from partners.models import ApprovalStep

    policy = two_step_policy(org)
    ApprovalStep.objects.filter(policy=policy, order=2).update(partner_tier="gold", region="emea")
    AccountFactory(organization=org, name="Bluebird Logistics", domain="bluebird.example", region="emea")
    assert [s["name"] for s in _submit(partner_user, line).steps] == ["Channel manager"]
    partner.tier = "gold"
    partner.save()
    partner_user.refresh_from_db()
    assert [s["name"] for s in _submit(partner_user, line).steps] == ["Channel manager", "Sales director"]


def test_two_steps_manager_then_named_user(
    org, partner_user, manager, admin, finance_admin, line, django_capture_on_commit_callbacks
):
    # given: the second step names the finance user
    two_step_policy(org, second_user=finance_admin.user)
    registration = _submit(partner_user, line)
    mail.outbox.clear()
    # when: the admin may not take the manager's step, the manager approves it
    with pytest.raises(ApplicationError, match="waits for Channel manager"):
        registration_decide(membership=admin, registration_id=registration.pk, approve=True, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        first = registration_decide(
            membership=manager, registration_id=registration.pk, approve=True, now=NOW
        )
    # then: the second step waits for the named user, who may approve only with the capability
    assert (first.status, first.current_step) == (RegistrationStatus.SUBMITTED, 1)
    with pytest.raises(ApplicationError, match="waits for Sales director"):
        registration_decide(membership=admin, registration_id=registration.pk, approve=True, now=NOW)
    with pytest.raises(PermissionDenied):  # finance holds no approval capability
        registration_decide(membership=finance_admin, registration_id=registration.pk, approve=True, now=NOW)
    assert [m.subject for m in mail.outbox] == [
        f"Registration {registration.pk} (Bluebird Logistics): step Channel manager approved"
    ]
    assert ApprovalDecision.objects.filter(registration=registration).count() == 1


def test_escalation_target_may_decide_after_the_sla(
    org, partner_user, manager, admin, line, django_capture_on_commit_callbacks
):
    # given: step one (managers) escalates to the admin after 24 h; a one-step chain
    two_step_policy(org, min_value=Decimal("1000000"), escalate_to=admin.user)
    registration = _submit(partner_user, line)
    # when: before the SLA the admin is refused; after it, the hourly escalation tells the admin
    with pytest.raises(ApplicationError):
        registration_decide(membership=admin, registration_id=registration.pk, approve=True, now=NOW)
    mail.outbox.clear()
    later = NOW + dt.timedelta(hours=25)
    with django_capture_on_commit_callbacks(execute=True):
        escalated = registrations_escalate(organization=org, now=later)
        again = registrations_escalate(organization=org, now=later)
    decided = registration_decide(membership=admin, registration_id=registration.pk, approve=True, now=later)
    # then
    assert (escalated, again) == (1, 0)
    assert [m.to for m in mail.outbox] == [[admin.user.email]]
    assert decided.status == RegistrationStatus.APPROVED
    assert decided.decisions.get().escalated is True


def test_nobody_decides_their_own_request(org, partner_user, manager, line):
    # given: a registration recorded as submitted by the manager (an intake on their behalf)
    registration = _submit(partner_user, line)
    DealRegistration.objects.filter(pk=registration.pk).update(submitted_by=manager.user)
    # when / then
    with pytest.raises(ApplicationError, match="Nobody decides a registration they submitted"):
        registration_decide(membership=manager, registration_id=registration.pk, approve=True, now=NOW)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SUBMITTED
    assert ApprovalDecision.objects.count() == 0


def test_partner_users_cannot_decide(partner_user, other_partner_user, line):
    registration = _submit(partner_user, line)
    with pytest.raises(PermissionDenied):
        registration_decide(membership=other_partner_user, registration_id=registration.pk, approve=True)
    assert DealRegistration.objects.get().status == RegistrationStatus.SUBMITTED


def test_other_organization_cannot_find_it(partner_user, other_org_admin, line):
    registration = _submit(partner_user, line)
    with pytest.raises(DealRegistration.DoesNotExist):
        registration_decide(membership=other_org_admin, registration_id=registration.pk, approve=True)
    assert ApprovalDecision.objects.count() == 0


def test_reject_needs_a_reason_and_mails_it(partner_user, manager, line, django_capture_on_commit_callbacks):
    registration = _submit(partner_user, line)
    with pytest.raises(ValidationError):
        registration_decide(membership=manager, registration_id=registration.pk, approve=False, reason="  ")
    assert DealRegistration.objects.get().status == RegistrationStatus.SUBMITTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rejected = registration_decide(
            membership=manager,
            registration_id=registration.pk,
            approve=False,
            reason="Already in our pipeline",
            now=NOW,
        )
    assert (rejected.status, rejected.decision_reason) == (
        RegistrationStatus.REJECTED,
        "Already in our pipeline",
    )
    assert rejected.opportunity_id is None
    assert OpportunityPartner.objects.count() == 0
    assert [(m.subject, m.body) for m in mail.outbox] == [
        (
            f"Registration {registration.pk} (Bluebird Logistics) was rejected",
            "Reason: Already in our pipeline",
        )
    ]
    assert (
        AuditEvent.objects.filter(action="deal_registration.reject", reason="Already in our pipeline").count()
        == 1
    )


def test_deciding_twice_is_refused_without_writing(partner_user, manager, admin, line):
    registration = _submit(partner_user, line)
    registration_decide(membership=manager, registration_id=registration.pk, approve=True, now=NOW)
    with pytest.raises(ApplicationError, match="Already decided: approved"):
        registration_decide(
            membership=admin, registration_id=registration.pk, approve=False, reason="no", now=NOW
        )
    assert ApprovalDecision.objects.count() == 1
    assert OpportunityPartner.objects.count() == 1


def test_approval_creates_deal_and_registration_link(org, partner_user, manager, line):
    # given: no account yet
    registration = _submit(partner_user, line)
    # when
    approved = registration_decide(membership=manager, registration_id=registration.pk, approve=True, now=NOW)
    # then
    deal = Opportunity.objects.get(pk=approved.opportunity_id)
    link = OpportunityPartner.objects.get(opportunity=deal)
    assert (deal.name, deal.amount, deal.product_line_id, deal.owner_id) == (
        "Bluebird Logistics — Analytics",
        Decimal("25000.00"),
        line.pk,
        manager.user_id,
    )
    assert (deal.account.name, deal.account.domain) == ("Bluebird Logistics", "bluebird.example")
    assert (link.partner_id, link.role, link.source, link.split_percent) == (
        partner_user.partner_id,
        "referral",
        "registration",
        None,
    )
    assert approved.protected_until == dt.date(2026, 5, 31)


def test_approval_links_the_existing_deal_and_posts_to_the_ledger(
    org, partner_user, manager, rep, line, django_capture_on_commit_callbacks
):
    # given: the rep's open deal on the account, with revenue; referrals earn 10 % by default
    from attribution.services.settings import attribution_settings_get

    settings = attribution_settings_get(organization=org)
    settings.default_splits = {"referral": "10"}
    settings.save()
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    account = AccountFactory(
        organization=org, name="Bluebird Logistics", domain="bluebird.example", owner=rep.user
    )
    deal = OpportunityFactory(
        organization=org, account=account, owner=rep.user, product_line=line, name="Bluebird rollout"
    )
    RevenueEventFactory(
        organization=org, opportunity=deal, amount=Decimal("1000.00"), date=dt.date(2026, 3, 1)
    )
    registration = _submit(partner_user, line)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = registration_decide(
            membership=manager, registration_id=registration.pk, approve=True, now=NOW
        )
    # then
    assert approved.opportunity_id == deal.pk
    assert Opportunity.objects.filter(account=account).count() == 1
    entry = AttributionEntry.objects.get(partner_id=partner_user.partner_id)
    assert (entry.revenue_event.opportunity_id, entry.amount) == (deal.pk, Decimal("100.00"))
