"""Double submit of a page form (revops.submit_once): the same form sent twice has one effect.

Sequential on any database; the burst of simultaneous submits runs on PostgreSQL, each thread
with its own connection.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from attribution.models import OpportunityPartner
from partners.models import DealRegistration, PartnerDispute
from revops.models import Account, AuditEvent, IdempotencyKey, Partner
from revops.submit_once import ALREADY_SUBMITTED, STILL_RUNNING
from tests.attribution.factories import OpportunityPartnerFactory
from tests.races import race
from tests.revops.factories import MembershipFactory, PartnerFactory, ProductLineFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

ACCOUNT = {"name": "Initech", "domain": "initech.example", "segment": "smb", "region": "emea"}


@pytest.fixture
def line(org):
    return ProductLineFactory(organization=org, name="Analytics", code="analytics")


def _token(html: str) -> str:
    return re.search(r'name="form_token" value="([\w-]+)"', html).group(1)


def _registration(line) -> dict:
    return {
        "account_name": "Bluebird Logistics",
        "domain": "bluebird.example",
        "estimated_value": "25000",
        "currency": "USD",
        "product_line": line.pk,
        "expected_close": "2026-06-30",
        "role": "referral",
    }


def test_a_create_form_sent_twice_creates_one_record_and_answers_its_result(client_for, admin):
    # given: the new-account form, with its token
    client = client_for(admin)
    token = _token(client.get("/accounts/new/").content.decode())
    # when it is sent twice (a double click)
    first = client.post("/accounts/new/", ACCOUNT | {"form_token": token})
    second = client.post("/accounts/new/", ACCOUNT | {"form_token": token})
    # then one account; the second answer is the first's result, with a message
    account = Account.objects.get(organization=admin.organization)
    assert (first.status_code, first["Location"]) == (302, f"/accounts/{account.pk}/")
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert [str(m) for m in get_messages(second.wsgi_request)] == [ALREADY_SUBMITTED]
    assert AuditEvent.objects.filter(action="account.create").count() == 1


def test_a_refused_submit_releases_its_token_so_the_corrected_form_goes_through(client_for, admin):
    # given
    client = client_for(admin)
    token = _token(client.get("/accounts/new/").content.decode())
    # when: the form is sent without a name, then corrected with the same token
    refused = client.post("/accounts/new/", ACCOUNT | {"name": "", "form_token": token})
    assert (refused.status_code, Account.objects.count(), IdempotencyKey.objects.count()) == (400, 0, 0)
    corrected = client.post("/accounts/new/", ACCOUNT | {"form_token": token})
    # then
    assert corrected.status_code == 302
    assert list(Account.objects.values_list("name", flat=True)) == ["Initech"]


def test_a_token_is_for_one_form_and_one_user(client_for, admin, org):
    # given: a token used on the new-account form
    token = _token(client_for(admin).get("/accounts/new/").content.decode())
    client_for(admin).post("/accounts/new/", ACCOUNT | {"form_token": token})
    # when the same token comes with another form, and another user's form
    other_form = client_for(admin).post("/partners/new/", {"name": "Contoso", "form_token": token})
    colleague = MembershipFactory(organization=org, role="admin")
    theirs = client_for(colleague).post("/accounts/new/", ACCOUNT | {"name": "Globex", "form_token": token})
    # then the other form is refused and nothing written; the colleague's form is their own
    assert (other_form.status_code, other_form.content.decode()) == (
        400,
        "This form token belongs to another form; reload the page.",
    )
    assert not Partner.objects.filter(name="Contoso").exists()
    assert theirs.status_code == 302
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Globex", "Initech"]


def test_a_registration_sent_twice_is_one_registration(client_for, partner_user, line):
    # given
    client = client_for(partner_user)
    token = _token(client.get(reverse("portal:registration-new")).content.decode())
    # when
    answers = [
        client.post(reverse("portal:registration-new"), _registration(line) | {"form_token": token})
        for _ in range(2)
    ]
    # then
    registration = DealRegistration.objects.get()
    assert [(a.status_code, a["Location"]) for a in answers] == [
        (302, f"/portal/registrations/{registration.pk}/")
    ] * 2


def test_an_htmx_split_change_sent_twice_is_one_change_and_the_same_fragment(
    client_for, admin, org, rep_opportunity
):
    # given
    partner = PartnerFactory(organization=org, name="Alpha")
    url = reverse("attribution:deal-split", args=[rep_opportunity.pk])
    page = client_for(admin).get(reverse("attribution:deal", args=[rep_opportunity.pk]))
    data = {
        "partner": partner.pk,
        "role": "referral",
        "split_percent": "12",
        "reason": "Sourced it",
        "form_token": _token(page.content.decode()),
    }
    # when
    first = client_for(admin).post(url, data, HTTP_HX_REQUEST="true")
    second = client_for(admin).post(url, data, HTTP_HX_REQUEST="true")
    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert OpportunityPartner.objects.get(opportunity=rep_opportunity).split_percent == Decimal("12.00")
    assert AuditEvent.objects.filter(action="opportunity_partner.set").count() == 1


def test_a_dispute_sent_twice_is_one_dispute(client_for, org, partner_user, rep_opportunity):
    # given: the partner's deal
    OpportunityPartnerFactory(organization=org, opportunity=rep_opportunity, partner=partner_user.partner)
    client = client_for(partner_user)
    form = client.get(f"/portal/disputes/new/?deal={rep_opportunity.pk}")
    data = {
        "deal": rep_opportunity.pk,
        "claim": "We sourced it",
        "proposed_split_percent": "20",
        "form_token": _token(form.content.decode()),
    }
    # when
    answers = [client.post("/portal/disputes/new/", data) for _ in range(2)]
    # then
    dispute = PartnerDispute.objects.get()
    assert [a["Location"] for a in answers] == [f"/portal/disputes/{dispute.pk}/"] * 2


@pytest.mark.postgres
@pytest.mark.usefixtures("flushable_db")
def test_five_simultaneous_submits_of_one_registration_make_one(partner_user, line):
    # given: five clients of the same user sending the same form at the same moment
    clients = []
    for _ in range(5):
        client = Client()
        client.force_login(partner_user.user)
        clients.append(client)
    token = _token(clients[0].get(reverse("portal:registration-new")).content.decode())
    data = _registration(line) | {"form_token": token}
    # when
    answers = race(*(lambda c=c: c.post(reverse("portal:registration-new"), data) for c in clients))
    # then one registration; every answer is its result or "still being processed"
    registration = DealRegistration.objects.get()
    result = f"/portal/registrations/{registration.pk}/"
    outcomes = sorted((a.status_code, a.get("Location") or a.content.decode()) for a in answers)
    assert set(outcomes) <= {(302, result), (409, STILL_RUNNING)}
    assert outcomes[0] == (302, result)
    assert AuditEvent.objects.filter(action="deal_registration.submit").count() == 1
