"""Security headers, cookies and pages without inline script."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.revops.factories import OpportunityFactory
from tests.security.headers import missing_security_headers

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_carries_every_header(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert missing_security_headers(response) == []


def test_a_404_and_a_redirect_carry_every_header(client):
    assert missing_security_headers(client.get("/no-such-page/")) == []
    assert missing_security_headers(client.get(reverse("revops:home"))) == []


def test_pages_partials_api_and_exports_are_never_cached(manager, client_for):
    # given
    OpportunityFactory(organization=manager.organization, owner=manager.user)
    client = client_for(manager)
    # when
    answers = {
        "page": client.get(reverse("revops:home")),
        "partial": client.get(reverse("revops:opportunity-list"), headers={"HX-Request": "true"}),
        "api": client.get("/api/v1/opportunities/"),
        "export": client.get(reverse("revops:opportunity-list"), {"export": "csv"}),
    }
    # then
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
    assert {name: r["Cache-Control"] for name, r in answers.items()} == dict.fromkeys(answers, "no-store")
    for response in answers.values():
        assert missing_security_headers(response) == []


@pytest.mark.parametrize("url_name", ["revops:home", "revops:opportunity-list", "attribution:partners"])
def test_pages_hold_no_inline_script_or_handler(url_name, manager, client_for):
    # given
    OpportunityFactory(organization=manager.organization, owner=manager.user, stage="closed_won")
    # when
    html = client_for(manager).get(reverse(url_name)).content.decode()
    # then: every <script> has a src (or is data), and no element has an on* handler
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert [s for s in scripts if "src=" not in s and 'type="application/json"' not in s] == []
    assert re.findall(r"\son[a-z]+=", html) == []


def test_no_template_holds_an_inline_handler_or_script():
    """The CSP (script-src 'self') blocks inline code: a handler in any template would be dead.

    The rendered pages above prove it for three pages; this reads every template of the project,
    so a page no test renders cannot carry one either.
    """
    root = Path(settings.BASE_DIR)
    folders = [root / "templates", *root.glob("*/templates"), *root.glob("*/*/templates")]
    templates = [p for folder in folders if ".venv" not in folder.parts for p in folder.rglob("*.html")]
    offenders = {}
    for path in templates:
        text = path.read_text(encoding="utf-8")
        handlers = re.findall(r"\son[a-z]+\s*=", text)
        inline = [
            s for s in re.findall(r"<script\b[^>]*>", text) if "src=" not in s and "application/json" not in s
        ]
        if handlers or inline:
            offenders[str(path.relative_to(root))] = handlers + inline
    assert len(templates) > 100
    assert offenders == {}


def test_the_api_docs_serve_their_start_up_script_as_a_file(admin, client_for):
    client = client_for(admin)
    page = client.get(reverse("api-docs")).content.decode()
    assert re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>\s*\S", page) == []
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_session_and_csrf_cookies_are_http_only_and_same_site(rep):
    # when
    client = Client()
    client.get(reverse("account_login"))
    client.post(reverse("account_login"), {"login": rep.user.email, "password": "revops-test-pw"})
    # then
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert (session["httponly"], session["samesite"]) == (True, "Lax")
    assert csrf["samesite"] == "Lax"
