"""Optimistic concurrency on the core records: a stale edit is refused, never a silent overwrite.

Page: the edit form carries the version it was opened on; a save after someone else's is
answered 409 with the current values that differ, nothing written, and a second save (the
form now on the current version) goes through. API: ETag on every answer about one record,
If-Match on PUT/PATCH; stale → 409 with the current record, nothing written; 428 when the
server requires If-Match.
"""

import re
from decimal import Decimal

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from revops.models import Account, AuditEvent, Opportunity, OpportunityStageChange, Partner
from revops.services.crm import opportunity_update, record_update
from revops.versions import StaleRecordError, record_version
from tests.revops.factories import AccountFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def _hidden_version(html: str) -> str:
    return re.search(r'name="version" value="([0-9a-f]+)"', html).group(1)


def _name(user) -> str:
    return user.get_full_name() or user.email


def _deal_form(opportunity, **changes) -> dict:
    values = {
        "name": opportunity.name,
        "account": opportunity.account_id,
        "owner": opportunity.owner_id,
        "stage": opportunity.stage,
        "amount": str(opportunity.amount),
        "currency": opportunity.currency,
        "created_date": opportunity.created_date.isoformat(),
        "expected_close_date": (
            opportunity.expected_close_date.isoformat() if opportunity.expected_close_date else ""
        ),
        "close_date": "",
        "product_line": opportunity.product_line_id or "",
        "lead_source": opportunity.lead_source,
        "external_id": opportunity.external_id or "",
    }
    return values | changes


def test_a_stale_deal_edit_on_the_page_is_refused_and_shows_what_changed(
    client_for, manager, rep_opportunity
):
    # given: the manager opens the edit form, then the rep moves the deal to negotiation
    url = f"/opportunities/{rep_opportunity.pk}/edit/"
    opened = _hidden_version(client_for(manager).get(url).content.decode())
    opportunity_update(
        opportunity=rep_opportunity, actor=rep_opportunity.owner, data={"stage": "negotiation"}
    )
    rep_opportunity.refresh_from_db()
    before = (Opportunity.objects.values().get(pk=rep_opportunity.pk), AuditEvent.objects.count())
    # when the manager saves the form opened before, with a new amount
    response = client_for(manager).post(
        url, _deal_form(rep_opportunity, stage="prospecting", amount="99000.00", version=opened)
    )
    # then 409, the form says who saved and what differs, and nothing changed
    html = response.content.decode()
    assert response.status_code == 409
    assert "was changed by someone else after you opened it; nothing was saved" in html
    assert "Stage: now Negotiation (yours: Prospecting)" in html
    assert f"Last saved by {_name(rep_opportunity.owner)}" in html
    assert (Opportunity.objects.values().get(pk=rep_opportunity.pk), AuditEvent.objects.count()) == before
    # and the form now carries the current version: saving again, knowingly, goes through
    assert _hidden_version(html) == record_version(rep_opportunity)
    again = client_for(manager).post(
        url, _deal_form(rep_opportunity, amount="99000.00", version=_hidden_version(html))
    )
    assert again.status_code == 302
    rep_opportunity.refresh_from_db()
    assert (rep_opportunity.stage, rep_opportunity.amount) == ("negotiation", Decimal("99000.00"))


def test_an_edit_from_the_current_version_saves(client_for, manager, rep_opportunity):
    # given
    url = f"/opportunities/{rep_opportunity.pk}/edit/"
    opened = _hidden_version(client_for(manager).get(url).content.decode())
    # when
    response = client_for(manager).post(url, _deal_form(rep_opportunity, stage="proposal", version=opened))
    # then
    assert response.status_code == 302
    rep_opportunity.refresh_from_db()
    assert rep_opportunity.stage == "proposal"
    assert (
        OpportunityStageChange.objects.filter(opportunity=rep_opportunity, to_stage="proposal").count() == 1
    )


@pytest.mark.parametrize(
    ("_case", "path", "factory", "theirs", "mine"),
    [
        ("account", "/accounts/{pk}/edit/", AccountFactory, "Theirs Inc", "Mine Inc"),
        ("partner", "/partners/{pk}/edit/", PartnerFactory, "Theirs Partners", "Mine Partners"),
    ],
)
def test_stale_account_and_partner_edits_are_refused(
    client_for, admin, org, _case, path, factory, theirs, mine
):
    # given: a record, its edit form opened, then someone else renames it
    record = factory(organization=org)
    url = path.format(pk=record.pk)
    page = client_for(admin).get(url)
    form = page.context["form"]
    values = {name: form[name].value() for name in form.fields}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    record_update(instance=record, actor=admin.user, data={"name": theirs})
    # when the form opened before is saved with another name
    response = client_for(admin).post(url, values | {"name": mine})
    # then refused, nothing written
    record.refresh_from_db()
    assert response.status_code == 409
    assert f"now {theirs} (yours: {mine})" in response.content.decode()
    assert record.name == theirs


def test_the_service_refuses_a_stale_version_and_writes_nothing(admin, org):
    # given
    account = AccountFactory(organization=org, name="Initech")
    opened = record_version(account)
    record_update(instance=account, actor=admin.user, data={"name": "Initrode"})
    audits = AuditEvent.objects.count()
    # when / then
    with pytest.raises(StaleRecordError) as refused:
        record_update(
            instance=account, actor=admin.user, data={"segment": "enterprise"}, expected_version=opened
        )
    assert refused.value.last_save.by == _name(admin.user)
    assert (Account.objects.get(pk=account.pk).segment, AuditEvent.objects.count()) == (
        account.segment,
        audits,
    )


def _api(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


def test_api_etag_and_if_match_refuse_a_stale_patch_with_409(admin, rep_opportunity):
    # given: the client reads the deal and its ETag; then someone moves it
    client = _api(admin)
    url = f"/api/v1/opportunities/{rep_opportunity.pk}/"
    tag = client.get(url)["ETag"]
    assert tag == f'"{record_version(rep_opportunity)}"'
    opportunity_update(opportunity=rep_opportunity, actor=admin.user, data={"stage": "negotiation"})
    before = Opportunity.objects.values().get(pk=rep_opportunity.pk)
    # when the client patches with the ETag it read
    stale = client.patch(url, {"amount": "1.00"}, format="json", HTTP_IF_MATCH=tag)
    # then 409 with the current version and record, nothing written
    rep_opportunity.refresh_from_db()
    body = stale.json()
    assert stale.status_code == 409
    assert body["detail"] == "Opportunity was changed by someone else after you opened it; nothing was saved."
    assert body["current_version"] == record_version(rep_opportunity)
    assert stale["ETag"] == f'"{body["current_version"]}"'
    assert (body["current"]["stage"], body["last_saved_by"]) == ("negotiation", _name(admin.user))
    assert Opportunity.objects.values().get(pk=rep_opportunity.pk) == before
    # and with the current ETag the patch goes through and answers the new ETag
    fresh = client.patch(url, {"amount": "1.00"}, format="json", HTTP_IF_MATCH=stale["ETag"])
    rep_opportunity.refresh_from_db()
    assert (fresh.status_code, rep_opportunity.amount) == (200, Decimal("1.00"))
    assert fresh["ETag"] == f'"{record_version(rep_opportunity)}"'


def test_api_put_with_a_stale_if_match_is_409_too(admin, org):
    # given
    client = _api(admin)
    partner = PartnerFactory(organization=org, name="Northwind")
    url = f"/api/v1/partners/{partner.pk}/"
    body = client.get(url).json()
    tag = f'"{record_version(partner)}"'
    record_update(instance=partner, actor=admin.user, data={"tier": "gold"})
    # when
    response = client.put(url, body | {"name": "Renamed"}, format="json", HTTP_IF_MATCH=tag)
    # then
    assert response.status_code == 409
    assert Partner.objects.get(pk=partner.pk).name == "Northwind"


def test_api_if_match_star_and_no_header_overwrite_and_428_when_required(admin, org):
    # given
    client = _api(admin)
    account = AccountFactory(organization=org, name="Initech")
    url = f"/api/v1/accounts/{account.pk}/"
    # when / then: * matches any version, no header overwrites (the default)
    assert client.patch(url, {"name": "A"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert client.patch(url, {"name": "B"}, format="json").status_code == 200
    # and when the server requires If-Match, a write without it is 428 and changes nothing
    with override_settings(API_REQUIRE_IF_MATCH=True):
        required = client.patch(url, {"name": "C"}, format="json")
        two_tags = client.patch(url, {"name": "C"}, format="json", HTTP_IF_MATCH='"a", "b"')
    assert (required.status_code, two_tags.status_code) == (428, 400)
    assert "If-Match" in required.json()["detail"]
    assert Account.objects.get(pk=account.pk).name == "B"


def test_the_schema_documents_if_match_etag_409_and_428(admin):
    # when
    schema = _api(admin).get("/api/schema/?format=json").json()
    record = schema["paths"]["/api/v1/opportunities/{id}/"]
    # then
    assert "If-Match" in {p["name"] for p in record["patch"]["parameters"] if p["in"] == "header"}
    assert {"409", "428"} <= set(record["patch"]["responses"])
    assert "ETag" in record["patch"]["responses"]["200"]["headers"]
    assert "ETag" in record["get"]["responses"]["200"]["headers"]
