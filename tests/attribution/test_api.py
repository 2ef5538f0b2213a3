"""Attribution API: partner links on deals and accounts, explanations, settings."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from attribution.models import AccountPartner, AttributionEntry, AttributionSettings, OpportunityPartner
from attribution.services.links import ACCOUNT_SPLITS_OVER_100, SPLIT_REASON_REQUIRED
from attribution.services.rules import rule_create
from revops.models import AuditEvent
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/attribution"


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


def test_opportunity_partner_create_posts_the_split_and_audits_it(
    admin, org, partner, django_capture_on_commit_callbacks
):
    # given
    deal = OpportunityFactory(organization=org, amount=Decimal("5000.00"))
    RevenueEventFactory(organization=org, opportunity=deal, amount=Decimal("1000.00"))
    # when: the ledger alignment the change queues runs on commit
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(admin).post(
            f"{BASE}/opportunity-partners/",
            {
                "opportunity": deal.pk,
                "partner": partner.pk,
                "role": "referral",
                "split_percent": "15",
                "reason": "Sourced",
            },
            format="json",
        )
    # then
    assert response.status_code == 201
    link = OpportunityPartner.objects.get()
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("created_at", "updated_at")} == {
        "id": link.pk,
        "opportunity": deal.pk,
        "partner": partner.pk,
        "partner_name": "Northwind Partners",
        "role": "referral",
        "split_percent": "15.00",
        "source": "manual",
        "status": "active",
    }
    audit = AuditEvent.objects.get(action="opportunity_partner.set")
    assert (audit.reason, audit.object_id) == ("Sourced", str(link.pk))
    entry = AttributionEntry.objects.get()
    assert (entry.partner_id, entry.kind, entry.amount) == (partner.pk, "original", Decimal("150.00"))


def test_opportunity_partner_update_changes_split_and_adjusts_the_ledger(
    admin, org, partner, django_capture_on_commit_callbacks
):
    # given
    deal = OpportunityFactory(organization=org)
    RevenueEventFactory(organization=org, opportunity=deal, amount=Decimal("1000.00"))
    client = api_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        link_id = client.post(
            f"{BASE}/opportunity-partners/",
            {
                "opportunity": deal.pk,
                "partner": partner.pk,
                "role": "referral",
                "split_percent": "10",
                "reason": "Sourced",
            },
            format="json",
        ).json()["id"]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"{BASE}/opportunity-partners/{link_id}/",
            {"split_percent": "25", "reason": "Renegotiated"},
            format="json",
        )
    # then
    assert response.status_code == 200
    assert (response.json()["split_percent"], response.json()["role"]) == ("25.00", "referral")
    assert OpportunityPartner.objects.get().split_percent == Decimal("25.00")
    kinds = list(AttributionEntry.objects.order_by("sequence").values_list("kind", "amount"))
    assert kinds == [("original", Decimal("100.00")), ("adjustment", Decimal("150.00"))]
    assert AuditEvent.objects.filter(action="opportunity_partner.set", reason="Renegotiated").count() == 1


def test_opportunity_partner_update_without_reason_changes_nothing(admin, org):
    # given
    link = OpportunityPartnerFactory(organization=org, split_percent=Decimal("10.00"))
    audits = AuditEvent.objects.count()
    # when
    response = api_for(admin).patch(
        f"{BASE}/opportunity-partners/{link.pk}/", {"split_percent": "30", "reason": "  "}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"reason": [SPLIT_REASON_REQUIRED]}
    link.refresh_from_db()
    assert link.split_percent == Decimal("10.00")
    assert AuditEvent.objects.count() == audits


def test_opportunity_partner_list_and_delete(
    manager, rep_opportunity, org, partner, django_capture_on_commit_callbacks
):
    # given
    link = OpportunityPartnerFactory(organization=org, opportunity=rep_opportunity, partner=partner)
    RevenueEventFactory(organization=org, opportunity=rep_opportunity, amount=Decimal("200.00"))
    client = api_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"{BASE}/opportunity-partners/{link.pk}/", {"reason": "post it"}, format="json")
    # when
    listed = client.get(f"{BASE}/opportunity-partners/", {"opportunity": rep_opportunity.pk})
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.delete(f"{BASE}/opportunity-partners/{link.pk}/?reason=Not+involved")
    # then
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [link.pk]
    assert removed.status_code == 204
    assert not OpportunityPartner.objects.exists()
    assert AuditEvent.objects.get(action="opportunity_partner.remove").reason == "Not involved"
    amounts = list(AttributionEntry.objects.order_by("sequence").values_list("kind", "amount"))
    assert amounts == [("original", Decimal("20.00")), ("reversal", Decimal("-20.00"))]


def test_opportunity_partner_delete_without_reason_keeps_the_link(admin, org):
    # given
    link = OpportunityPartnerFactory(organization=org)
    # when
    response = api_for(admin).delete(f"{BASE}/opportunity-partners/{link.pk}/")
    # then
    assert response.status_code == 400
    assert response.json() == {"reason": [SPLIT_REASON_REQUIRED]}
    assert OpportunityPartner.objects.filter(pk=link.pk).exists()
    assert not AuditEvent.objects.filter(action="opportunity_partner.remove").exists()


def test_account_partner_crud(admin, org, partner):
    # given
    account = AccountFactory(organization=org)
    client = api_for(admin)
    # when
    created = client.post(
        f"{BASE}/account-partners/",
        {"account": account.pk, "partner": partner.pk, "role": "si", "split_percent": "40"},
        format="json",
    )
    link_id = created.json()["id"]
    updated = client.put(
        f"{BASE}/account-partners/{link_id}/",
        {"split_percent": "45.5", "reason": "New contract"},
        format="json",
    )
    fetched = client.get(f"{BASE}/account-partners/{link_id}/")
    deleted = client.delete(f"{BASE}/account-partners/{link_id}/?reason=Ended")
    # then
    assert created.status_code == 201
    assert updated.status_code == 200
    assert fetched.json()["split_percent"] == "45.50"
    assert (fetched.json()["account"], fetched.json()["role"]) == (account.pk, "si")
    assert deleted.status_code == 204
    assert not AccountPartner.objects.exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["account_partner.set", "account_partner.set", "account_partner.remove"]


def test_account_partner_over_100_percent_is_refused_and_nothing_written(admin, org, partner):
    # given
    account = AccountFactory(organization=org)
    AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("70.00"))
    audits = AuditEvent.objects.count()
    # when
    response = api_for(admin).post(
        f"{BASE}/account-partners/",
        {"account": account.pk, "partner": partner.pk, "role": "si", "split_percent": "30.01"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"split_percent": [ACCOUNT_SPLITS_OVER_100.format(total=Decimal("100.01"))]}
    assert AccountPartner.objects.count() == 1
    assert AuditEvent.objects.count() == audits


def test_account_partner_split_above_100_is_a_field_error(admin, org, partner):
    # given
    account = AccountFactory(organization=org)
    # when
    response = api_for(admin).post(
        f"{BASE}/account-partners/",
        {"account": account.pk, "partner": partner.pk, "role": "si", "split_percent": "120"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"split_percent": ["Ensure this value is less than or equal to 100."]}
    assert not AccountPartner.objects.exists()
    assert AuditEvent.objects.count() == 0


def test_explanations_name_the_deciding_rule(admin, org):
    # given
    rule, _, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 12",
        definition={"action": {"kind": "set_split", "percent": "12"}, "conditions": {"roles": ["referral"]}},
    )
    deal = OpportunityFactory(organization=org)
    referrer = PartnerFactory(organization=org, name="Refer Co")
    OpportunityPartnerFactory(organization=org, opportunity=deal, partner=referrer, split_percent=None)
    # when
    response = api_for(admin).get(f"{BASE}/opportunities/{deal.pk}/explanations/")
    # then
    assert response.status_code == 200
    [item] = response.json()
    assert item["partner"] == referrer.pk
    assert (item["percent"], item["allowed"], item["source"]) == ("12.00", True, "rule")
    assert item["rule"] == {"id": rule.pk, "version": 1, "name": "Referral 12"}
    assert item["text"] == "Referral partner Refer Co gets 12.00 % because rule 'Referral 12' (v1) matched."


def test_explanations_of_a_deal_outside_scope_are_404(rep, other_rep_opportunity, other_org_opportunity):
    # when
    client = api_for(rep)
    same_org = client.get(f"{BASE}/opportunities/{other_rep_opportunity.pk}/explanations/")
    other_org = client.get(f"{BASE}/opportunities/{other_org_opportunity.pk}/explanations/")
    # then
    assert (same_org.status_code, other_org.status_code) == (404, 404)


def test_settings_get_and_put(admin, org):
    # given
    client = api_for(admin)
    # when
    before = client.get(f"{BASE}/settings/")
    saved = client.put(
        f"{BASE}/settings/",
        {
            "enforce_account_cap": False,
            "si_mode": "fixed_percent",
            "si_fixed_percent": "7.5",
            "default_splits": {"referral": "10"},
        },
        format="json",
    )
    # then
    assert before.json()["default_splits"] == {
        "si": "0.00",
        "influence": "0.00",
        "referral": "0.00",
        "isv": "0.00",
    }
    assert saved.status_code == 200
    settings = AttributionSettings.objects.get(organization=org)
    assert (settings.enforce_account_cap, settings.si_mode, settings.si_fixed_percent) == (
        False,
        "fixed_percent",
        Decimal("7.50"),
    )
    assert settings.defaults.referral == Decimal("10")
    assert saved.json()["default_splits"]["referral"] == "10.00"
    assert AuditEvent.objects.filter(action="attributionsettings.update").count() == 1


def test_settings_are_for_admins_only(manager, finance_admin, org):
    # when
    read = api_for(manager).get(f"{BASE}/settings/")
    write = api_for(finance_admin).put(f"{BASE}/settings/", {"si_mode": "manual_only"}, format="json")
    # then
    assert (read.status_code, write.status_code) == (403, 403)
    assert not AttributionSettings.objects.filter(si_mode="manual_only").exists()
    assert AuditEvent.objects.count() == 0
