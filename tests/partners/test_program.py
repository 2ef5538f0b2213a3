"""The partner program's standing: tiers from the ledger, health, downgrade approval, lifecycle,
alerts. Expected figures are worked out by hand from the fixture's amounts (see each test)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase

from attribution.services.recompute import attribution_recompute
from partners.models import (
    AlertKind,
    DealRegistration,
    OnboardingCompletion,
    OnboardingStep,
    PartnerAlert,
    PartnerCertification,
    PartnerDispute,
    PartnerHealth,
    PartnerLifecycleChange,
    PartnerTierChange,
    ProgramTier,
    RegistrationStatus,
    TierChangeStatus,
)
from partners.selectors import program as program_selectors
from partners.selectors.program import next_tier_needs
from partners.services.program import program_settings_get
from partners.services.standing import (
    ALREADY_DECIDED,
    alert_acknowledge,
    onboarding_step_complete,
    partner_lifecycle_set,
    program_recompute,
    tier_change_decide,
)
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, Partner
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)


def _days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def tiers(org):
    """Registered (no threshold) < Silver (100.00 and 1 win in 365 days) < Gold (1,000.00, 2 wins, 1 certification)."""
    return {
        "registered": ProgramTier.objects.create(organization=org, tier=Partner.Tier.REGISTERED, rank=1),
        "silver": ProgramTier.objects.create(
            organization=org,
            tier=Partner.Tier.SILVER,
            rank=2,
            window_days=365,
            min_attributed_revenue=Decimal("100.00"),
            min_registrations_won=1,
        ),
        "gold": ProgramTier.objects.create(
            organization=org,
            tier=Partner.Tier.GOLD,
            rank=3,
            window_days=365,
            min_attributed_revenue=Decimal("1000.00"),
            min_registrations_won=2,
            min_certifications=1,
        ),
    }


@pytest.fixture
def alpha(org):
    return PartnerFactory(
        organization=org,
        name="Alpha",
        tier=Partner.Tier.REGISTERED,
        lifecycle_stage=Partner.Lifecycle.PROSPECT,
    )


@pytest.fixture
def beta(org):
    return PartnerFactory(
        organization=org,
        name="Beta",
        tier=Partner.Tier.REGISTERED,
        lifecycle_stage=Partner.Lifecycle.PROSPECT,
    )


@pytest.fixture
def book(org, alpha, beta, line):
    """One won deal: Alpha at 10 %, Beta at 5 %. Revenue 3,000.00 ten days ago, 2,000.00 120 days
    ago, 4,000.00 400 days ago (outside every window). Alpha has one registration won on it and
    one rejected, both submitted 20 days ago."""
    periods_ensure(organization=org, start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31))
    account = AccountFactory(organization=org, name="Won Co")
    deal = OpportunityFactory(
        organization=org, account=account, stage="closed_won", close_date=_days_ago(15), product_line=line
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=alpha, role="referral", split_percent=Decimal("10")
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=beta, role="isv", split_percent=Decimal("5")
    )
    for days, amount in ((10, "3000.00"), (120, "2000.00"), (400, "4000.00")):
        RevenueEventFactory(organization=org, opportunity=deal, date=_days_ago(days), amount=Decimal(amount))
    attribution_recompute(organization=org)
    submitted = dt.datetime.combine(_days_ago(20), dt.time(12), tzinfo=dt.UTC)
    common = {
        "organization": org,
        "partner": alpha,
        "account_name": "Won Co",
        "estimated_value": Decimal("5000.00"),
        "product_line": line,
        "expected_close": TODAY,
        "role": "referral",
        "created_at": submitted,
    }
    DealRegistration.objects.create(
        **common,
        status=RegistrationStatus.APPROVED,
        opportunity=deal,
        account=account,
        protected_until=_days_ago(-70),
    )
    DealRegistration.objects.create(**common, status=RegistrationStatus.REJECTED, decision_reason="No")
    return deal


def test_tiers_from_the_ledger_with_the_reason_for_each_change(org, tiers, alpha, beta, book):
    # given Alpha: 10 % of 3,000 + 2,000 inside 365 days = 500.00, one registration won, no
    # certification → Silver (100.00 / 1 win met), not Gold (1,000.00 / 2 wins / 1 cert).
    # Beta: 5 % → 250.00, no registration won → stays Registered.
    # when
    counts = program_recompute(organization=org, today=TODAY)
    # then
    alpha.refresh_from_db()
    beta.refresh_from_db()
    assert (alpha.tier, beta.tier) == (Partner.Tier.SILVER, Partner.Tier.REGISTERED)
    change = PartnerTierChange.objects.get(partner=alpha)
    assert (change.from_tier, change.to_tier, change.status) == (
        "registered",
        "silver",
        TierChangeStatus.APPLIED,
    )
    assert change.reason["criteria"] == [
        {
            "key": "revenue",
            "label": "Attributed revenue, last 365 days",
            "required": "100.00",
            "actual": "500.00",
            "short": "0.00",
        },
        {
            "key": "won",
            "label": "Registrations won, last 365 days",
            "required": "1",
            "actual": "1",
            "short": "0",
        },
    ]
    assert [(c["key"], c["short"]) for c in change.reason["next_missing"]] == [
        ("revenue", "500.00"),
        ("won", "1"),
        ("certifications", "1"),
    ]
    assert "Qualifies for Silver" in change.reason_text and "short of Gold" in change.reason_text
    assert not PartnerTierChange.objects.filter(partner=beta).exists()
    assert counts["tiers applied"] == 1 and counts["tiers unchanged"] == 1


def test_a_second_computation_changes_nothing(org, tiers, alpha, book):
    program_recompute(organization=org, today=TODAY)
    # when
    counts = program_recompute(organization=org, today=TODAY)
    # then
    assert PartnerTierChange.objects.filter(partner=alpha).count() == 1
    assert counts["tiers applied"] == 0


def test_a_certification_counts_only_while_valid(org, tiers, alpha, book):
    # given Alpha would need 500.00 more revenue and one more win for Gold either way; the
    # expired certification is not counted, the valid one is.
    PartnerCertification.objects.create(
        organization=org, partner=alpha, name="Old", issued_on=_days_ago(800), expires_on=_days_ago(1)
    )
    PartnerCertification.objects.create(
        organization=org, partner=alpha, name="Current", issued_on=_days_ago(30)
    )
    # when
    figures = program_selectors.program_figures(
        organization=org, today=TODAY, specs=program_selectors.tier_specs(organization=org)
    )
    # then
    assert figures.tiers[alpha.pk].certifications == 1


def test_health_components_and_score_by_hand(org, tiers, alpha, beta, book):
    # Alpha: trend 300.00 (last 90 days) vs 200.00 (the 90 before) → 50 × 1.5 = 75;
    # win rate 1 won of 2 decided → 50; last activity 10 days ago, inactive after 60 days →
    # 100 − 100 × 10 / 60 = 83.33 → 83; no disputes → 100; upgraded this run → 100.
    # Health = (30×75 + 25×50 + 20×83 + 15×100 + 10×100) / 100 = 76.6 → 77.
    # Beta: 150.00 vs 100.00 → 75; no registrations → 0; 83; 100; unchanged tier → 50.
    # Health = (2250 + 0 + 1660 + 1500 + 500) / 100 = 59.1 → 59.
    # when
    program_recompute(organization=org, today=TODAY)
    # then
    alpha_health = PartnerHealth.objects.get(partner=alpha, is_latest=True)
    beta_health = PartnerHealth.objects.get(partner=beta, is_latest=True)
    assert [(c["key"], c["score"], c["weight"]) for c in alpha_health.components] == [
        ("revenue_trend", 75, 30),
        ("win_rate", 50, 25),
        ("recency", 83, 20),
        ("disputes", 100, 15),
        ("trajectory", 100, 10),
    ]
    assert alpha_health.components[0]["value"] == "300.00 vs 200.00"
    assert alpha_health.components[1]["value"] == "1 of 2 won"
    assert alpha_health.score == 77
    assert [c["score"] for c in beta_health.components] == [75, 0, 83, 100, 50]
    assert beta_health.score == 59


def test_health_keeps_its_history(org, tiers, alpha, book):
    program_recompute(organization=org, today=TODAY)
    # when
    program_recompute(organization=org, today=TODAY)
    # then
    assert PartnerHealth.objects.filter(partner=alpha).count() == 2
    assert PartnerHealth.objects.filter(partner=alpha, is_latest=True).count() == 1


def test_a_dispute_lowers_the_dispute_component(org, tiers, alpha, book, admin):
    # given one dispute of Alpha, opened 5 days ago on its one credited deal →
    # 100 × (1 − min(1, 1/1)) = 0; health 77 − 15 × 100 / 100 = 62. Another, opened 400 days
    # ago, is outside the window.
    for days in (5, 400):
        dispute = PartnerDispute.objects.create(
            organization=org,
            partner=alpha,
            opportunity=book,
            role="referral",
            side="internal",
            opened_by=admin.user,
            claim="Alpha ran the workshop",
            proposed_split_percent=Decimal("15"),
            due_at=dt.datetime.combine(_days_ago(days - 5), dt.time(12), tzinfo=dt.UTC),
        )
        PartnerDispute.objects.filter(pk=dispute.pk).update(
            created_at=dt.datetime.combine(_days_ago(days), dt.time(12), tzinfo=dt.UTC)
        )
    # when
    program_recompute(organization=org, today=TODAY)
    # then
    health = PartnerHealth.objects.get(partner=alpha, is_latest=True)
    assert health.components[3]["score"] == 0
    assert health.score == 62


def test_next_tier_needs_names_the_shortfall(org, tiers, alpha, book):
    program_recompute(organization=org, today=TODAY)
    alpha.refresh_from_db()
    # when
    needs = next_tier_needs(partner=alpha, today=TODAY)
    # then: Gold needs 1,000.00 (has 500.00), 2 wins (has 1), 1 certification (has 0)
    assert needs is not None and needs.next_label == "Gold"
    assert [(c.key, c.short) for c in needs.missing] == [
        ("revenue", Decimal("500.00")),
        ("won", Decimal("1")),
        ("certifications", Decimal("1")),
    ]


# --- downgrades -----------------------------------------------------------------------------------


@pytest.fixture
def gold_alpha(org, tiers, alpha, book):
    Partner.objects.filter(pk=alpha.pk).update(tier=Partner.Tier.GOLD)
    return alpha


def test_a_downgrade_applies_at_once_without_the_approval_setting(org, gold_alpha):
    program_recompute(organization=org, today=TODAY)
    gold_alpha.refresh_from_db()
    assert gold_alpha.tier == Partner.Tier.SILVER
    change = PartnerTierChange.objects.get(partner=gold_alpha)
    assert change.is_downgrade and change.status == TierChangeStatus.APPLIED


def test_a_downgrade_waits_for_approval_then_applies(org, gold_alpha, manager):
    settings = program_settings_get(organization=org)
    settings.tier_downgrade_needs_approval = True
    settings.save()
    # when computed twice
    program_recompute(organization=org, today=TODAY)
    program_recompute(organization=org, today=TODAY)
    # then one pending change, the partner still Gold
    gold_alpha.refresh_from_db()
    assert gold_alpha.tier == Partner.Tier.GOLD
    change = PartnerTierChange.objects.get(partner=gold_alpha)
    assert change.status == TierChangeStatus.PENDING
    # when approved
    tier_change_decide(membership=manager, change_id=change.pk, approve=True)
    # then
    gold_alpha.refresh_from_db()
    change.refresh_from_db()
    assert gold_alpha.tier == Partner.Tier.SILVER
    assert change.status == TierChangeStatus.APPLIED and change.decided_by == manager.user
    assert AuditEvent.objects.filter(action="partner_tier.approve", object_id=str(change.pk)).count() == 1
    # and a second decision is refused, nothing changed
    with pytest.raises(ApplicationError, match=ALREADY_DECIDED):
        tier_change_decide(membership=manager, change_id=change.pk, approve=False, reason="late")
    change.refresh_from_db()
    assert change.status == TierChangeStatus.APPLIED


def test_a_rejected_downgrade_keeps_the_tier_and_needs_a_reason(org, gold_alpha, manager):
    settings = program_settings_get(organization=org)
    settings.tier_downgrade_needs_approval = True
    settings.save()
    program_recompute(organization=org, today=TODAY)
    change = PartnerTierChange.objects.get(partner=gold_alpha)
    # when rejected without a reason: refused, nothing written
    with pytest.raises(ValidationError):
        tier_change_decide(membership=manager, change_id=change.pk, approve=False)
    change.refresh_from_db()
    assert change.status == TierChangeStatus.PENDING
    # when rejected with one
    tier_change_decide(membership=manager, change_id=change.pk, approve=False, reason="Strategic partner")
    change.refresh_from_db()
    gold_alpha.refresh_from_db()
    assert change.status == TierChangeStatus.REJECTED
    assert gold_alpha.tier == Partner.Tier.GOLD


def test_finance_cannot_decide_a_downgrade(org, gold_alpha, finance_admin):
    settings = program_settings_get(organization=org)
    settings.tier_downgrade_needs_approval = True
    settings.save()
    program_recompute(organization=org, today=TODAY)
    change = PartnerTierChange.objects.get(partner=gold_alpha)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tier_change_decide(membership=finance_admin, change_id=change.pk, approve=True)
    change.refresh_from_db()
    assert change.status == TierChangeStatus.PENDING


# --- lifecycle ------------------------------------------------------------------------------------


@pytest.fixture
def checklist(org):
    return [
        OnboardingStep.objects.create(organization=org, name="Contract signed", order=1),
        OnboardingStep.objects.create(organization=org, name="Sales training", order=2),
    ]


def test_the_checklist_moves_a_prospect_to_onboarding_then_active(org, alpha, checklist, manager):
    assert alpha.lifecycle_stage == Partner.Lifecycle.PROSPECT
    # when the first step is done
    onboarding_step_complete(membership=manager, partner_id=alpha.pk, step_id=checklist[0].pk)
    alpha.refresh_from_db()
    assert alpha.lifecycle_stage == Partner.Lifecycle.ONBOARDING
    # when it is ticked again: nothing more
    onboarding_step_complete(membership=manager, partner_id=alpha.pk, step_id=checklist[0].pk)
    assert OnboardingCompletion.objects.filter(partner=alpha).count() == 1
    # when the last step is done
    onboarding_step_complete(membership=manager, partner_id=alpha.pk, step_id=checklist[1].pk)
    alpha.refresh_from_db()
    assert alpha.lifecycle_stage == Partner.Lifecycle.ACTIVE
    moves = list(PartnerLifecycleChange.objects.filter(partner=alpha).order_by("created_at", "id"))
    assert [(m.from_stage, m.to_stage) for m in moves] == [
        ("prospect", "onboarding"),
        ("onboarding", "active"),
    ]
    assert moves[-1].note == "Onboarding checklist complete."


def test_a_manager_moves_the_lifecycle_and_a_wrong_move_is_refused(org, alpha, manager):
    partner_lifecycle_set(membership=manager, partner_id=alpha.pk, stage="onboarding")
    partner_lifecycle_set(membership=manager, partner_id=alpha.pk, stage="active", note="Signed early")
    partner_lifecycle_set(membership=manager, partner_id=alpha.pk, stage="churned")
    # when churned → active (not allowed: churned partners onboard again)
    with pytest.raises(ApplicationError, match="cannot move from churned to active"):
        partner_lifecycle_set(membership=manager, partner_id=alpha.pk, stage="active")
    alpha.refresh_from_db()
    assert alpha.lifecycle_stage == Partner.Lifecycle.CHURNED
    assert list(
        PartnerLifecycleChange.objects.filter(partner=alpha)
        .order_by("created_at", "id")
        .values_list("to_stage", flat=True)
    ) == ["onboarding", "active", "churned"]


def test_a_churned_partner_ticks_no_step(org, alpha, checklist, manager):
    Partner.objects.filter(pk=alpha.pk).update(lifecycle_stage=Partner.Lifecycle.CHURNED)
    with pytest.raises(ApplicationError, match="not onboarding"):
        onboarding_step_complete(membership=manager, partner_id=alpha.pk, step_id=checklist[0].pk)
    assert not OnboardingCompletion.objects.exists()


def test_another_organizations_partner_is_not_found(other_org, checklist, manager):
    stranger = PartnerFactory(organization=other_org, name="Stranger")
    with pytest.raises(Partner.DoesNotExist):
        partner_lifecycle_set(membership=manager, partner_id=stranger.pk, stage="onboarding")
    assert not PartnerLifecycleChange.objects.exists()


# --- alerts ---------------------------------------------------------------------------------------


def test_alerts_are_raised_once_and_mailed_to_managers(org, tiers, alpha, beta, book, manager, line):
    # given Beta was at 95 (it computes 59: a drop of 36 ≥ 15), Alpha is active with its last
    # activity 10 days ago (not inactive), a third active partner has none, one registration is
    # past its SLA and one approved expires within the 14-day notice.
    PartnerHealth.objects.create(organization=org, partner=beta, score=95, components=[])
    idle = PartnerFactory(organization=org, name="Idle", lifecycle_stage=Partner.Lifecycle.ACTIVE)
    Partner.objects.filter(pk=alpha.pk).update(lifecycle_stage=Partner.Lifecycle.ACTIVE)
    late = DealRegistration.objects.create(
        organization=org,
        partner=alpha,
        account_name="Late Co",
        estimated_value=Decimal("1.00"),
        product_line=line,
        expected_close=TODAY,
        role="referral",
        step_due_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    expiring = DealRegistration.objects.get(partner=alpha, status=RegistrationStatus.APPROVED)
    DealRegistration.objects.filter(pk=expiring.pk).update(protected_until=_days_ago(-5))
    mail.outbox.clear()
    # when computed twice
    with TestCase.captureOnCommitCallbacks(execute=True):
        program_recompute(organization=org, today=TODAY)
    with TestCase.captureOnCommitCallbacks(execute=True):
        program_recompute(organization=org, today=TODAY)
    # then each alert exists once
    alerts = {(a.kind, a.partner_id): a for a in PartnerAlert.objects.all()}
    assert set(alerts) == {
        (AlertKind.HEALTH_DROP, beta.pk),
        (AlertKind.INACTIVE, idle.pk),
        (AlertKind.SLA_BREACH, alpha.pk),
        (AlertKind.REGISTRATION_EXPIRING, alpha.pk),
    }
    assert PartnerAlert.objects.count() == 4
    assert alerts[(AlertKind.HEALTH_DROP, beta.pk)].message == "Beta: health dropped 36 points (95 → 59)."
    assert alerts[(AlertKind.SLA_BREACH, alpha.pk)].key == f"sla:{late.pk}:0"
    # and one digest went to the manager, for the first run only
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [manager.user.email]
    assert "4 new alerts" in mail.outbox[0].subject


def test_acknowledging_an_alert_keeps_it_from_coming_back(org, tiers, manager, line):
    idle = PartnerFactory(organization=org, name="Idle", lifecycle_stage=Partner.Lifecycle.ACTIVE)
    program_recompute(organization=org, today=TODAY)
    alert = PartnerAlert.objects.get(partner=idle)
    # when
    alert_acknowledge(membership=manager, alert_id=alert.pk)
    program_recompute(organization=org, today=TODAY)
    # then
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == manager.user
    assert PartnerAlert.objects.filter(partner=idle).count() == 1


def test_another_organizations_alert_is_not_found(other_org, manager):
    stranger = PartnerFactory(organization=other_org, name="Stranger")
    alert = PartnerAlert.objects.create(
        organization=other_org, partner=stranger, kind=AlertKind.INACTIVE, key="x", message="x"
    )
    with pytest.raises(PartnerAlert.DoesNotExist):
        alert_acknowledge(membership=manager, alert_id=alert.pk)
    alert.refresh_from_db()
    assert alert.status == "open"
