"""Core pages: the opportunity list and detail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.revops.factories import (
    AccountFactory,
    OpportunityFactory,
    StageChangeFactory,
)

pytestmark = pytest.mark.django_db


LIST_URL = reverse("revops:opportunity-list")
LIST_QUERY_BUDGET = 7  # session, user, membership, count, page, switcher, product lines


def _detail(pk):
    return reverse("revops:opportunity-detail", args=[pk])


def _deals(org, owner, n, **extra):
    account = AccountFactory(organization=org)
    return [
        OpportunityFactory(organization=org, account=account, owner=owner, amount=Decimal(1000 + i), **extra)
        for i in range(n)
    ]


# --- opportunity list and detail -------------------------------------------------------


def test_rep_sees_only_own_opportunities(
    rep, rep_opportunity, other_rep_opportunity, other_org_opportunity, client_for
):
    # when
    response = client_for(rep).get(LIST_URL)
    # then
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [rep_opportunity]
    html = response.content.decode()
    assert "Rep deal" in html
    assert "Other rep deal" not in html
    assert "Globex deal" not in html


def test_rep_gets_404_on_another_reps_opportunity(rep, other_rep_opportunity, client_for):
    # when
    response = client_for(rep).get(_detail(other_rep_opportunity.pk))
    # then
    assert response.status_code == 404


def test_other_org_opportunity_is_404_even_for_admins(admin, other_org_opportunity, client_for):
    # when
    response = client_for(admin).get(_detail(other_org_opportunity.pk))
    # then
    assert response.status_code == 404


def test_detail_shows_fields_and_stage_history(rep, rep_opportunity, client_for):
    # given
    StageChangeFactory(
        opportunity=rep_opportunity,
        from_stage="",
        to_stage="prospecting",
        changed_at=dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC),
    )
    StageChangeFactory(
        opportunity=rep_opportunity,
        from_stage="prospecting",
        to_stage="proposal",
        changed_at=dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC),
    )
    # when
    response = client_for(rep).get(_detail(rep_opportunity.pk))
    # then
    assert response.status_code == 200
    changes = [(c.from_stage, c.to_stage) for c in response.context["stage_changes"]]
    assert changes == [("", "prospecting"), ("prospecting", "proposal")]
    html = response.content.decode()
    assert rep_opportunity.account.name in html
    assert "Prospecting → Proposal" in html
    assert "$10,000.00" in html


@pytest.mark.parametrize("url_name", ["revops:opportunity-list", "revops:job-list", "revops:token-list"])
def test_partner_user_does_not_find_internal_pages(partner_user, client_for, url_name):
    # when
    response = client_for(partner_user).get(reverse(url_name))
    # then: partner users work in the portal; internal pages answer 404
    assert response.status_code == 404


def test_partner_user_does_not_find_opportunity_detail(partner_user, rep_opportunity, client_for):
    # when
    response = client_for(partner_user).get(_detail(rep_opportunity.pk))
    # then
    assert response.status_code == 404
    assert rep_opportunity.name not in response.content.decode()


@pytest.mark.parametrize("n", [5, 50])
def test_list_query_count_is_constant(org, org_wide_manager, rep, client_for, django_assert_num_queries, n):
    # given
    _deals(org, rep.user, n)
    client = client_for(org_wide_manager)
    client.get(LIST_URL)
    # when / then
    with django_assert_num_queries(LIST_QUERY_BUDGET):
        response = client.get(LIST_URL, {"sort": "account"})
    assert response.context["page_obj"].paginator.count == n


def test_list_queries_same_for_5_and_50(org, org_wide_manager, rep, client_for):
    # given
    client = client_for(org_wide_manager)
    counts = []
    for n in (5, 45):
        _deals(org, rep.user, n)
        # when
        with CaptureQueriesContext(connection) as ctx:
            client.get(LIST_URL, {"sort": "-owner"}, HTTP_HX_REQUEST="true")
        counts.append(len(ctx.captured_queries))
    # then
    assert counts[0] == counts[1]


def test_list_sorts_by_whitelisted_key_and_ignores_others(org, org_wide_manager, rep, client_for):
    # given
    small, big = (
        OpportunityFactory(organization=org, owner=rep.user, name="Small", amount=Decimal("5.00")),
        OpportunityFactory(organization=org, owner=rep.user, name="Big", amount=Decimal("500.00")),
    )
    client = client_for(org_wide_manager)
    # when
    ascending = list(client.get(LIST_URL, {"sort": "amount"}).context["page_obj"])
    descending = list(client.get(LIST_URL, {"sort": "-amount"}).context["page_obj"])
    hostile = client.get(LIST_URL, {"sort": "owner__password"})
    # then
    assert ascending == [small, big]
    assert descending == [big, small]
    assert hostile.status_code == 200
    assert hostile.context["sort"] == "-created"


def test_list_filters_with_the_shared_filterset(org, org_wide_manager, rep, client_for):
    # given
    won = OpportunityFactory(organization=org, owner=rep.user, stage="closed_won", name="Won one")
    OpportunityFactory(organization=org, owner=rep.user, stage="proposal", name="Open one")
    # when
    response = client_for(org_wide_manager).get(LIST_URL, {"status": "won"})
    # then
    assert list(response.context["page_obj"]) == [won]


def test_list_htmx_request_returns_only_the_table(rep, rep_opportunity, client_for):
    # when
    response = client_for(rep).get(LIST_URL, {"sort": "name"}, HTTP_HX_REQUEST="true")
    # then
    assert response.templates[0].name == "revops/partials/opportunity_table.html"
    assert list(response.context["page_obj"]) == [rep_opportunity]
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="opportunity-table"' in html
    assert 'hx-swap-oob="true"' in html  # keeps the filter form's sort in step


def test_list_paginates_fifty_per_page(org, org_wide_manager, rep, client_for):
    # given
    _deals(org, rep.user, 51)
    client = client_for(org_wide_manager)
    # when
    first = client.get(LIST_URL, {"sort": "amount"})
    second = client.get(LIST_URL, {"sort": "amount", "page": 2})
    # then
    assert [o.amount for o in first.context["page_obj"]] == [Decimal(1000 + i) for i in range(50)]
    assert [o.amount for o in second.context["page_obj"]] == [Decimal("1050.00")]
    assert "?sort=amount&amp;page=2" in first.content.decode()


def test_list_renders_with_empty_database(admin, client_for):
    # when
    response = client_for(admin).get(LIST_URL)
    # then
    assert response.status_code == 200
    assert "No opportunities match." in response.content.decode()


def test_list_ignores_blank_fields_of_the_submitted_form(org, org_wide_manager, rep, client_for):
    # given
    won = OpportunityFactory(organization=org, owner=rep.user, stage="closed_won", name="Won one")
    OpportunityFactory(organization=org, owner=rep.user, stage="proposal", name="Open one")
    blank_form = {
        "q": "",
        "stage": "",
        "product_line": "",
        "region": "",
        "amount_min": "",
        "closed_after": "",
    }
    # when
    response = client_for(org_wide_manager).get(LIST_URL, {**blank_form, "status": "won"})
    # then
    assert response.context["filterset"].errors == {}
    assert list(response.context["page_obj"]) == [won]
