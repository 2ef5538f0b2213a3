"""Error pages speak the product's language and keep the layout."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_partner_user_on_an_internal_page_gets_not_found_with_the_portal_link(partner_user, client_for):
    # when: partner users work in the portal; the internal pages do not exist for them
    response = client_for(partner_user).get(reverse("revops:opportunity-list"))
    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert 'Partner users work in the <a href="/portal/">partner portal</a>.' in html
    assert 'class="topbar"' in html


def test_rep_without_the_capability_gets_the_role_explanation(rep, client_for):
    response = client_for(rep).get(reverse("revops:job-list"))
    assert response.status_code == 403
    assert "Your role does not give access to this page." in response.content.decode()


def test_record_outside_scope_gets_the_not_found_page(rep, other_rep_opportunity, client_for):
    response = client_for(rep).get(reverse("revops:opportunity-detail", args=[other_rep_opportunity.pk]))
    assert response.status_code == 404
    assert "not part of what you can see" in response.content.decode()
