"""Sign-in: e-mail login, brute-force lockout per (e-mail, address), password reset, no sign-up."""

import datetime as dt
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.urls import reverse

from revops.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "revops-test-pw"  # the factories' password
LOCKOUT_TEXT = "Too many failed sign-ins"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its own login rate limits in the cache; start every test from zero.
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, email: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def _signed_in_as(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def test_login_with_email_signs_in(rep):
    # given
    client = Client()
    # when
    response = _login(client, "REP1@acme.test", PASSWORD)
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("revops:home")
    assert _signed_in_as(client) == str(rep.user_id)


def test_login_page_renders_in_product_layout(db):
    # when
    response = Client().get(reverse("account_login"))
    # then
    assert response.status_code == 200
    names = [t.name for t in response.templates]
    assert names[:2] == ["account/login.html", "account/base_entrance.html"]
    assert "base.html" in names
    assert 'name="login"' in response.content.decode()


def test_wrong_password_is_refused(rep):
    # given
    client = Client()
    # when
    response = _login(client, rep.user.email, "wrong")
    # then
    assert response.status_code == 200
    assert _signed_in_as(client) is None
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_five_failures_lock_the_email_from_that_address_only(rep):
    # given
    attacker = Client()
    statuses = [_login(attacker, rep.user.email, f"wrong-{i}").status_code for i in range(5)]
    # when
    locked = _login(attacker, rep.user.email, PASSWORD)
    elsewhere = Client()
    from_other_ip = _login(elsewhere, rep.user.email, PASSWORD, ip="10.0.0.2")
    # then
    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    assert LOCKOUT_TEXT in locked.content.decode()
    assert "after 5 failed attempts" in locked.content.decode()
    assert _signed_in_as(attacker) is None
    assert from_other_ip.status_code == 302
    assert _signed_in_as(elsewhere) == str(rep.user_id)


def test_lockout_lifts_after_the_cool_off(rep, settings):
    # given
    client = Client()
    for i in range(5):
        _login(client, rep.user.email, f"wrong-{i}")
    assert _login(client, rep.user.email, PASSWORD).status_code == 429
    # when: the attempts are older than the cool-off
    cool_off = settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - cool_off)
    response = _login(client, rep.user.email, PASSWORD)
    # then
    assert response.status_code == 302
    assert _signed_in_as(client) == str(rep.user_id)


def test_lockout_does_not_lift_before_the_cool_off(rep, settings):
    # given
    client = Client()
    for i in range(5):
        _login(client, rep.user.email, f"wrong-{i}")
    # when: not quite the cool-off later
    almost = settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=30)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - almost)
    response = _login(client, rep.user.email, PASSWORD)
    # then
    assert response.status_code == 429
    assert _signed_in_as(client) is None


def test_password_reset_mails_a_working_link(rep):
    # given
    client = Client()
    # when
    response = client.post(reverse("account_reset_password"), {"email": rep.user.email})
    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rep.user.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)
    set_password_page = client.get(link, follow=True)
    assert set_password_page.status_code == 200
    form_url = set_password_page.redirect_chain[-1][0]
    done = client.post(form_url, {"password1": "A-new-pass-2026", "password2": "A-new-pass-2026"})
    assert done.status_code == 302
    rep.user.refresh_from_db()
    assert rep.user.check_password("A-new-pass-2026") is True
    fresh = Client()
    assert _login(fresh, rep.user.email, "A-new-pass-2026").status_code == 302


def test_password_reset_for_unknown_email_sends_nothing(db):
    # when
    response = Client().post(reverse("account_reset_password"), {"email": "nobody@acme.test"})
    # then
    assert response.status_code == 302
    assert mail.outbox == []


def test_sign_up_is_closed(db):
    # given
    client = Client()
    data = {"email": "walk-in@acme.test", "password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026"}
    # when
    page = client.get(reverse("account_signup"))
    posted = client.post(reverse("account_signup"), data)
    # then
    assert page.templates[0].name == "account/signup_closed.html"
    assert "Sign-up is closed" in page.content.decode()
    assert posted.templates[0].name == "account/signup_closed.html"
    assert User.objects.filter(email="walk-in@acme.test").exists() is False


def test_logout_asks_for_confirmation_then_signs_out(rep, client_for):
    # given
    client = client_for(rep)
    # when
    confirm = client.get(reverse("account_logout"))
    response = client.post(reverse("account_logout"))
    # then
    assert confirm.status_code == 200
    assert "Sign out of revops" in confirm.content.decode()
    assert response.status_code == 302
    assert _signed_in_as(client) is None


@pytest.mark.parametrize("url_name", ["mfa_index", "account_change_password"])
def test_account_security_pages_render_in_product_layout(url_name, rep):
    # given
    client = Client()
    _login(client, rep.user.email, PASSWORD)
    # when
    response = client.get(reverse(url_name))
    # then
    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]


def test_totp_activation_then_sign_in_asks_for_the_second_factor(rep):
    # given: signed in, and the password confirmed again (activating two-factor asks for it)
    client = Client()
    _login(client, rep.user.email, PASSWORD)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    activate = client.get(reverse("mfa_activate_totp"))
    secret = activate.context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    # when
    activated = client.post(reverse("mfa_activate_totp"), {"code": code})
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    recovery_code = codes_page.context["unused_codes"][0]
    client.post(reverse("account_logout"))
    second = Client()
    first_step = _login(second, rep.user.email, PASSWORD)
    after_password_only = _signed_in_as(second)
    challenge = second.get(first_step["Location"])
    signed_in = second.post(first_step["Location"], {"code": recovery_code})
    # then
    assert activate.status_code == 200 and "base.html" in [t.name for t in activate.templates]
    assert activated.status_code == 302
    assert set(Authenticator.objects.filter(user=rep.user).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }
    assert codes_page.status_code == 200
    assert first_step["Location"] == reverse("mfa_authenticate")
    assert after_password_only is None
    assert challenge.status_code == 200 and "base.html" in [t.name for t in challenge.templates]
    assert signed_in.status_code == 302
    assert _signed_in_as(second) == str(rep.user_id)


def test_login_page_renders_fields_in_the_app_style_with_one_reset_link(client):
    # when
    response = client.get(reverse("account_login"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Forgot your password?") == 1
    assert html.count('<div class="field">') == 2  # e-mail and password, label above input
    assert html.count('<div class="field field-check">') == 1  # remember me
    assert "<p>" not in html.split("<form", 1)[1].split("</form>", 1)[0]  # no form.as_p markup
