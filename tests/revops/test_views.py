"""Core pages: opportunities, jobs, API tokens, organization switch, and the layout."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revops.models import ApiToken, AuditEvent, JobRun, User
from revops.services.tokens import TOKEN_PREFIX, api_token_create
from revops.tenancy import SESSION_KEY
from tests.revops.factories import (
    AccountFactory,
    JobRunFactory,
    MembershipFactory,
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
    assert "10,000.00 USD" in html


@pytest.mark.parametrize(
    "url_name", ["revops:home", "revops:opportunity-list", "revops:job-list", "revops:token-list"]
)
def test_partner_user_is_refused_internal_pages(partner_user, client_for, url_name):
    # when
    response = client_for(partner_user).get(reverse(url_name))
    # then
    assert response.status_code == 403


def test_partner_user_is_refused_opportunity_detail(partner_user, rep_opportunity, client_for):
    # when
    response = client_for(partner_user).get(_detail(rep_opportunity.pk))
    # then
    assert response.status_code == 403


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
    assert len(first.context["page_obj"]) == 50
    assert [o.amount for o in second.context["page_obj"]] == [Decimal("1050.00")]
    assert "?sort=amount&amp;page=2" in first.content.decode()


def test_list_renders_with_empty_database(admin, client_for):
    # when
    response = client_for(admin).get(LIST_URL)
    # then
    assert response.status_code == 200
    assert "No opportunities match." in response.content.decode()


# --- jobs --------------------------------------------------------------------------------


def test_job_list_shows_only_the_organizations_runs(org, other_org, manager, client_for):
    # given
    mine = JobRunFactory(organization=org, kind="attribution.recalculate")
    JobRunFactory(organization=other_org, kind="foreign.job")
    # when
    response = client_for(manager).get(reverse("revops:job-list"))
    # then
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [mine]
    assert "foreign.job" not in response.content.decode()


def test_rep_is_refused_jobs(rep, client_for):
    # when
    response = client_for(rep).get(reverse("revops:job-list"))
    # then
    assert response.status_code == 403


def test_running_job_progress_polls_itself(org, manager, client_for):
    # given
    job = JobRunFactory(organization=org, status=JobRun.Status.RUNNING, progress=40)
    # when
    response = client_for(manager).get(reverse("revops:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    # then
    html = response.content.decode()
    assert [t.name for t in response.templates] == ["revops/partials/job_progress.html"]
    assert 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="40"' in html


def test_finished_job_progress_stops_polling_and_shows_counts_and_error(org, manager, client_for):
    # given
    job = JobRunFactory(
        organization=org,
        status=JobRun.Status.FAILED,
        progress=70,
        counts={"rows": 12},
        error="Row 7: bad date",
    )
    # when
    response = client_for(manager).get(reverse("revops:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    # then
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert "rows: 12" in html
    assert "Row 7: bad date" in html


def test_job_progress_of_other_org_is_404(other_org, manager, client_for):
    # given
    job = JobRunFactory(organization=other_org)
    # when
    response = client_for(manager).get(reverse("revops:job-progress", args=[job.pk]))
    # then
    assert response.status_code == 404


# --- API tokens --------------------------------------------------------------------------


def test_token_create_shows_key_once_and_stores_only_the_digest(rep, client_for):
    # given
    client = client_for(rep)
    # when
    response = client.post(reverse("revops:token-create"), {"name": "CRM sync"})
    # then
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith(TOKEN_PREFIX)
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=rep.user)
    assert (token.name, token.prefix, token.digest) == ("CRM sync", key[:12], ApiToken.digest_for(key))
    assert key not in {token.name, token.prefix, token.digest}
    assert key not in client.get(reverse("revops:token-list")).content.decode()


def test_token_create_rejects_empty_name(rep, client_for):
    # when
    response = client_for(rep).post(reverse("revops:token-create"), {"name": "  "})
    # then
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_token_list_shows_own_tokens_and_admin_sees_all(org, rep, other_rep, admin, client_for):
    # given
    own, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    theirs, _ = api_token_create(
        organization=org, user=other_rep.user, name="Theirs", acting_user=other_rep.user
    )
    # when
    rep_tokens = list(client_for(rep).get(reverse("revops:token-list")).context["tokens"])
    admin_tokens = set(client_for(admin).get(reverse("revops:token-list")).context["tokens"])
    # then
    assert rep_tokens == [own]
    assert admin_tokens == {own, theirs}


def test_token_revoke_by_htmx_rerenders_the_row_and_twice_is_a_noop(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    client = client_for(rep)
    url = reverse("revops:token-revoke", args=[token.pk])
    # when
    first = client.post(url, HTTP_HX_REQUEST="true")
    token.refresh_from_db()
    revoked_at = token.revoked_at
    second = client.post(url, HTTP_HX_REQUEST="true")
    # then
    assert first.status_code == second.status_code == 200
    assert [t.name for t in first.templates] == ["revops/partials/token_row.html"]
    assert f'id="token-{token.pk}"' in first.content.decode()
    assert "Revoked" in first.content.decode()
    token.refresh_from_db()
    assert revoked_at is not None
    assert token.revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_rep_cannot_revoke_another_users_token(org, rep, other_rep, client_for):
    # given
    token, _ = api_token_create(
        organization=org, user=other_rep.user, name="Theirs", acting_user=other_rep.user
    )
    # when
    response = client_for(rep).post(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_revokes_a_token_of_their_organization(org, rep, admin, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Rep's", acting_user=rep.user)
    # when
    response = client_for(admin).post(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_cannot_revoke_a_token_of_another_organization(org, other_org_admin, rep, admin, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Rep's", acting_user=rep.user)
    # when
    response = client_for(other_org_admin).post(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_revoke_is_post_only(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    # when
    response = client_for(rep).get(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def _csrf_token(client: Client) -> str:
    client.get(reverse("revops:home"))
    return client.cookies["csrftoken"].value


def test_htmx_token_revoke_without_csrf_token_is_refused(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    client = client_for(rep, enforce_csrf_checks=True)
    # when
    response = client.post(reverse("revops:token-revoke", args=[token.pk]), HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEvent.objects.filter(action="api_token.revoke").exists()


def test_htmx_token_revoke_with_csrf_header_works(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    client = client_for(rep, enforce_csrf_checks=True)
    csrf = _csrf_token(client)
    # when
    response = client.post(
        reverse("revops:token-revoke", args=[token.pk]), HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=csrf
    )
    # then
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- organization switch -----------------------------------------------------------------


@pytest.fixture
def two_org_user(org, other_org, rep):
    MembershipFactory(organization=other_org, user=rep.user, role="manager")
    return rep


def test_switch_persists_in_session_and_on_user(other_org, two_org_user, client_for):
    # given
    client = client_for(two_org_user)
    # when
    response = client.post(reverse("revops:organization-switch"), {"organization": other_org.pk})
    # then
    assert response.status_code == 302
    assert response.url == reverse("revops:home")
    assert client.session[SESSION_KEY] == other_org.pk
    assert User.objects.get(pk=two_org_user.user_id).current_organization_id == other_org.pk
    assert client.get(reverse("revops:home")).context["request"].organization == other_org


def test_switch_to_an_organization_one_does_not_belong_to_is_404(org, other_org, rep, client_for):
    # given
    client = client_for(rep)
    # when
    response = client.post(reverse("revops:organization-switch"), {"organization": other_org.pk})
    # then
    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    assert User.objects.get(pk=rep.user_id).current_organization_id is None


def test_htmx_switch_without_csrf_token_is_refused(other_org, two_org_user, client_for):
    # given
    client = client_for(two_org_user, enforce_csrf_checks=True)
    # when
    response = client.post(
        reverse("revops:organization-switch"), {"organization": other_org.pk}, HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert User.objects.get(pk=two_org_user.user_id).current_organization_id is None


def test_htmx_switch_with_csrf_header_redirects_the_page(other_org, two_org_user, client_for):
    # given
    client = client_for(two_org_user, enforce_csrf_checks=True)
    csrf = _csrf_token(client)
    # when
    response = client.post(
        reverse("revops:organization-switch"),
        {"organization": other_org.pk},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=csrf,
    )
    # then
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("revops:home")
    assert client.session[SESSION_KEY] == other_org.pk


def test_switch_is_post_only(other_org, two_org_user, client_for):
    # when
    response = client_for(two_org_user).get(reverse("revops:organization-switch"))
    # then
    assert response.status_code == 405


# --- layout ------------------------------------------------------------------------------


def test_layout_shows_each_role_only_its_pages(rep, manager, client_for):
    # when
    rep_html = client_for(rep).get(reverse("revops:home")).content.decode()
    manager_html = client_for(manager).get(reverse("revops:home")).content.decode()
    # then
    assert f'href="{reverse("revops:job-list")}"' not in rep_html
    assert f'href="{reverse("revops:job-list")}"' in manager_html
    for html in (rep_html, manager_html):
        assert f'href="{reverse("revops:opportunity-list")}"' in html
        assert f'href="{reverse("revops:token-list")}"' in html
        assert f'action="{reverse("account_logout")}"' in html
        assert f'href="{reverse("account_change_password")}"' in html
        assert f'href="{reverse("mfa_index")}"' in html
        assert 'hx-headers=\'{"X-CSRFToken": ' in html
        assert "django_htmx/htmx-2.min.js" in html


def test_switcher_appears_only_with_several_memberships(rep, two_org_user, manager, client_for):
    # when
    several = client_for(two_org_user).get(reverse("revops:opportunity-list")).content.decode()
    one = client_for(manager).get(reverse("revops:opportunity-list")).content.decode()
    # then
    assert f'action="{reverse("revops:organization-switch")}"' in several
    assert "Globex" in several
    assert f'action="{reverse("revops:organization-switch")}"' not in one


def test_charts_script_is_only_on_chart_pages(rep, client_for):
    # when
    client = client_for(rep)
    # then
    assert "plotly.min.js" in client.get(reverse("revops:home")).content.decode()
    assert "plotly.min.js" not in client.get(LIST_URL).content.decode()


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
