"""The Content-Security-Policy in a real browser: charts, HTMX swaps and the API docs still work,
and the browser reports no violation (a blocked inline script, style or eval)."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import log_in, wait

pytestmark = pytest.mark.browser

# Runs in every new document before its own scripts (DevTools, so the CSP does not apply).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture
def recording(browser):
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    yield browser
    browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def _violations(driver) -> list[str]:
    return driver.execute_script("return window.__cspViolations || []")


def test_charts_and_htmx_swaps_work_under_the_policy(recording, live_server):
    browser = recording
    # given
    log_in(browser, live_server, "manager@acme.example")
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#dashboard-body .js-plotly-plot")))
    assert browser.execute_script("return document.querySelector('meta[http-equiv]') === null")
    # when: an HTMX swap brings new chart fragments
    period = Select(browser.find_element(By.ID, "id_period"))
    current = period.first_selected_option.get_attribute("value")
    choice = next(o.get_attribute("value") for o in period.options if o.get_attribute("value") != current)
    browser.execute_script(
        "document.querySelector('#dashboard-body .js-plotly-plot').setAttribute('data-old', '1')"
    )
    period.select_by_value(choice)
    # then: the swapped-in charts are drawn too, and nothing was blocked
    wait(browser).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#dashboard-body [data-old]"))
    charts = wait(browser).until(
        ec.visibility_of_all_elements_located(
            (By.CSS_SELECTOR, "#dashboard-body .js-plotly-plot .plot-container")
        )
    )
    assert len(charts) == 2
    assert _violations(browser) == []


def test_api_docs_render_under_the_policy(recording, live_server):
    browser = recording
    log_in(browser, live_server, "manager@acme.example")
    browser.get(live_server.url + reverse("api-docs"))
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#swagger-ui .opblock")))
    assert _violations(browser) == []
