"""seed_demo's partner program: a two-step policy, registrations in every state, and a
portal with something on every page for the demo partner logins."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from attribution.models import AttributionEntry
from partners.models import (
    ApprovalPolicy,
    DealRegistration,
    OnboardingStep,
    PartnerAlert,
    PartnerDispute,
    PartnerHealth,
    PartnerManagerGrant,
    PartnerTierChange,
    PartnerTouchpoint,
    ProgramTier,
    SplitChangeRequest,
)
from revops.models import Membership, Organization, Partner, Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)


@pytest.fixture
def seeded():
    call_command("seed_demo", "--seed", "42", "--scale", "0.05", "--today", TODAY.isoformat(), "--quiet")


def test_registrations_in_every_state(seeded):
    for org in Organization.objects.all():
        statuses = set(DealRegistration.objects.filter(organization=org).values_list("status", flat=True))
        assert statuses == {"submitted", "approved", "rejected", "expired", "withdrawn"}
        assert DealRegistration.objects.filter(organization=org, has_conflict=True).exists()
        assert DealRegistration.objects.filter(organization=org, escalated=True).exists()
        policy = ApprovalPolicy.objects.get(organization=org)
        assert [s.name for s in policy.steps.all()] == ["Channel manager", "Sales director"]
        assert PartnerManagerGrant.objects.filter(organization=org).count() == 1
        big = DealRegistration.objects.filter(organization=org, estimated_value__gte=100000).first()
        assert [s["name"] for s in big.steps] == ["Channel manager", "Sales director"]


def test_demo_partners_land_on_a_portal_with_something_on_every_page(seeded):
    for member in Membership.objects.filter(role=Role.PARTNER).select_related("user", "partner"):
        client = Client()
        client.force_login(member.user)
        landing = client.get("/", follow=True)
        assert landing.redirect_chain[-1][0] == "/portal/"
        deals = client.get(reverse("portal:deals")).content.decode()
        registrations = client.get(reverse("portal:registrations")).content.decode()
        assert "You are not linked to any deal yet." not in deals
        assert registrations.count("possible conflict") >= 1
        assert '<span class="badge">Approved: ' in landing.content.decode()
        # The statement holds lines wherever the (small) demo credited the partner with revenue.
        credited = AttributionEntry.objects.filter(partner=member.partner).exists()
        statement = client.get(reverse("portal:statement")).content.decode()
        assert ("No ledger lines yet." not in statement) == credited


def test_second_seed_adds_no_registrations(seeded):
    before = DealRegistration.objects.count()
    call_command("seed_demo", "--seed", "42", "--scale", "0.05", "--today", TODAY.isoformat(), "--quiet")
    assert DealRegistration.objects.count() == before


def test_disputes_open_accepted_with_its_adjustment_and_rejected(seeded):
    for org in Organization.objects.all():
        disputes = {d.status: d for d in PartnerDispute.objects.filter(organization=org)}
        assert set(disputes) == {"under_review", "accepted", "rejected"}
        pending = disputes["under_review"]
        assert list(pending.comments.values_list("internal", flat=True).order_by("id")) == [
            True,
            False,
            False,
        ]
        accepted = disputes["accepted"]
        cited = [
            e
            for e in AttributionEntry.objects.filter(organization=org).select_related("explanation_ref")
            if (e.explanation.get("reference") or {}).get("id") == accepted.pk
        ]
        assert len(cited) == accepted.adjustment_entries >= 1
        assert sum(e.amount for e in cited) == accepted.adjustment_amount
        assert disputes["rejected"].resolution_reason != ""
        # The partner sees the thread, never the internal note.
        client = Client()
        client.force_login(pending.opened_by)
        page = client.get(reverse("portal:dispute", args=[pending.pk])).content.decode()
        assert "Could you send the workshop agenda" in page
        assert "Checking the activity history" not in page


def test_program_standing_with_tiers_history_checklist_and_alerts(seeded):
    for org in Organization.objects.all():
        assert list(ProgramTier.objects.filter(organization=org).values_list("tier", flat=True)) == [
            "registered",
            "silver",
            "gold",
        ]
        assert OnboardingStep.objects.filter(organization=org).count() == 3
        assert PartnerTierChange.objects.filter(organization=org).exists()
        assert PartnerAlert.objects.filter(organization=org).exists()
        partners = set(
            Membership.objects.filter(organization=org, role=Role.PARTNER).values_list(
                "partner_id", flat=True
            )
        )
        # two computations: every partner with a login has two health snapshots, one the latest
        assert all(PartnerHealth.objects.filter(partner_id=pk).count() == 2 for pk in partners)
        assert PartnerHealth.objects.filter(partner_id__in=partners, is_latest=True).count() == len(partners)
        # partners with a login finished the checklist
        assert set(Partner.objects.filter(pk__in=partners).values_list("lifecycle_stage", flat=True)) == {
            "active"
        }
    manager = Membership.objects.filter(role=Role.MANAGER).select_related("user").first()
    client = Client()
    client.force_login(manager.user)
    page = client.get(reverse("partners:program"))
    assert page.status_code == 200
    assert "Not computed yet." not in page.content.decode()


def test_demo_analytics_page_has_figures_in_every_section(seeded):
    from partners.selectors.analytics import AnalyticsFilter, partner_analytics
    from revops.selectors.periods import DateRange

    for org in Organization.objects.all():
        admin = Membership.objects.filter(organization=org, role=Role.ADMIN).select_related("user").first()
        data = partner_analytics(membership=admin, filters=AnalyticsFilter(dates=DateRange(None, None)))
        assert data.revenue.total > 0
        assert data.pipeline.total > 0
        assert data.funnel.overall.submitted > 0
        assert data.leaders.rows
        assert data.comparison.pairs > 0, org.name
        client = Client()
        client.force_login(admin.user)
        page = client.get(reverse("partners:analytics"), {"period": "all"}).content.decode()
        assert "No pairs" not in page
        assert "No partner is credited in this period." not in page


def test_touchpoints_in_each_state_and_one_split_change_waiting(seeded):
    for org in Organization.objects.all():
        statuses = set(PartnerTouchpoint.objects.filter(organization=org).values_list("status", flat=True))
        assert statuses == {"submitted", "approved", "rejected"}
        credited = PartnerTouchpoint.objects.filter(organization=org, status="approved")
        assert all(t.decided_at is not None for t in credited)
        assert SplitChangeRequest.objects.filter(organization=org, status="submitted").count() == 1
