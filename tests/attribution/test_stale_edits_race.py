"""Two PATCHes of one deal link (and of one rule) with the same ETag at the same moment:
exactly one applies, the other is 409 (PostgreSQL: the row locks are real)."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from attribution.models import AttributionRule, AttributionRuleVersion, OpportunityPartner
from attribution.services.rules import rule_create
from revops.models import AuditEvent
from tests.attribution.factories import OpportunityPartnerFactory
from tests.races import race
from tests.revops.factories import OpportunityFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("flushable_db")]

BASE = "/api/v1/attribution"


def _client(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


def _patch(membership, url: str, body: dict, tag: str):
    def send():
        return _client(membership).patch(url, body, format="json", HTTP_IF_MATCH=tag).status_code

    return send


def test_two_patches_of_a_deal_link_with_one_etag_apply_once(org, admin, partner):
    # given
    deal = OpportunityFactory(organization=org, amount=Decimal("5000.00"))
    link = OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, role="referral", split_percent=Decimal("10")
    )
    url = f"{BASE}/opportunity-partners/{link.pk}/"
    tag = _client(admin).get(url)["ETag"]
    audits = AuditEvent.objects.filter(action="opportunity_partner.set").count()
    # when: both send the same ETag at once, one asks 20 %, the other 30 %
    results = race(
        _patch(admin, url, {"split_percent": "20", "reason": "A"}, tag),
        _patch(admin, url, {"split_percent": "30", "reason": "B"}, tag),
    )
    # then: one 200, one 409; the link holds the winner's split, one audit row was written
    assert sorted(results) == [200, 409]
    winner = ("20.00", "30.00")[results.index(200)]
    assert str(OpportunityPartner.objects.get(pk=link.pk).split_percent) == winner
    assert AuditEvent.objects.filter(action="opportunity_partner.set").count() == audits + 1


def test_two_patches_of_a_rule_with_one_etag_write_one_version(org, admin):
    # given
    rule = rule_create(
        organization=org,
        actor=admin.user,
        name="Referral 10",
        definition={"conditions": {"roles": ["referral"]}, "action": {"kind": "set_split", "percent": "10"}},
    ).rule
    url = f"{BASE}/rules/{rule.pk}/"
    tag = _client(admin).get(url)["ETag"]
    # when
    results = race(
        _patch(admin, url, {"priority": 20, "reason": "A"}, tag),
        _patch(admin, url, {"priority": 30, "reason": "B"}, tag),
    )
    # then: one new version, with the winner's priority
    assert sorted(results) == [200, 409]
    assert AttributionRuleVersion.objects.filter(rule=rule).count() == 2
    assert AttributionRule.objects.get(pk=rule.pk).priority == (20, 30)[results.index(200)]
