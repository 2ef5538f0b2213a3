"""Access to the attribution pages: partner users are refused, other organizations' ids are 404."""

import pytest
from django.urls import reverse

from attribution.services.rules import rule_create
from revops.models import FiscalPeriod
from revops.services.periods import periods_ensure
from tests.attribution.factories_pages import build_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _pages(book):
    return [
        reverse("attribution:deal", args=[book.deal.pk]),
        reverse("attribution:ledger"),
        reverse("attribution:partners"),
        reverse("attribution:periods"),
        reverse("attribution:rules"),
        reverse("attribution:rule-new"),
        reverse("attribution:rule-export"),
    ]


@pytest.mark.parametrize("who", ["partner_user", "other_partner_user"])
def test_partner_users_get_404_on_every_attribution_page(request, book, client_for, who):
    # given
    client = client_for(request.getfixturevalue(who))
    # when
    statuses = [client.get(url).status_code for url in _pages(book)]
    # then: partner users work in the portal; the internal pages do not exist for them
    assert statuses == [404] * 7


def test_anonymous_users_are_sent_to_the_login_page(book, client):
    # when
    response = client.get(reverse("attribution:ledger"))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("role", ["admin", "manager", "finance_admin", "rep"])
def test_internal_roles_may_open_the_read_pages(request, book, client_for, role):
    # given
    client = client_for(request.getfixturevalue(role))
    # when
    statuses = [client.get(url).status_code for url in _pages(book)[:5]]
    # then
    assert statuses == [200] * 5


def test_other_organizations_ids_answer_404(
    org, other_org, admin, other_org_admin, other_org_opportunity, client_for
):
    # given
    rule, _, _ = rule_create(
        organization=other_org_admin.organization,
        actor=other_org_admin.user,
        name="Theirs",
        definition={"action": {"kind": "allow"}, "conditions": {}},
    )
    periods_ensure(
        organization=other_org,
        start=other_org_opportunity.created_date,
        end=other_org_opportunity.created_date,
    )
    period = FiscalPeriod.objects.get(organization=other_org)
    client = client_for(admin)
    # when
    statuses = [
        client.get(reverse("attribution:deal", args=[other_org_opportunity.pk])).status_code,
        client.get(reverse("attribution:rule-edit", args=[rule.pk])).status_code,
        client.get(reverse("attribution:periods"), {"period": period.pk}).status_code,
        client.post(reverse("attribution:period-close", args=[period.pk])).status_code,
    ]
    # then
    assert statuses == [404, 404, 404, 404]
    period.refresh_from_db()
    assert period.status == FiscalPeriod.Status.OPEN


def test_navigation_lists_the_attribution_pages_for_internal_roles_only(
    book, manager, partner_user, client_for
):
    # when
    manager_html = client_for(manager).get(reverse("attribution:ledger")).content.decode()
    # then
    for label in ("Partner performance", "Attribution ledger", "Attribution periods", "Attribution rules"):
        assert label in manager_html
