"""The portal: partner users only, their own rows only — asserted on the rendered HTML."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from attribution.services.recompute import attribution_recompute
from partners.models import DealRegistration, RegistrationStatus
from partners.services.approvals import registration_decide
from partners.services.registrations import registration_submit
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.partners.factories import registration_input
from tests.revops.factories import AccountFactory, OpportunityFactory

PORTAL_PAGES = [
    "portal:home",
    "portal:deals",
    "portal:statement",
    "portal:registrations",
    "portal:registration-new",
]


@pytest.fixture
def shared_deal(org, rep, admin, partner, other_partner):
    """One deal both partners work on, with different splits, and revenue posted to the ledger."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    account = AccountFactory(organization=org, owner=rep.user, name="Shared Account")
    deal = OpportunityFactory(
        organization=org, account=account, owner=rep.user, name="Shared deal", amount=Decimal("9000")
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, role="referral", split_percent=Decimal("12.50")
    )
    OpportunityPartnerFactory(
        organization=org,
        opportunity=deal,
        partner=other_partner,
        role="influence",
        split_percent=Decimal("37.00"),
    )
    RevenueEventFactory(
        organization=org, opportunity=deal, amount=Decimal("1000.00"), date=dt.date(2026, 2, 10)
    )
    attribution_recompute(organization=org, actor=admin.user)
    return deal


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_partner_user_opens_every_portal_page(name, partner_user, client_for):
    response = client_for(partner_user).get(reverse(name))
    assert response.status_code == 200
    assert "Northwind Partners" in response.content.decode()


@pytest.mark.parametrize("name", PORTAL_PAGES)
@pytest.mark.parametrize("actor", ["admin", "manager", "finance_admin", "rep"])
def test_internal_roles_get_404_in_the_portal(name, actor, request, client_for):
    membership = request.getfixturevalue(actor)
    assert client_for(membership).get(reverse(name)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/opportunities/", "/attribution/", "/commissions/", "/partners/registrations/", "/admin/"]
)
def test_partner_user_gets_404_on_internal_pages(path, partner_user, client_for):
    assert client_for(partner_user).get(path).status_code == 404


def test_partner_user_home_redirects_to_portal(partner_user, client_for):
    response = client_for(partner_user).get("/")
    assert (response.status_code, response["Location"]) == (302, "/portal/")


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_deals_shows_only_our_split(shared_deal, partner_user, other_partner_user, client_for):
    # when
    mine = client_for(partner_user).get(reverse("portal:deals")).content.decode()
    theirs = client_for(other_partner_user).get(reverse("portal:deals")).content.decode()
    # then
    assert "Shared deal" in mine and "<td>referral</td>" in mine and "12.50 %" in mine and "$125.00" in mine
    assert "37.00" not in mine and "Contoso" not in mine and "<td>influence</td>" not in mine
    assert "37.00 %" in theirs and "$370.00" in theirs and "12.50" not in theirs and "Northwind" not in theirs


def test_statement_lines_are_ours_with_explanation(shared_deal, partner_user, client_for):
    html = client_for(partner_user).get(reverse("portal:statement")).content.decode()
    assert "Shared deal" in html and "125.00" in html and "12.50 %" in html
    assert "370.00" not in html and "Contoso" not in html


def test_statement_csv_holds_only_our_lines(shared_deal, partner_user, client_for):
    response = client_for(partner_user).get(reverse("portal:statement") + "?export=csv")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Shared deal" in text and "125.00" in text
    assert "370.00" not in text and "Contoso" not in text


def test_statement_pdf_is_a_job(shared_deal, partner_user, client_for):
    response = client_for(partner_user).get(reverse("portal:statement") + "?export=pdf")
    assert response.status_code == 303
    assert response["Location"].startswith("/exports/")


def test_partner_user_sees_own_registrations_manager_sees_all(
    partner_user, partner_colleague, partner_manager, other_partner_user, line, client_for
):
    # given
    registration_submit(membership=partner_user, data=registration_input(line, account_name="Alpha One"))
    registration_submit(
        membership=partner_colleague,
        data=registration_input(line, account_name="Beta Two", domain="beta.example"),
    )
    registration_submit(
        membership=other_partner_user,
        data=registration_input(line, account_name="Gamma Three", domain="gamma.example"),
    )
    # when
    own = client_for(partner_user).get(reverse("portal:registrations")).content.decode()
    boss = client_for(partner_manager).get(reverse("portal:registrations")).content.decode()
    # then
    assert "Alpha One" in own and "Beta Two" not in own and "Gamma Three" not in own
    assert "Alpha One" in boss and "Beta Two" in boss and "Gamma Three" not in boss


def test_other_partners_registration_is_404(
    partner_user, other_partner_user, other_org_admin, line, client_for
):
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    url = reverse("portal:registration", args=[registration.pk])
    assert client_for(partner_user).get(url).status_code == 200
    assert client_for(other_partner_user).get(url).status_code == 404
    assert client_for(other_org_admin).get(url).status_code == 404
    withdraw = reverse("portal:registration-withdraw", args=[registration.pk])
    assert client_for(other_partner_user).post(withdraw).status_code == 404
    assert DealRegistration.objects.get().status == RegistrationStatus.SUBMITTED


def test_submit_form_shows_conflict_warning_naming_nobody(
    org, partner_user, other_partner_user, rep, line, client_for
):
    # given: the rep's deal and another partner's registration on the company
    account = AccountFactory(
        organization=org, name="Bluebird Logistics", domain="bluebird.example", owner=rep.user
    )
    OpportunityFactory(organization=org, account=account, owner=rep.user, name="Secret Bluebird deal")
    registration_submit(membership=other_partner_user, data=registration_input(line))
    client = client_for(partner_user)
    # when: the live check, then the submission
    check = client.get(
        reverse("portal:registration-check"), {"account_name": "Bluebird Logistics Inc", "domain": ""}
    ).content.decode()
    response = client.post(
        reverse("portal:registration-new"),
        {
            "account_name": "Bluebird Logistics",
            "domain": "bluebird.example",
            "estimated_value": "25000",
            "currency": "USD",
            "product_line": line.pk,
            "expected_close": "2026-06-30",
            "role": "referral",
        },
        follow=True,
    )
    html = response.content.decode()
    # then
    assert "Possible conflict." in check and "Another partner has registered this company." in check
    assert response.status_code == 200
    assert "Our sales team has 1 open opportunity with it." in html
    for secret in ("Secret Bluebird deal", "Contoso", rep.user.email):
        assert secret not in html and secret not in check


def test_bad_submission_is_400_and_writes_nothing(partner_user, line, client_for):
    response = client_for(partner_user).post(
        reverse("portal:registration-new"), {"account_name": "X", "product_line": line.pk}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert DealRegistration.objects.count() == 0


def test_approved_registration_shows_in_portal(partner_user, manager, line, client_for):
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    registration_decide(membership=manager, registration_id=registration.pk, approve=True)
    html = (
        client_for(partner_user).get(reverse("portal:registration", args=[registration.pk])).content.decode()
    )
    assert '<dd id="registration-status">Approved</dd>' in html
