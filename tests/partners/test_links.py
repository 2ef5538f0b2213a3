"""Signed registration links: created and revoked by a manager; the public form registers deals
for the link's partner; expired, revoked, tampered and replayed links are refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners.models import DealRegistration, RegistrationLink, RegistrationStatus
from partners.selectors.links import LINK_SALT, LinkGone, LinkNotFound, link_for_token, link_token
from partners.services.approvals import registration_decide
from partners.services.links import LINK_DAYS_RANGE, registration_link_create, registration_link_revoke
from revops.models import AuditEvent, Partner
from tests.partners.factories import registration_input
from tests.revops.factories import PartnerFactory, ProductLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(manager, partner):
    return registration_link_create(membership=manager, partner=partner, label="Sales team")


def _url(link_or_token) -> str:
    token = link_or_token if isinstance(link_or_token, str) else link_token(link_or_token)
    return reverse("registration-link", args=[token])


def _form(line, **overrides) -> dict:
    data = {
        "submitter_name": "Jane Doe",
        "submitter_email": "jane@northwind.test",
        "account_name": "Bluebird Logistics",
        "domain": "bluebird.example",
        "contact_name": "Ada Byrne",
        "contact_email": "ada@bluebird.example",
        "estimated_value": "25000.00",
        "currency": "USD",
        "product_line": line.pk,
        "expected_close": "2026-06-30",
        "role": "referral",
    }
    return data | overrides


def test_manager_creates_a_link_with_an_expiry_and_an_audit(manager, partner):
    now = timezone.now()
    link = registration_link_create(membership=manager, partner=partner, days=30, now=now)
    assert link.expires_at == now + dt.timedelta(days=30)
    assert link.created_by == manager.user
    assert AuditEvent.objects.filter(action="registration_link.create", object_id=str(link.pk)).exists()


@pytest.mark.parametrize("days", [0, 367])
def test_link_validity_is_bounded(manager, partner, days):
    with pytest.raises(Exception) as exc:
        registration_link_create(membership=manager, partner=partner, days=days)
    assert LINK_DAYS_RANGE in str(exc.value)
    assert RegistrationLink.objects.count() == 0


@pytest.mark.parametrize("actor", ["rep", "finance_admin", "partner_user"])
def test_only_managers_and_admins_create_links(request, partner, actor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        registration_link_create(membership=request.getfixturevalue(actor), partner=partner)
    assert RegistrationLink.objects.count() == 0


def test_another_organizations_partner_gets_no_link(manager, other_org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        registration_link_create(membership=manager, partner=PartnerFactory(organization=other_org))


def test_anyone_with_the_link_registers_for_its_partner(link, line, partner):
    client = Client()
    page = client.get(_url(link))
    assert page.status_code == 200
    assert "Northwind Partners" in page.content.decode()
    response = client.post(_url(link), _form(line))
    assert response.status_code == 200, response.content.decode()
    registration = DealRegistration.objects.get()
    assert registration.partner == partner
    assert registration.submitted_by is None
    assert (registration.submitter_name, registration.submitter_email) == ("Jane Doe", "jane@northwind.test")
    assert registration.link == link
    assert registration.steps and registration.status == RegistrationStatus.SUBMITTED
    event = AuditEvent.objects.get(action="deal_registration.submit", object_id=str(registration.pk))
    assert event.after["link"] == link.pk and event.after["submitter_email"] == "jane@northwind.test"
    assert f"Registration {registration.pk}" in response.content.decode()


def test_link_registration_shows_the_conflict_and_is_decided_like_any(
    link, line, other_partner_user, manager, mailoutbox, django_capture_on_commit_callbacks
):
    from partners.services.registrations import registration_submit

    registration_submit(membership=other_partner_user, data=registration_input(line))
    response = Client().post(_url(link), _form(line))
    assert "Another partner has registered this company." in response.content.decode()
    registration = DealRegistration.objects.get(link=link)
    assert registration.has_conflict
    with django_capture_on_commit_callbacks(execute=True):
        registration_decide(membership=manager, registration_id=registration.pk, approve=False, reason="Dup")
    assert DealRegistration.objects.get(pk=registration.pk).status == RegistrationStatus.REJECTED
    assert any("jane@northwind.test" in mail.to for mail in mailoutbox)


def test_the_form_validates_like_the_portal(link, line):
    response = Client().post(_url(link), _form(line, estimated_value="-5", submitter_email=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"estimated_value", "submitter_email"}
    assert DealRegistration.objects.count() == 0


def test_expired_link_is_gone(manager, partner, line):
    link = registration_link_create(
        membership=manager, partner=partner, days=1, now=timezone.now() - dt.timedelta(days=2)
    )
    assert Client().get(_url(link)).status_code == 410
    assert Client().post(_url(link), _form(line)).status_code == 410
    assert DealRegistration.objects.count() == 0


def test_revoked_link_is_gone(link, manager, line):
    registration_link_revoke(membership=manager, link=link)
    response = Client().post(_url(link), _form(line))
    assert response.status_code == 410
    assert "no longer works" in response.content.decode()
    assert DealRegistration.objects.count() == 0
    assert AuditEvent.objects.filter(action="registration_link.revoke").count() == 1
    registration_link_revoke(membership=manager, link=link)  # a no-op
    assert AuditEvent.objects.filter(action="registration_link.revoke").count() == 1


def test_inactive_partners_link_is_gone(link, partner):
    Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.SUSPENDED)
    assert Client().get(_url(link)).status_code == 410


def test_tampered_token_is_not_found(link, line):
    token = link_token(link)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token + "x", "plain", token[5:]):
        assert Client().post(_url(bad), _form(line)).status_code == 404
    assert DealRegistration.objects.count() == 0


def test_link_cannot_be_replayed_for_another_partner(link, other_partner, line):
    token = link_token(link)
    payload = signing.loads(token, salt=LINK_SALT)
    # Edit the partner id inside the signed value and keep the old signature: refused.
    forged_payload = signing.dumps(payload | {"p": other_partner.pk}, salt=LINK_SALT, compress=True)
    forged = forged_payload.rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]
    with pytest.raises(LinkNotFound):
        link_for_token(forged)
    # Even correctly signed (which needs the secret key), the ids must match the link's row.
    with pytest.raises(LinkNotFound):
        link_for_token(forged_payload)
    # Signed with another salt (another kind of signed value of the product): refused.
    with pytest.raises(LinkNotFound):
        link_for_token(signing.dumps(payload, salt="another.purpose"))
    assert Client().post(_url(forged), _form(line)).status_code == 404
    assert not DealRegistration.objects.filter(partner=other_partner).exists()


def test_link_selector_answers(link):
    assert link_for_token(link_token(link)) == link
    with pytest.raises(LinkGone):
        link_for_token(link_token(link), now=link.expires_at + dt.timedelta(seconds=1))


def test_another_organizations_product_line_is_refused(link, other_org, line):
    foreign = ProductLineFactory(organization=other_org, name="Foreign", code="foreign")
    response = Client().post(_url(link), _form(line, product_line=foreign.pk))
    assert response.status_code == 400
    assert "product_line" in response.context["form"].errors
    assert DealRegistration.objects.count() == 0


def test_submissions_are_rate_limited(link, line, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "partners_registration_link": "2/m/ip"}
    client = Client()
    codes = [client.post(_url(link), _form(line, account_name=f"Company {i}")).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    assert DealRegistration.objects.count() == 2


def test_links_page_creates_and_revokes(manager, partner, client_for):
    client = client_for(manager)
    response = client.post(reverse("partners:links"), {"partner": partner.pk, "days": 30, "label": "Team"})
    assert response.status_code == 302
    link = RegistrationLink.objects.get()
    page = client.get(reverse("partners:links")).content.decode()
    # (a token is signed with the time it is made: compare the links the page's tokens stand for)
    assert _linked_pks(page) == [link.pk]
    client.post(reverse("partners:link-revoke", args=[link.pk]))
    assert RegistrationLink.objects.get().revoked_at is not None
    assert _linked_pks(client.get(reverse("partners:links")).content.decode()) == []


def _linked_pks(page: str) -> list[int]:
    tokens = set(re.findall(r"/register/([A-Za-z0-9_:.-]+)/", page))
    return sorted(signing.loads(token, salt=LINK_SALT)["l"] for token in tokens)


def test_links_page_refuses_another_organizations_partner(manager, other_org, client_for):
    foreign = PartnerFactory(organization=other_org)
    response = client_for(manager).post(reverse("partners:links"), {"partner": foreign.pk, "days": 30})
    assert response.status_code == 400
    assert RegistrationLink.objects.count() == 0
