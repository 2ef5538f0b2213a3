"""Partner touchpoints through the one approval engine: routing by conditions, no self- or
partner approval, SLA escalation, influence credit only once approved, the partner touch on
marketing journeys, and nothing changed by a rejection or a refused submission."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from attribution.marketing.models import Touchpoint
from attribution.marketing.services.partner_touches import partner_touches_sync
from attribution.models import OpportunityPartner
from partners.models import (
    ApprovalDecision,
    ApprovalKind,
    ApprovalPolicy,
    ApprovalStatus,
    ApprovalStep,
    DealRegistration,
    PartnerTouchpoint,
    TouchpointAttachment,
)
from partners.services.registrations import registration_submit
from partners.services.touchpoints import (
    FUTURE_DATE,
    TouchpointInput,
    touchpoint_decide,
    touchpoint_submit,
    touchpoints_escalate,
)
from partners.tasks import escalate_registrations_task
from revops.exceptions import ApplicationError
from revops.models import Account, AuditEvent, JobRun
from revops.providers import touch_summaries
from tests.partners.factories import registration_input
from tests.revops.factories import AccountFactory, OpportunityFactory

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 2, 20)


@pytest.fixture
def account(org, rep):
    return AccountFactory(organization=org, name="Heron Foods", owner=rep.user, region="emea")


@pytest.fixture
def deal(org, account, rep):
    """A deal the partner is not on yet (the touchpoint's target)."""
    return OpportunityFactory(organization=org, account=account, owner=rep.user, name="Heron expansion")


@pytest.fixture
def known_deal(org, account, rep, partner):
    """A deal the partner is already on: it makes the account the partner's to report on."""
    opportunity = OpportunityFactory(organization=org, account=account, owner=rep.user, name="Heron renewal")
    OpportunityPartner.objects.create(
        organization=org, opportunity=opportunity, partner=partner, role="referral", source="manual"
    )
    return opportunity


def _input(account, opportunity=None, **overrides) -> TouchpointInput:
    values = {
        "account": account,
        "opportunity": opportunity,
        "activity_type": "workshop",
        "occurred_on": DAY,
        "description": "Data strategy workshop with the CFO",
    }
    values.update(overrides)
    return TouchpointInput(**values)


def _policy(org, kind, *, min_value=None, only_with_conflict=False, escalate_to=None):
    policy = ApprovalPolicy.objects.create(organization=org, name=f"{kind} policy", priority=1, kind=kind)
    ApprovalStep.objects.create(
        organization=org,
        policy=policy,
        order=1,
        name="Channel manager",
        approver_role="manager",
        sla_hours=24,
        escalate_to=escalate_to,
    )
    ApprovalStep.objects.create(
        organization=org,
        policy=policy,
        order=2,
        name="Director",
        approver_role="admin",
        sla_hours=48,
        min_value=min_value,
        only_with_conflict=only_with_conflict,
    )
    return policy


def test_touchpoint_routes_by_its_own_kinds_policy(org, partner_user, known_deal, deal, account):
    # given: a registration policy (not for touchpoints) and a touchpoint policy whose second
    # step starts at 50,000 of deal size
    _policy(org, ApprovalKind.REGISTRATION)
    _policy(org, ApprovalKind.TOUCHPOINT, min_value=Decimal("50000"))
    deal.amount = Decimal("80000.00")
    deal.save()
    # when: one touchpoint on the big deal, one on the account only (size 0)
    big = touchpoint_submit(membership=partner_user, data=_input(account, known_deal), now=NOW)
    known_deal.amount = Decimal("80000.00")
    known_deal.save()
    bigger = touchpoint_submit(membership=partner_user, data=_input(account, known_deal), now=NOW)
    small = touchpoint_submit(membership=partner_user, data=_input(account), now=NOW)
    # then
    assert [s["name"] for s in big.steps] == ["Channel manager"]  # 10,000 deal
    assert [s["name"] for s in bigger.steps] == ["Channel manager", "Director"]
    assert [s["policy"] for s in small.steps] == ["touchpoint policy"]
    assert small.step_due_at == NOW + dt.timedelta(hours=24)


def test_conflict_condition_reads_another_partner_on_the_deal(
    org, partner_user, other_partner, known_deal, account
):
    _policy(org, ApprovalKind.TOUCHPOINT, only_with_conflict=True)
    alone = touchpoint_submit(membership=partner_user, data=_input(account, known_deal), now=NOW)
    OpportunityPartner.objects.create(
        organization=org, opportunity=known_deal, partner=other_partner, role="si", source="manual"
    )
    shared = touchpoint_submit(membership=partner_user, data=_input(account, known_deal), now=NOW)
    assert (alone.has_conflict, len(alone.steps)) == (False, 1)
    assert (shared.has_conflict, len(shared.steps)) == (True, 2)


def test_approved_touchpoint_on_an_account_credits_its_open_deals_the_partner_is_not_on(
    org, partner, partner_user, admin, known_deal, deal, account, rep, django_capture_on_commit_callbacks
):
    # given: a closed deal on the account (not credited) besides the open one
    closed = OpportunityFactory(organization=org, account=account, owner=rep.user, stage="closed_won")
    touchpoint = touchpoint_submit(membership=partner_user, data=_input(account), now=NOW)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = touchpoint_decide(membership=admin, touchpoint_id=touchpoint.pk, approve=True, now=NOW)
    # then: an influence link from the touchpoint on the open deal only; the known deal keeps its link
    assert approved.status == ApprovalStatus.APPROVED
    assert approved.credited_opportunity_ids == [deal.pk]
    links = OpportunityPartner.objects.filter(partner=partner).order_by("opportunity_id")
    assert [(link.opportunity_id, link.role, link.source) for link in links] == [
        (known_deal.pk, "referral", "manual"),
        (deal.pk, "influence", "touchpoint"),
    ]
    assert not OpportunityPartner.objects.filter(opportunity=closed).exists()
    assert JobRun.objects.filter(organization=org, kind="attribution.recompute").count() == 1
    decision = ApprovalDecision.objects.get(touchpoint=touchpoint)
    assert (decision.outcome, decision.decided_by_id, decision.registration_id) == (
        "approved",
        admin.user_id,
        None,
    )
    assert (
        AuditEvent.objects.filter(action="partner_touchpoint.approve", object_id=str(touchpoint.pk)).count()
        == 1
    )
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([partner_user.user.email], f"Touchpoint {touchpoint.pk} (Workshop, Heron Foods) was approved")
    ]


def test_approved_touchpoint_naming_a_deal_credits_that_deal_once(
    org, partner, partner_user, admin, known_deal, account
):
    touchpoint = touchpoint_submit(membership=partner_user, data=_input(account, known_deal), now=NOW)
    approved = touchpoint_decide(membership=admin, touchpoint_id=touchpoint.pk, approve=True, now=NOW)
    # the partner was already on the deal: the activity is on record, the link unchanged
    assert approved.credited_opportunity_ids == []
    assert list(OpportunityPartner.objects.filter(partner=partner).values_list("role", "source")) == [
        ("referral", "manual")
    ]
    with pytest.raises(ApplicationError, match="Already decided"):
        touchpoint_decide(membership=admin, touchpoint_id=touchpoint.pk, approve=True, now=NOW)
    assert ApprovalDecision.objects.filter(touchpoint=touchpoint).count() == 1


def test_rejected_touchpoint_changes_nothing_and_needs_a_reason(
    org, partner, partner_user, admin, known_deal, deal, account, django_capture_on_commit_callbacks
):
    touchpoint = touchpoint_submit(membership=partner_user, data=_input(account), now=NOW)
    links_before = list(OpportunityPartner.objects.values_list("pk", "partner_id", "split_percent"))
    mail.outbox.clear()
    # when: no reason → refused, nothing written
    with pytest.raises(ValidationError):
        touchpoint_decide(membership=admin, touchpoint_id=touchpoint.pk, approve=False, reason=" ")
    touchpoint.refresh_from_db()
    assert (touchpoint.status, ApprovalDecision.objects.count(), len(mail.outbox)) == ("submitted", 0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        rejected = touchpoint_decide(
            membership=admin,
            touchpoint_id=touchpoint.pk,
            approve=False,
            reason="No evidence of attendance",
            now=NOW,
        )
    # then
    assert (rejected.status, rejected.decision_reason) == (
        ApprovalStatus.REJECTED,
        "No evidence of attendance",
    )
    assert list(OpportunityPartner.objects.values_list("pk", "partner_id", "split_percent")) == links_before
    assert not JobRun.objects.filter(kind="attribution.recompute").exists()
    assert [m.body for m in mail.outbox] == ["Reason: No evidence of attendance"]
    since, until = NOW - dt.timedelta(days=60), NOW
    assert partner_touches_sync(organization=org, since=since, until=until) == 0


def test_partners_never_decide_and_escalation_lets_the_target_decide_after_the_sla(
    org, partner_user, admin, known_deal, account, django_capture_on_commit_callbacks
):
    # given: one step for managers (the director's step starts far above this deal),
    # escalating to the admin
    _policy(org, ApprovalKind.TOUCHPOINT, min_value=Decimal("10000000"), escalate_to=admin.user)
    touchpoint = touchpoint_submit(membership=partner_user, data=_input(account, known_deal), now=NOW)
    with pytest.raises(PermissionDenied):
        touchpoint_decide(membership=partner_user, touchpoint_id=touchpoint.pk, approve=True, now=NOW)
    with pytest.raises(ApplicationError, match="waits for Channel manager"):
        touchpoint_decide(membership=admin, touchpoint_id=touchpoint.pk, approve=True, now=NOW)
    later = NOW + dt.timedelta(hours=25)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert touchpoints_escalate(organization=org, now=later) == 1
        assert touchpoints_escalate(organization=org, now=later) == 0
    assert [m.to for m in mail.outbox] == [[admin.user.email]]
    decided = touchpoint_decide(membership=admin, touchpoint_id=touchpoint.pk, approve=True, now=later)
    assert decided.status == ApprovalStatus.APPROVED
    assert ApprovalDecision.objects.get(touchpoint=touchpoint).escalated is True


def test_approved_touchpoint_joins_marketing_journeys_as_a_partner_touch(
    org, partner_user, admin, known_deal, deal, account
):
    # given: one approved, one waiting
    approved = touchpoint_submit(membership=partner_user, data=_input(account, known_deal), now=NOW)
    touchpoint_decide(membership=admin, touchpoint_id=approved.pk, approve=True, now=NOW)
    touchpoint_submit(membership=partner_user, data=_input(account, activity_type="demo"), now=NOW)
    since, until = NOW - dt.timedelta(days=60), NOW
    # when
    created = partner_touches_sync(organization=org, since=since, until=until)
    again = partner_touches_sync(organization=org, since=since, until=until)
    # then: one touch, channel "Partner", on the account and the deal, at noon of the day
    assert (created, again) == (1, 0)
    touch = Touchpoint.objects.get()
    assert (touch.channel.name, touch.channel.grouping, touch.source) == ("Partner", "Partner", "partner")
    assert (touch.account_id, touch.opportunity_id) == (account.pk, known_deal.pk)
    assert touch.occurred_at == dt.datetime(2026, 2, 20, 12, 0, tzinfo=dt.UTC)
    assert touch.external_id == f"partner:touchpoint-{approved.pk}"
    summary = touch_summaries(org, [known_deal.pk, deal.pk])
    assert summary[known_deal.pk].channels == ("Partner",)
    # the other deal shares the account's journey: the one approved touch, not the waiting one
    assert (summary[deal.pk].touch_count, summary[deal.pk].channels) == (1, ("Partner",))


def test_bad_submissions_write_nothing(org, partner_user, other_partner_user, known_deal, account):
    # a future date, an empty description: both named
    with pytest.raises(ValidationError) as caught:
        touchpoint_submit(
            membership=partner_user,
            data=_input(account, occurred_on=dt.date.today() + dt.timedelta(days=2), description=" "),
        )
    assert caught.value.message_dict == {
        "occurred_on": [FUTURE_DATE],
        "description": ["Say what took place."],
    }
    # an account the other partner does not work on: as if it did not exist
    with pytest.raises(Account.DoesNotExist):
        touchpoint_submit(membership=other_partner_user, data=_input(account))
    # evidence of the wrong type, named by file name
    fake = SimpleUploadedFile("deck.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match=r"deck\.pdf"):
        touchpoint_submit(membership=partner_user, data=_input(account), attachments=[fake])
    assert PartnerTouchpoint.objects.count() == 0
    assert TouchpointAttachment.objects.count() == 0
    assert not AuditEvent.objects.filter(action="partner_touchpoint.submit").exists()


def test_evidence_is_stored_with_the_touchpoint(org, partner_user, known_deal, account):
    pdf = SimpleUploadedFile("agenda.pdf", b"%PDF-1.4 agenda", content_type="application/pdf")
    touchpoint = touchpoint_submit(membership=partner_user, data=_input(account), attachments=[pdf], now=NOW)
    assert list(touchpoint.attachments.values_list("name", "size")) == [("agenda.pdf", 15)]


def test_hourly_escalation_task_covers_every_kind(org, partner_user, known_deal, account, line):
    # given: a touchpoint and a registration, both past their SLA
    touchpoint = touchpoint_submit(membership=partner_user, data=_input(account), now=NOW)
    registration = registration_submit(membership=partner_user, data=registration_input(line), now=NOW)
    # when
    result = escalate_registrations_task()
    # then
    touchpoint.refresh_from_db()
    assert result == {"escalated": 2}
    assert touchpoint.escalated is True
    assert DealRegistration.objects.get(pk=registration.pk).escalated is True
