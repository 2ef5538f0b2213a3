"""Walk the product from links alone, as a manager and as a rep (screenshots per step).

The manager opens the menu groups, goes from the ledger to a partner, from the partner to a
deal's drilldown, from the ledger to an account and from there to a deal, then starts the
ledger's audit PDF and follows its progress page to the download. The rep walks from their
opportunity list to an account and sees only their own deals there.
"""

from __future__ import annotations

import pytest
from django.db.models import Count
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from revops.models import Membership
from tests.e2e.conftest import SCREENSHOTS, log_in, wait

pytestmark = pytest.mark.browser


def shot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"walk-{name}.png"))


def open_menu(browser, group: str, page: str) -> None:
    """Open the menu group `group` and click its entry `page`."""
    summary = next(s for s in browser.find_elements(By.CSS_SELECTOR, ".mainnav summary") if s.text == group)
    summary.click()
    panel = summary.find_element(By.XPATH, "..")
    wait(browser).until(lambda _driver: panel.get_attribute("open") is not None)
    shot(browser, f"menu-{group.lower()}")
    panel.find_element(By.LINK_TEXT, page).click()


def test_manager_walks_from_links_alone_and_downloads_the_audit_pdf(browser, live_server):
    # given
    log_in(browser, live_server, "manager@acme.example")
    groups = [s.text for s in browser.find_elements(By.CSS_SELECTOR, ".mainnav summary")]
    assert groups == ["Pipeline", "Partners", "Marketing", "Commissions", "Forecast", "Leads"]

    # when: Partners → Attribution ledger → the first line's partner
    open_menu(browser, "Partners", "Attribution ledger")
    wait(browser).until(ec.presence_of_element_located((By.ID, "ledger-table")))
    shot(browser, "ledger")
    browser.find_element(By.CSS_SELECTOR, "#ledger-table tbody td a[href^='/partners/']").click()

    # then: the partner page, with its deals and attributed revenue
    wait(browser).until(ec.presence_of_element_located((By.ID, "panel-attribution-deals")))
    partner_name = browser.find_element(By.TAG_NAME, "h1").text
    shot(browser, "partner")
    assert browser.find_element(By.ID, "kpi-tier").text.startswith("TIER")

    # when: one of its deals → the attribution drilldown
    browser.find_element(
        By.CSS_SELECTOR, "#panel-attribution-deals tbody td a[href^='/attribution/deals/']"
    ).click()
    wait(browser).until(ec.url_contains("/attribution/deals/"))
    shot(browser, "drilldown")
    assert partner_name in browser.page_source

    # when: back to the ledger (menu), an account, and one of its deals
    open_menu(browser, "Partners", "Attribution ledger")
    wait(browser).until(ec.presence_of_element_located((By.ID, "ledger-table")))
    browser.find_element(By.CSS_SELECTOR, "#ledger-table tbody td a[href^='/accounts/']").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "account-deals")))
    shot(browser, "account")
    browser.find_element(By.CSS_SELECTOR, "#account-deals tbody td a[href^='/opportunities/']").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "stage-history")))
    shot(browser, "deal")
    assert browser.find_elements(By.ID, "panel-attribution-partners")

    # when: the ledger's audit PDF
    open_menu(browser, "Partners", "Attribution ledger")
    wait(browser).until(ec.presence_of_element_located((By.ID, "ledger-table")))
    browser.find_element(By.CSS_SELECTOR, ".export-buttons a[data-export='pdf']").click()

    # then: the progress page reaches the download
    download = wait(browser).until(ec.presence_of_element_located((By.ID, "export-download")))
    shot(browser, "pdf-ready")
    assert (
        browser.find_element(By.CSS_SELECTOR, ".export-status [role=progressbar]").get_attribute(
            "aria-valuenow"
        )
        == "100"
    )
    assert download.text.startswith("Download attribution-ledger-")
    assert download.text.endswith(".pdf")


def test_rep_walks_to_an_account_and_sees_only_their_deals(browser, live_server):
    # given: the demo rep with the most deals
    rep = (
        Membership.objects.filter(
            organization__slug="acme", role="rep", user__email__endswith="@acme.example"
        )
        .annotate(deals=Count("user__owned_opportunities"))
        .order_by("-deals", "user__email")
        .select_related("user")
        .first()
    )
    log_in(browser, live_server, rep.user.email)

    # when: Pipeline → Opportunities → the first deal's account
    open_menu(browser, "Pipeline", "Opportunities")
    wait(browser).until(ec.presence_of_element_located((By.ID, "opportunity-table")))
    browser.find_element(By.CSS_SELECTOR, "#opportunity-table tbody td a[href^='/accounts/']").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "account-deals")))
    shot(browser, "rep-account")

    # then: every deal listed on the account is the rep's
    owners = {
        row.find_elements(By.TAG_NAME, "td")[3].text
        for row in browser.find_elements(By.CSS_SELECTOR, "#account-deals tbody tr")
    }
    assert owners == {rep.user.get_full_name()}
    assert "Edit account" not in browser.page_source
