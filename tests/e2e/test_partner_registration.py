"""A deal's way from a partner's registration to the partner's statement, in a real browser.

The partner signs in, registers a deal and sees the conflict warning; a channel manager
approves it in the queue; the partner sees it approved; revenue for the deal is imported and
the attribution recomputed; the deal is on the partner's statement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from attribution.selectors.visible import entry_list
from attribution.services.links import opportunity_partner_set
from attribution.services.recompute import attribution_recompute
from attribution.services.revenue import revenue_events_import
from partners.models import DealRegistration, RegistrationStatus
from partners.services.registrations import registration_submit
from revops.models import FiscalPeriod, Opportunity, Role
from revops.services.periods import periods_ensure
from tests.e2e.conftest import SCREENSHOTS, wait
from tests.partners.factories import registration_input
from tests.revops.factories import (
    MembershipFactory,
    OrganizationFactory,
    PartnerFactory,
    ProductLineFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-e2e-passw0rd!"


@pytest.fixture
def program(flushable_db):
    org = OrganizationFactory(name="Acme", slug="acme")
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    line = ProductLineFactory(organization=org, name="Analytics", code="analytics")

    def member(email, role, **extra):
        user = UserFactory(email=email)
        user.set_password(PASSWORD)
        user.save()
        return MembershipFactory(organization=org, user=user, role=role, **extra)

    partner_user = member(
        "partner@northwind.test",
        Role.PARTNER,
        partner=PartnerFactory(organization=org, name="Northwind Partners"),
    )
    other = member(
        "partner@contoso.test",
        Role.PARTNER,
        partner=PartnerFactory(organization=org, name="Contoso Partners"),
    )
    manager = member("manager@acme.test", Role.MANAGER, org_wide=True)
    # Another partner already registered the company: the conflict the partner is warned of.
    registration_submit(membership=other, data=registration_input(line, account_name="Bluebird Logistics"))
    return {"org": org, "line": line, "partner_user": partner_user, "manager": manager}


@pytest.fixture
def driver(chromium, live_server, request):
    chromium.delete_all_cookies()
    yield chromium
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chromium.save_screenshot(str(SCREENSHOTS / f"{request.node.name}.png"))


def sign_in(driver, live_server, email: str, lands_on: str) -> None:
    driver.delete_all_cookies()
    driver.get(live_server.url + reverse("account_login"))
    driver.find_element(By.NAME, "login").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(driver).until(ec.url_to_be(live_server.url + lands_on))


def test_registration_to_statement(driver, live_server, program):
    # The partner registers a deal and is warned of the conflict.
    sign_in(driver, live_server, "partner@northwind.test", reverse("portal:home"))
    driver.get(live_server.url + reverse("portal:registration-new"))
    fields = {
        "account_name": "Bluebird Logistics",
        "domain": "bluebird.example",
        "contact_name": "Ada Byrne",
        "contact_email": "ada@bluebird.example",
        "estimated_value": "25000",
    }
    for name, value in fields.items():
        driver.find_element(By.NAME, name).send_keys(value)
    driver.find_element(By.NAME, "domain").click()  # the live check runs on change
    warning = wait(driver).until(ec.visibility_of_element_located((By.ID, "conflict-warning")))
    wait(driver).until(lambda d: "Another partner has registered this company." in warning.text)
    Select(driver.find_element(By.NAME, "product_line")).select_by_visible_text("Analytics")
    Select(driver.find_element(By.NAME, "role")).select_by_value("referral")
    driver.execute_script("arguments[0].value = '2026-06-30'", driver.find_element(By.NAME, "expected_close"))
    driver.find_element(By.CSS_SELECTOR, "#registration-form button[type=submit]").click()
    wait(driver).until(ec.url_contains("/portal/registrations/"))
    assert "Another partner has registered this company." in driver.find_element(By.TAG_NAME, "main").text
    registration = DealRegistration.objects.get(partner__name="Northwind Partners")
    assert registration.has_conflict

    # The channel manager approves it in the queue.
    sign_in(driver, live_server, "manager@acme.test", reverse("revops:home"))
    driver.get(live_server.url + reverse("partners:queue"))
    driver.find_element(By.CSS_SELECTOR, f"input[name=ids][value='registration:{registration.pk}']").click()
    Select(driver.find_element(By.CSS_SELECTOR, "#bulk-form select[name=action]")).select_by_value("approve")
    driver.find_element(By.CSS_SELECTOR, "#bulk-form button[type=submit]").click()
    wait(driver).until(lambda d: "Approved 1 registration." in d.find_element(By.TAG_NAME, "main").text)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED and registration.opportunity_id

    # The partner sees it approved.
    sign_in(driver, live_server, "partner@northwind.test", reverse("portal:home"))
    driver.get(live_server.url + reverse("portal:registration", args=[registration.pk]))
    assert "Approved" in driver.find_element(By.TAG_NAME, "main").text

    # The channel manager fixes the registered partner's split (no split rule is configured
    # here, so the link starts without one); revenue for the deal is imported and the
    # attribution recomputed: the deal is on the partner's statement.
    org = program["org"]
    deal = Opportunity.objects.get(pk=registration.opportunity_id)
    opportunity_partner_set(
        membership=program["manager"],
        opportunity=deal,
        partner=registration.partner,
        role="referral",
        split_percent=Decimal("20"),
        source="registration",
        reason="Registered deal: standard referral split",
    )
    Opportunity.objects.filter(pk=registration.opportunity_id).update(external_id="REG-DEAL")
    revenue_events_import(
        organization=org,
        lines=["opportunity_external_id,date,amount,external_id", "REG-DEAL,2026-03-10,10000.00,inv-1"],
    )
    attribution_recompute(organization=org)
    march = FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 3, 1))
    driver.get(live_server.url + reverse("portal:statement") + f"?period={march.pk}")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert deal.name in main
    credited = sum((e.amount for e in entry_list(membership=program["partner_user"])), start=Decimal("0"))
    assert credited == Decimal("2000.00")
