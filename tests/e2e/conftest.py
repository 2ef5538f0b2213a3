"""Headless Chromium (Debian's chromium + chromedriver) against pytest-django's live server.

Selenium is given the driver path, so Selenium Manager never downloads anything. Every test
leaves a screenshot in test-artifacts/screenshots/ (and a `-failed` one when it fails).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
WAIT_SECONDS = 15
DEMO_PASSWORD = "revops-demo"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium():
    profile = tempfile.mkdtemp(prefix="revops-e2e-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def demo_data(request):
    request.getfixturevalue("flushable_db")  # the live server's rows are committed
    call_command("seed_demo", scale=0.05, quiet=True)


@pytest.fixture
def browser(chromium, live_server, demo_data, request):
    """The browser, signed out, with a screenshot of the last page after the test."""
    chromium.delete_all_cookies()
    yield chromium
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("/", "_")
    chromium.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        chromium.save_screenshot(str(SCREENSHOTS / f"{name}-failed.png"))


def wait(driver, timeout: float = WAIT_SECONDS) -> WebDriverWait:
    return WebDriverWait(driver, timeout)


def log_in(driver, live_server, email: str) -> None:
    """Sign in through the real login form and wait for the dashboard."""
    driver.get(live_server.url + reverse("account_login"))
    driver.find_element(By.NAME, "login").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(DEMO_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(driver).until(ec.url_to_be(live_server.url + reverse("revops:home")))
