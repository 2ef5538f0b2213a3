"""Core pages: the organization switch and the layout."""

import pytest
from django.test import Client
from django.urls import reverse

from revops.models import User
from revops.tenancy import SESSION_KEY
from tests.revops.factories import MembershipFactory

pytestmark = pytest.mark.django_db


LIST_URL = reverse("revops:opportunity-list")


def _csrf_token(client: Client) -> str:
    client.get(reverse("revops:home"))
    return client.cookies["csrftoken"].value


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
