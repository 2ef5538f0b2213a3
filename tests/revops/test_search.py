"""Global search: finds by name or external id, only within what the member may see."""

import pytest
from django.urls import reverse

from tests.revops.factories import (
    AccountFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    PartnerFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("revops:search")


def _client(client, membership):
    client.force_login(membership.user)
    return client


@pytest.fixture
def world():
    org = OrganizationFactory()
    manager = MembershipFactory(organization=org, role="manager")
    rep = MembershipFactory(organization=org, role="rep", manager=manager)
    other_rep = MembershipFactory(organization=org, role="rep")
    admin = MembershipFactory(organization=org, role="admin")
    partner = PartnerFactory(organization=org, name="Zephyr Consulting", external_id="P-77")
    own_account = AccountFactory(
        organization=org, name="Zephyr Foods", owner=rep.user, external_id="A-1", segment="smb", region="emea"
    )
    other_account = AccountFactory(
        organization=org, name="Zephyr Mining", owner=other_rep.user, external_id="A-2"
    )
    own_deal = OpportunityFactory(
        organization=org, account=own_account, owner=rep.user, name="Zephyr renewal"
    )
    other_deal = OpportunityFactory(
        organization=org,
        account=other_account,
        owner=other_rep.user,
        name="Zephyr expansion",
        external_id="D-9",
    )
    foreign = OrganizationFactory()
    foreign_account = AccountFactory(organization=foreign, name="Zephyr Foreign")
    return {
        "org": org,
        "admin": admin,
        "manager": manager,
        "rep": rep,
        "partner": partner,
        "own_account": own_account,
        "other_account": other_account,
        "own_deal": own_deal,
        "other_deal": other_deal,
        "foreign_account": foreign_account,
    }


def test_admin_finds_accounts_partners_and_deals_by_name(client, world):
    # when
    response = _client(client, world["admin"]).get(SEARCH, {"q": "zephyr"})

    # then
    results = response.context["results"]
    assert response.status_code == 200
    assert [h.name for h in results.accounts] == ["Zephyr Foods", "Zephyr Mining"]
    assert [h.name for h in results.partners] == ["Zephyr Consulting"]
    assert sorted(h.name for h in results.deals) == ["Zephyr expansion", "Zephyr renewal"]
    html = response.content.decode()
    assert "Zephyr Foreign" not in html
    assert reverse("revops:opportunity-detail", args=[world["own_deal"].pk]) in html
    assert reverse("revops:account-detail", args=[world["own_account"].pk]) in html
    assert reverse("revops:partner-detail", args=[world["partner"].pk]) in html


def test_external_id_finds_the_exact_record(client, world):
    # when
    response = _client(client, world["admin"]).get(SEARCH, {"q": "D-9"})

    # then
    results = response.context["results"]
    assert [h.name for h in results.deals] == ["Zephyr expansion"]
    assert results.accounts == [] and results.partners == []


def test_rep_finds_only_own_accounts_and_deals(client, world):
    # when
    response = _client(client, world["rep"]).get(SEARCH, {"q": "zephyr"})

    # then
    results = response.context["results"]
    assert [h.name for h in results.accounts] == ["Zephyr Foods"]
    assert [h.name for h in results.deals] == ["Zephyr renewal"]
    html = response.content.decode()
    assert "Zephyr Mining" not in html
    assert "Zephyr expansion" not in html


def test_htmx_request_gets_the_results_fragment_only(client, world):
    # when
    response = _client(client, world["admin"]).get(SEARCH, {"q": "mining"}, HTTP_HX_REQUEST="true")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="search-accounts"' in html
    assert "Zephyr Mining" in html


def test_results_show_labels_not_codes(client, world):
    # when
    response = _client(client, world["admin"]).get(SEARCH, {"q": "foods"}, HTTP_HX_REQUEST="true")

    # then
    html = response.content.decode()
    assert '<span class="search-hit-detail">SMB · EMEA</span>' in html


def test_a_one_character_query_searches_nothing(client, world):
    # given
    c = _client(client, world["admin"])
    c.get(SEARCH, {"q": "z"})  # warm the session

    # when
    response = c.get(SEARCH, {"q": "z"}, HTTP_HX_REQUEST="true")

    # then
    assert response.context["results"].total == 0
    assert "Type at least two characters." in response.content.decode()


def test_nothing_found_says_so(client, world):
    response = _client(client, world["admin"]).get(SEARCH, {"q": "qqqq"}, HTTP_HX_REQUEST="true")
    assert response.context["results"].total == 0
    assert "Nothing found for “qqqq”." in response.content.decode()


def test_partner_user_may_not_search(client, world):
    # given
    partner_user = MembershipFactory(organization=world["org"], role="partner", partner=world["partner"])

    # when
    response = _client(client, partner_user).get(SEARCH, {"q": "zephyr"})

    # then
    assert response.status_code == 404  # partner users work in the portal
    assert "Zephyr Foods" not in response.content.decode()


def test_search_queries_do_not_grow_with_results(client, world, django_assert_max_num_queries):
    # given: many more matching deals than are shown
    for i in range(30):
        OpportunityFactory(organization=world["org"], account=world["own_account"], name=f"Zephyr deal {i}")
    c = _client(client, world["admin"])
    c.get(SEARCH, {"q": "zz"})

    # when / then: session, user, membership, 3 searches and a little overhead; not 30+
    with django_assert_max_num_queries(10):
        response = c.get(SEARCH, {"q": "zephyr"}, HTTP_HX_REQUEST="true")
    assert len(response.context["results"].deals) == 8
