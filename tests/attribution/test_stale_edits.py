"""Optimistic concurrency on partner attribution's edits: a stale write is refused, not an overwrite.

API: deal links, account shares and rules answer `ETag`; PUT, PATCH (and DELETE for links) with
a stale `If-Match` are 409 and change nothing (rows, rule versions, audit trail, ledger, queued
jobs); 428 without If-Match when the server requires it. Pages: the rule builder and the deal's
split form carry the versions they were opened on; a save after someone else's is 409 with a
"changed by someone else" error, nothing written, and a second save goes through.
"""

import re
from decimal import Decimal

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from attribution.models import (
    AccountPartner,
    AttributionEntry,
    AttributionRule,
    AttributionRuleVersion,
    OpportunityPartner,
)
from attribution.services.links import account_partner_set, opportunity_partner_set
from attribution.services.rules import rule_create, rule_update
from revops.models import AuditEvent, JobRun
from revops.versions import record_version
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/attribution"
STALE = "was changed by someone else after you opened it; nothing was saved."
REFERRAL_10 = {
    "name": "Referral 10",
    "conditions": {"roles": ["referral"]},
    "action": {"kind": "set_split", "percent": "10"},
}


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


def _name(user) -> str:
    return user.get_full_name() or user.email


def _state():
    """Everything a refused write must leave alone."""
    return (
        list(OpportunityPartner.objects.order_by("pk").values()),
        list(AccountPartner.objects.order_by("pk").values()),
        list(AttributionRule.objects.order_by("pk").values()),
        AttributionRuleVersion.objects.count(),
        AuditEvent.objects.count(),
        AttributionEntry.objects.count(),
        list(JobRun.objects.order_by("pk").values_list("pk", "status")),
    )


@pytest.fixture
def deal_link(org, partner):
    deal = OpportunityFactory(organization=org, amount=Decimal("5000.00"))
    RevenueEventFactory(organization=org, opportunity=deal, amount=Decimal("1000.00"))
    return OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, role="referral", split_percent=Decimal("10")
    )


def _move_deal_link(link, membership, split: str) -> None:
    opportunity_partner_set(
        membership=membership,
        opportunity=link.opportunity,
        partner=link.partner,
        role=link.role,
        split_percent=Decimal(split),
        reason="Someone else",
    )


def test_deal_link_stale_patch_is_409_and_changes_nothing(
    admin, deal_link, django_capture_on_commit_callbacks
):
    # given: the client reads the link and its ETag; then someone changes the split
    client = api_for(admin)
    url = f"{BASE}/opportunity-partners/{deal_link.pk}/"
    tag = client.get(url)["ETag"]
    assert tag == f'"{record_version(deal_link)}"'
    _move_deal_link(deal_link, admin, "20")
    before = _state()
    # when the client patches with the ETag it read
    with django_capture_on_commit_callbacks(execute=True) as queued:
        stale = client.patch(url, {"split_percent": "30", "reason": "Mine"}, format="json", HTTP_IF_MATCH=tag)
    # then 409 with the current link, nothing written, nothing queued
    deal_link.refresh_from_db()
    body = stale.json()
    assert stale.status_code == 409
    assert body["detail"] == f"Opportunity partner {STALE}"
    assert body["current_version"] == record_version(deal_link)
    assert stale["ETag"] == f'"{body["current_version"]}"'
    assert (body["current"]["split_percent"], body["last_saved_by"]) == ("20.00", _name(admin.user))
    assert _state() == before
    assert queued == []
    # and with the current ETag the change goes through and answers the new ETag
    fresh = client.patch(
        url, {"split_percent": "30", "reason": "Mine"}, format="json", HTTP_IF_MATCH=stale["ETag"]
    )
    deal_link.refresh_from_db()
    assert (fresh.status_code, deal_link.split_percent) == (200, Decimal("30.00"))
    assert fresh["ETag"] == f'"{record_version(deal_link)}"'


def test_deal_link_stale_delete_is_409_and_the_link_stays(admin, deal_link):
    # given
    client = api_for(admin)
    url = f"{BASE}/opportunity-partners/{deal_link.pk}/"
    tag = client.get(url)["ETag"]
    _move_deal_link(deal_link, admin, "25")
    before = _state()
    # when
    stale = client.delete(f"{url}?reason=Gone", HTTP_IF_MATCH=tag)
    # then
    assert stale.status_code == 409
    assert _state() == before
    # and with the current version the link is removed
    current = client.get(url)["ETag"]
    assert client.delete(f"{url}?reason=Gone", HTTP_IF_MATCH=current).status_code == 204
    assert not OpportunityPartner.objects.filter(pk=deal_link.pk).exists()


def test_account_share_stale_put_is_409_and_changes_nothing(admin, org, partner):
    # given
    account = AccountFactory(organization=org)
    share = AccountPartnerFactory(
        organization=org, account=account, partner=partner, role="influence", split_percent=Decimal("10")
    )
    client = api_for(admin)
    url = f"{BASE}/account-partners/{share.pk}/"
    read = client.get(url)
    tag = read["ETag"]
    account_partner_set(
        membership=admin, account=account, partner=partner, role="influence", split_percent=Decimal("15")
    )
    before = _state()
    # when
    stale = client.put(
        url, {"split_percent": "40", "status": "active", "source": "manual"}, format="json", HTTP_IF_MATCH=tag
    )
    # then
    assert stale.status_code == 409
    assert stale.json()["current"]["split_percent"] == "15.00"
    assert _state() == before
    # and W/ tags and * are understood
    fresh = client.patch(url, {"split_percent": "40"}, format="json", HTTP_IF_MATCH=f"W/{stale['ETag']}")
    anyway = client.patch(url, {"split_percent": "45"}, format="json", HTTP_IF_MATCH="*")
    assert (fresh.status_code, anyway.status_code) == (200, 200)
    assert AccountPartner.objects.get(pk=share.pk).split_percent == Decimal("45.00")


def test_rule_stale_patch_is_409_and_writes_no_version_or_job(admin, org):
    # given: the client reads rule version 1; someone saves version 2
    saved = rule_create(organization=org, actor=admin.user, name="Referral 10", definition=REFERRAL_10)
    client = api_for(admin)
    url = f"{BASE}/rules/{saved.rule.pk}/"
    tag = client.get(url)["ETag"]
    assert tag == f'"{record_version(saved.rule)}"'
    rule_update(organization=org, actor=admin.user, rule=saved.rule, reason="Tighter", priority=5)
    before = _state()
    # when
    stale = client.patch(url, {"priority": 7, "reason": "Mine"}, format="json", HTTP_IF_MATCH=tag)
    # then
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2
    assert _state() == before
    # and with the current ETag the change is version 3
    fresh = client.patch(url, {"priority": 7, "reason": "Mine"}, format="json", HTTP_IF_MATCH=stale["ETag"])
    assert (fresh.status_code, fresh.json()["version"]) == (200, 3)
    assert fresh["ETag"] == f'"{record_version(AttributionRule.objects.get(pk=saved.rule.pk))}"'


def test_without_if_match_writes_go_through_unless_required_then_428(admin, org, deal_link):
    # given
    client = api_for(admin)
    rule = rule_create(organization=org, actor=admin.user, name="Referral 10", definition=REFERRAL_10).rule
    link_url = f"{BASE}/opportunity-partners/{deal_link.pk}/"
    rule_url = f"{BASE}/rules/{rule.pk}/"
    # when / then: no header overwrites (the default)
    assert client.patch(link_url, {"split_percent": "12", "reason": "R"}, format="json").status_code == 200
    # and when the server requires If-Match, every write without it is 428 and changes nothing
    before = _state()
    with override_settings(API_REQUIRE_IF_MATCH=True):
        answers = [
            client.patch(link_url, {"split_percent": "13", "reason": "R"}, format="json").status_code,
            client.delete(f"{link_url}?reason=R").status_code,
            client.patch(rule_url, {"priority": 3, "reason": "R"}, format="json").status_code,
            client.put(rule_url, {**REFERRAL_10, "reason": "R"}, format="json").status_code,
        ]
        two_tags = client.patch(
            link_url, {"split_percent": "13", "reason": "R"}, format="json", HTTP_IF_MATCH='"a", "b"'
        )
    assert answers == [428, 428, 428, 428]
    assert two_tags.status_code == 400
    assert _state() == before


def test_the_schema_documents_if_match_etag_409_and_428_on_attribution_writes(admin):
    # when
    schema = api_for(admin).get("/api/schema/?format=json").json()
    # then
    for path, methods in (
        ("/api/v1/attribution/opportunity-partners/{id}/", ("put", "patch", "delete")),
        ("/api/v1/attribution/account-partners/{id}/", ("put", "patch", "delete")),
        ("/api/v1/attribution/rules/{id}/", ("put", "patch")),
    ):
        route = schema["paths"][path]
        for method in methods:
            headers = {p["name"] for p in route[method]["parameters"] if p["in"] == "header"}
            assert "If-Match" in headers, (path, method)
            assert {"409", "428"} <= set(route[method]["responses"]), (path, method)
        assert "ETag" in route["get"]["responses"]["200"]["headers"], path


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_a_stale_rule_edit_on_the_page_is_409_and_a_second_save_goes_through(client_for, admin, org):
    # given: the admin opens the rule builder; then the rule is saved by someone else
    saved = rule_create(organization=org, actor=admin.user, name="Referral 10", definition=REFERRAL_10)
    url = f"/attribution/rules/{saved.rule.pk}/"
    page = client_for(admin).get(url).content.decode()
    opened = _hidden(page, "version")
    assert opened == record_version(saved.rule)
    rule_update(organization=org, actor=admin.user, rule=saved.rule, reason="Tighter", priority=5)
    before = _state()
    form = {
        "name": "Referral 10",
        "scope": "opportunity",
        "priority": "9",
        "is_active": "on",
        "roles": ["referral"],
        "action": "set_split",
        "percent": "12",
        "reason": "Mine",
        "intent": "save",
    }
    # when
    response = client_for(admin).post(url, {**form, "version": opened})
    # then
    html = response.content.decode()
    assert response.status_code == 409
    assert f"Attribution rule {STALE}" in html
    assert f"Last saved by {_name(admin.user)}" in html
    assert _state() == before
    # and the form now carries the current version: saving again writes version 3
    again = client_for(admin).post(url, {**form, "version": _hidden(html, "version")})
    assert again.status_code == 302
    assert AttributionRule.objects.get(pk=saved.rule.pk).current_version.number == 3


def test_a_stale_split_change_on_the_deal_page_is_409_and_changes_nothing(client_for, admin, deal_link):
    # given: the admin opens the deal; then someone changes the partner's split
    deal = deal_link.opportunity
    url = f"/attribution/deals/{deal.pk}/"
    shown = _hidden(client_for(admin).get(url).content.decode(), "link_versions")
    assert shown == f"links:{deal_link.partner_id}:referral={record_version(deal_link)}"
    _move_deal_link(deal_link, admin, "20")
    before = _state()
    form = {"partner": deal_link.partner_id, "role": "referral", "split_percent": "35", "reason": "Mine"}
    # when
    response = client_for(admin).post(f"{url}split/", {**form, "link_versions": shown})
    # then
    html = response.content.decode()
    assert response.status_code == 409
    assert f"Opportunity partner {STALE}" in html
    assert _state() == before
    # and the page now carries the current versions: saving again goes through
    again = client_for(admin).post(f"{url}split/", {**form, "link_versions": _hidden(html, "link_versions")})
    assert again.status_code == 302
    assert OpportunityPartner.objects.get(pk=deal_link.pk).split_percent == Decimal("35.00")


def test_a_split_form_that_showed_no_link_refuses_one_added_meanwhile(client_for, admin, org, partner):
    # given: the deal page shows no partner; then someone adds one
    deal = OpportunityFactory(organization=org, amount=Decimal("5000.00"))
    url = f"/attribution/deals/{deal.pk}/"
    shown = _hidden(client_for(admin).get(url).content.decode(), "link_versions")
    assert shown == "links:"
    opportunity_partner_set(
        membership=admin,
        opportunity=deal,
        partner=partner,
        role="referral",
        split_percent=Decimal("20"),
        reason="R",
    )
    before = _state()
    # when the admin saves a split for that partner and role from the page shown before
    form = {"partner": partner.pk, "role": "referral", "split_percent": "30", "reason": "Mine"}
    response = client_for(admin).post(f"{url}split/", {**form, "link_versions": shown})
    # then 409 and nothing changed
    assert response.status_code == 409
    assert f"Opportunity partner {STALE}" in response.content.decode()
    assert _state() == before
