"""Attribution API access: who may read and write, and other organizations' rows stay invisible."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from attribution.models import AccountPartner, AttributionRule, OpportunityPartner, RevenueEvent
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create
from revops.models import AuditEvent
from revops.services.tokens import api_token_create
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/attribution"
READ_ROUTES = [
    "opportunity-partners/",
    "account-partners/",
    "rules/",
    "rules/export/",
    "revenue-events/",
    "ledger/",
    "ledger/totals/",
]


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


@pytest.fixture
def book(org, admin, rep_opportunity, partner):
    """One of everything in `org`: links, a rule, a revenue event and its ledger entry."""
    link = OpportunityPartnerFactory(organization=org, opportunity=rep_opportunity, partner=partner)
    share = AccountPartnerFactory(organization=org, account=rep_opportunity.account, partner=partner)
    rule, _, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Allow all",
        definition={"action": {"kind": "allow"}},
    )
    event = RevenueEventFactory(organization=org, opportunity=rep_opportunity)
    attribution_recompute(organization=org)
    return {"link": link, "share": share, "rule": rule, "event": event}


@pytest.fixture
def other_book(other_org, other_org_admin):
    deal = OpportunityFactory(organization=other_org)
    partner = PartnerFactory(organization=other_org)
    link = OpportunityPartnerFactory(organization=other_org, opportunity=deal, partner=partner)
    share = AccountPartnerFactory(organization=other_org, account=deal.account, partner=partner)
    rule, _, _ = rule_create(
        organization=other_org_admin.organization,
        actor=other_org_admin.user,
        name="Theirs",
        definition={"action": {"kind": "allow"}},
    )
    event = RevenueEventFactory(organization=other_org, opportunity=deal)
    attribution_recompute(organization=other_org)
    return {"deal": deal, "partner": partner, "link": link, "share": share, "rule": rule, "event": event}


@pytest.mark.parametrize("role", ["partner_user", "other_partner_user"])
def test_partner_users_get_404_on_every_route(request, role, book):
    # given
    client = api_for(request.getfixturevalue(role))
    audits = AuditEvent.objects.count()
    detail_routes = [
        f"opportunity-partners/{book['link'].pk}/",
        f"rules/{book['rule'].pk}/",
        f"revenue-events/{book['event'].pk}/",
        f"opportunities/{book['link'].opportunity_id}/explanations/",
        "settings/",
    ]
    # when
    reads = {path: client.get(f"{BASE}/{path}").status_code for path in READ_ROUTES + detail_routes}
    write = client.patch(
        f"{BASE}/opportunity-partners/{book['link'].pk}/",
        {"split_percent": "90", "reason": "x"},
        format="json",
    )
    # then
    assert set(reads.values()) == {404}  # as if the routes did not exist
    assert write.status_code == 404
    book["link"].refresh_from_db()
    assert book["link"].split_percent == Decimal("10.00")
    assert AuditEvent.objects.count() == audits


def test_rep_reads_but_gets_403_on_every_write(rep, book, partner):
    # given
    client = api_for(rep)
    audits = AuditEvent.objects.count()
    deal = book["link"].opportunity
    # when
    reads = [client.get(f"{BASE}/{path}").status_code for path in READ_ROUTES]
    writes = [
        client.post(
            f"{BASE}/opportunity-partners/",
            {
                "opportunity": deal.pk,
                "partner": partner.pk,
                "role": "si",
                "split_percent": "5",
                "reason": "x",
            },
            format="json",
        ),
        client.patch(
            f"{BASE}/opportunity-partners/{book['link'].pk}/",
            {"split_percent": "50", "reason": "x"},
            format="json",
        ),
        client.delete(f"{BASE}/opportunity-partners/{book['link'].pk}/?reason=x"),
        client.patch(f"{BASE}/account-partners/{book['share'].pk}/", {"split_percent": "50"}, format="json"),
        client.patch(f"{BASE}/rules/{book['rule'].pk}/", {"priority": 1, "reason": "x"}, format="json"),
        client.post(
            f"{BASE}/revenue-events/",
            [{"external_id": "r", "date": "2026-03-01", "amount": "1", "opportunity": deal.pk}],
            format="json",
        ),
        client.put(f"{BASE}/settings/", {"si_mode": "manual_only"}, format="json"),
    ]
    # then
    assert reads == [200] * len(READ_ROUTES)
    assert [w.status_code for w in writes] == [403] * len(writes)
    assert AuditEvent.objects.count() == audits
    assert OpportunityPartner.objects.get().split_percent == Decimal("10.00")
    assert AccountPartner.objects.get().split_percent == Decimal("10.00")
    assert RevenueEvent.objects.count() == 1


def test_other_organizations_rows_are_404_and_never_listed(admin, book, other_book):
    # given
    client = api_for(admin)
    details = [
        f"opportunity-partners/{other_book['link'].pk}/",
        f"account-partners/{other_book['share'].pk}/",
        f"rules/{other_book['rule'].pk}/",
        f"rules/{other_book['rule'].pk}/versions/",
        f"revenue-events/{other_book['event'].pk}/",
        f"ledger/{other_book['event'].entries.get().pk}/",
        f"opportunities/{other_book['deal'].pk}/explanations/",
    ]
    # when
    statuses = [client.get(f"{BASE}/{path}").status_code for path in details]
    listed = {
        path: [row["id"] for row in client.get(f"{BASE}/{path}").json()["results"]]
        for path in ("opportunity-partners/", "account-partners/", "rules/", "revenue-events/", "ledger/")
    }
    totals = client.get(f"{BASE}/ledger/totals/").json()
    # then
    assert statuses == [404] * len(details)
    assert listed == {
        "opportunity-partners/": [book["link"].pk],
        "account-partners/": [book["share"].pk],
        "rules/": [book["rule"].pk],
        "revenue-events/": [book["event"].pk],
        "ledger/": [book["event"].entries.get().pk],
    }
    assert (totals["entries"], totals["total"]) == (1, "100.00")


def test_writes_naming_another_organizations_rows_are_refused(admin, other_book, org):
    # given
    client = api_for(admin)
    account = AccountFactory(organization=org)
    audits = AuditEvent.objects.count()
    # when
    link = client.post(
        f"{BASE}/opportunity-partners/",
        {
            "opportunity": other_book["deal"].pk,
            "partner": other_book["partner"].pk,
            "role": "si",
            "split_percent": "5",
            "reason": "x",
        },
        format="json",
    )
    share = client.post(
        f"{BASE}/account-partners/",
        {"account": account.pk, "partner": other_book["partner"].pk, "role": "si", "split_percent": "5"},
        format="json",
    )
    update = client.patch(
        f"{BASE}/rules/{other_book['rule'].pk}/", {"priority": 1, "reason": "x"}, format="json"
    )
    # then
    assert link.status_code == 400
    assert link.json() == {
        "opportunity": [f'Invalid pk "{other_book["deal"].pk}" - object does not exist.'],
        "partner": [f'Invalid pk "{other_book["partner"].pk}" - object does not exist.'],
    }
    assert share.status_code == 400
    assert share.json() == {"partner": [f'Invalid pk "{other_book["partner"].pk}" - object does not exist.']}
    assert update.status_code == 404
    assert OpportunityPartner.objects.filter(organization=org).count() == 0
    assert AccountPartner.objects.filter(organization=org).count() == 0
    assert AuditEvent.objects.count() == audits
    assert other_book["rule"].versions.count() == 1
    assert AttributionRule.objects.get(pk=other_book["rule"].pk).priority == 100


def test_team_manager_cannot_change_links_outside_the_team(manager, other_rep_opportunity, org, partner):
    # given
    link = OpportunityPartnerFactory(organization=org, opportunity=other_rep_opportunity, partner=partner)
    # when
    response = api_for(manager).patch(
        f"{BASE}/opportunity-partners/{link.pk}/", {"split_percent": "40", "reason": "x"}, format="json"
    )
    # then
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.split_percent == Decimal("10.00")
    assert AuditEvent.objects.count() == 0


def test_token_request_acts_in_the_tokens_organization(admin, org, book):
    # given
    _, key = api_token_create(organization=org, user=admin.user, name="ci", acting_user=admin.user)
    client = APIClient()
    # when
    response = client.get(f"{BASE}/rules/", HTTP_AUTHORIZATION=f"Bearer {key}")
    anonymous = APIClient().get(f"{BASE}/rules/")
    # then
    assert [r["id"] for r in response.json()["results"]] == [book["rule"].pk]
    assert anonymous.status_code == 401
