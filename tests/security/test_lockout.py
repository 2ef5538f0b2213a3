"""Sign-in lockout behind a proxy: the client's own address, never one a stranger can borrow."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from revops.auth import client_ip

PASSWORD = "revops-test-pw"  # the factories' password
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _request(remote: str, forwarded: str | None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "203.0.113.9", "198.51.100.7"),  # exposed: the header is ignored
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "203.0.113.66, 198.51.100.7", "198.51.100.7"),  # a forged left part is ignored
        (2, PROXY, "203.0.113.66, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, PROXY, "198.51.100.7", PROXY),  # shorter than the trusted chain: the proxy's own
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, None, PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip(count, remote, forwarded, expected, settings):
    settings.REVOPS_TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(remote, forwarded)) == expected


def _login(email: str, password: str, client_address: str):
    return Client().post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
    )


def test_behind_the_proxy_a_stranger_cannot_lock_a_victim_out(rep, settings):
    # given: every request comes from the TLS proxy, which says who the client was
    settings.REVOPS_TRUSTED_PROXY_COUNT = 1
    stranger, victim = "203.0.113.9", "198.51.100.7"
    # when: five wrong passwords for the victim's e-mail from the stranger's address
    failures = [_login(rep.user.email, f"wrong-{i}", stranger).status_code for i in range(5)]
    stranger_again = _login(rep.user.email, PASSWORD, stranger)
    victim_signs_in = _login(rep.user.email, PASSWORD, victim)
    # then: the stranger is locked out, the victim is not
    assert failures == [200, 200, 200, 200, 429]  # the fifth failure locks
    assert stranger_again.status_code == 429
    assert victim_signs_in.status_code == 302


def test_a_forged_forwarded_header_does_not_escape_the_lockout(rep, settings):
    # given
    settings.REVOPS_TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        _login(rep.user.email, f"wrong-{i}", f"192.0.2.{i}, 203.0.113.9")
    # when: a new invented left-hand address, the same real one
    response = _login(rep.user.email, PASSWORD, "192.0.2.200, 203.0.113.9")
    # then
    assert response.status_code == 429


def test_a_password_reset_lifts_the_lockout(rep, settings):
    # given: locked out from this address
    settings.REVOPS_TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        _login(rep.user.email, f"wrong-{i}", "198.51.100.7")
    assert _login(rep.user.email, PASSWORD, "198.51.100.7").status_code == 429
    # when: the owner of the e-mail resets the password through the mailed link
    client = Client()
    client.post(reverse("account_reset_password"), {"email": rep.user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"password1": "A-new-pass-2026", "password2": "A-new-pass-2026"})
    # then
    assert _login(rep.user.email, "A-new-pass-2026", "198.51.100.7").status_code == 302
