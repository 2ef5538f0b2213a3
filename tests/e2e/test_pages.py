"""The pages in a real browser: sign-in, dashboard chart, HTMX filters, a rep's own deals."""

import pytest
from django.db.models import Count
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from revops.models import Membership, Opportunity
from tests.e2e.conftest import log_in, wait

pytestmark = pytest.mark.browser


def test_manager_signs_in_and_sees_the_dashboard_chart(browser, live_server):
    # when
    log_in(browser, live_server, "manager@acme.example")

    # then
    chart = wait(browser).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "#dashboard-body .js-plotly-plot .plot-container"))
    )
    assert chart.size["height"] > 0
    assert browser.find_element(By.TAG_NAME, "h1").text == "Dashboard"
    label = browser.find_element(By.CSS_SELECTOR, "#kpi-open-pipeline .label").get_attribute("textContent")
    assert label.strip() == "Open pipeline"


def test_dashboard_filter_swaps_the_body_without_reloading_the_page(browser, live_server):
    # given
    log_in(browser, live_server, "manager@acme.example")
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#dashboard-body .js-plotly-plot")))
    browser.execute_script(
        "window.e2ePageMarker = 'same page';"
        "document.querySelector('#dashboard-body > *').setAttribute('data-e2e-old', '1');"
    )
    period = Select(browser.find_element(By.ID, "id_period"))
    current = period.first_selected_option.get_attribute("value")
    choice = next(o.get_attribute("value") for o in period.options if o.get_attribute("value") != current)

    # when
    period.select_by_value(choice)

    # then
    wait(browser).until(ec.url_contains(f"period={choice}"))
    wait(browser).until(
        lambda driver: not driver.find_elements(By.CSS_SELECTOR, "#dashboard-body [data-e2e-old]")
    )
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#dashboard-body .js-plotly-plot")))
    assert browser.execute_script("return window.e2ePageMarker") == "same page"
    assert (
        Select(browser.find_element(By.ID, "id_period")).first_selected_option.get_attribute("value")
        == choice
    )


def test_rep_sees_only_their_own_deals(browser, live_server):
    # given: the demo rep with the most deals (at this small scale some reps have none)
    rep = (
        Membership.objects.filter(
            organization__slug="acme", role="rep", user__email__endswith="@acme.example"
        )
        .annotate(deals=Count("user__owned_opportunities"))
        .order_by("-deals", "user__email")
        .select_related("user")
        .first()
    )
    email, own = rep.user.email, rep.deals
    assert Opportunity.objects.filter(organization__slug="acme").exclude(owner=rep.user).exists()
    log_in(browser, live_server, email)

    # when
    browser.get(live_server.url + reverse("revops:opportunity-list"))

    # then
    wait(browser).until(ec.presence_of_element_located((By.ID, "opportunity-table")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#opportunity-table tbody tr")
    owner_cells = [row.find_elements(By.TAG_NAME, "td")[2] for row in rows]
    owners = {cell.find_element(By.TAG_NAME, "span").get_attribute("title") for cell in owner_cells}
    assert own > 0
    assert owners == {email}
    assert {cell.text for cell in owner_cells} == {rep.user.get_full_name()}
    assert len(rows) == min(own, 50)
    assert (
        browser.find_element(By.ID, "opportunity-count").text
        == f"{own} opportunit{'y' if own == 1 else 'ies'}"
    )
