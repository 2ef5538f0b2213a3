"""The program page, its actions, the portal's next-tier tile and the program API's scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import (
    AlertKind,
    PartnerAlert,
    PartnerHealth,
    PartnerTierChange,
    ProgramTier,
    TierChangeStatus,
)
from partners.services.standing import program_recompute
from revops.models import JobRun, Partner
from revops.services.tokens import api_token_create
from tests.revops.factories import PartnerFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/partners"


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def computed(org, partner, other_partner):
    """Two tiers, both partners computed (Northwind and Contoso have no revenue: Registered)."""
    ProgramTier.objects.create(organization=org, tier=Partner.Tier.REGISTERED, rank=1)
    ProgramTier.objects.create(
        organization=org, tier=Partner.Tier.SILVER, rank=2, min_attributed_revenue=Decimal("2500.00")
    )
    program_recompute(organization=org)
    return org


def test_the_page_shows_tiers_health_components_and_alerts(computed, manager, partner):
    PartnerAlert.objects.create(
        organization=computed,
        partner=partner,
        kind=AlertKind.INACTIVE,
        key="k",
        message="Northwind is quiet.",
    )
    body = _client(manager).get(reverse("partners:program")).content.decode()
    assert "Attributed revenue trend (30 %)" in body and "Tier trajectory (10 %)" in body
    assert "Northwind is quiet." in body
    assert "Recompute now" in body


def test_finance_reads_the_page_but_may_not_act(computed, finance_admin, partner):
    client = _client(finance_admin)
    body = client.get(reverse("partners:program")).content.decode()
    assert "Recompute now" not in body
    assert client.post(reverse("partners:program-recompute")).status_code == 403
    assert not JobRun.objects.filter(kind="partners.program_recompute").exists()


def test_recompute_now_queues_one_job(computed, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = _client(manager).post(reverse("partners:program-recompute"))
    assert response.status_code == 302
    job = JobRun.objects.get(kind="partners.program_recompute")
    assert job.started_by == manager.user and job.organization == computed


def test_the_job_runs_the_recompute(computed, manager, partner, django_capture_on_commit_callbacks):
    before = PartnerHealth.objects.filter(partner=partner).count()
    with django_capture_on_commit_callbacks(execute=True):
        _client(manager).post(reverse("partners:program-recompute"))
    job = JobRun.objects.get(kind="partners.program_recompute")
    assert job.status == "succeeded", job.error
    assert job.counts["partners"] == 2
    assert PartnerHealth.objects.filter(partner=partner).count() == before + 1


def test_a_manager_applies_a_waiting_downgrade_on_the_page(computed, manager, partner):
    Partner.objects.filter(pk=partner.pk).update(tier=Partner.Tier.SILVER)
    change = PartnerTierChange.objects.create(
        organization=computed,
        partner=partner,
        from_tier="silver",
        to_tier="registered",
        is_downgrade=True,
        status=TierChangeStatus.PENDING,
    )
    response = _client(manager).post(
        reverse("partners:tier-change-decide", args=[change.pk]), {"action": "approve"}
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    change.refresh_from_db()
    assert partner.tier == "registered" and change.status == TierChangeStatus.APPLIED


def test_acknowledge_on_the_page(computed, manager, partner):
    alert = PartnerAlert.objects.create(
        organization=computed, partner=partner, kind=AlertKind.INACTIVE, key="k", message="quiet"
    )
    _client(manager).post(reverse("partners:alert-ack", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.status == "acknowledged"


def test_another_organizations_partner_page_is_404(computed, other_org, manager):
    stranger = PartnerFactory(organization=other_org, name="Stranger")
    client = _client(manager)
    assert client.get(reverse("partners:program-partner", args=[stranger.pk])).status_code == 404
    response = client.post(reverse("partners:program-lifecycle", args=[stranger.pk]), {"stage": "onboarding"})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.lifecycle_stage == Partner.Lifecycle.ACTIVE


def test_partner_users_get_404_on_the_program_page(computed, partner_user):
    assert _client(partner_user).get(reverse("partners:program")).status_code == 404


def test_the_portal_home_says_what_the_next_tier_needs(computed, partner_user):
    body = _client(partner_user).get(reverse("portal:home")).content.decode()
    assert "What you need for <strong>Silver</strong>" in body
    # 2,500.00 needed, nothing credited: 2500.00 short
    assert "<td>Attributed revenue, last 365 days</td>" in body
    assert "<strong>2500.00</strong>" in body


# --- API ------------------------------------------------------------------------------------------


def _token_client(org, membership) -> APIClient:
    _, key = api_token_create(organization=org, user=membership.user, name="t", acting_user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_partner_token_reads_only_its_own_partner(computed, partner, other_partner, partner_user):
    client = _token_client(computed, partner_user)
    listed = client.get(f"{API}/health/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["partner"] for r in rows] == [partner.pk]
    assert rows[0]["components"][0]["key"] == "revenue_trend"
    assert client.get(f"{API}/health/{partner.pk}/").status_code == 200
    assert client.get(f"{API}/health/{other_partner.pk}/").status_code == 404
    assert "Contoso" not in client.get(f"{API}/health/").content.decode()


def test_another_organizations_partner_is_404_through_the_api(computed, other_org, admin):
    stranger = PartnerFactory(organization=other_org, name="Stranger")
    PartnerHealth.objects.create(organization=other_org, partner=stranger, score=50, components=[])
    client = _token_client(computed, admin)
    assert client.get(f"{API}/health/{stranger.pk}/").status_code == 404
    rows = client.get(f"{API}/health/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert stranger.pk not in [r["partner"] for r in rows]


def test_reps_have_no_program_api(computed, rep):
    client = APIClient()
    client.force_authenticate(rep.user)
    assert client.get(f"{API}/tiers/").status_code == 403


def test_the_nightly_entry_queues_one_run_per_organization_and_day(
    computed, other_org, django_capture_on_commit_callbacks
):
    from partners.services.standing import program_recompute_everywhere
    from revops.schedule import SCHEDULE

    entry = next(e for e in SCHEDULE if e.task == "partners.tasks.recompute_program_everywhere_task")
    assert entry.expire_seconds > 0
    # when run twice the same day (Globex has no tiers: nothing for it)
    with django_capture_on_commit_callbacks(execute=False):
        first = program_recompute_everywhere()
        second = program_recompute_everywhere()
    # then
    assert (first, second) == (1, 0)
    assert list(
        JobRun.objects.filter(kind="partners.program_recompute").values_list("organization", flat=True)
    ) == [computed.pk]
