"""Attribution API: revenue events (list, filter, bulk create all-or-nothing, idempotent)."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from attribution.models import AttributionEntry, RevenueEvent
from revops.models import AuditEvent, JobRun
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/attribution/revenue-events/"


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


@pytest.fixture
def deal(org, partner):
    deal = OpportunityFactory(organization=org, external_id="OPP-1")
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, split_percent=Decimal("10.00")
    )
    return deal


def test_bulk_create_creates_events_and_posts_them(admin, org, deal, partner):
    # given
    account = AccountFactory(organization=org, external_id="ACC-9")
    items = [
        {
            "external_id": "inv-1",
            "date": "2026-03-05",
            "amount": "1000.00",
            "opportunity_external_id": "OPP-1",
        },
        {"external_id": "inv-2", "date": "2026-03-06", "amount": 250.5, "account_external_id": "ACC-9"},
    ]
    # when
    response = api_for(admin).post(EVENTS, items, format="json")
    # then
    job = JobRun.objects.get()
    assert (response.status_code, response.json()) == (
        201,
        {"job": job.pk, "created": 2, "existing": 0, "posted_entries": 1},
    )
    events = RevenueEvent.objects.values_list(
        "external_id", "amount", "opportunity_id", "account_id", "source"
    )
    assert list(events) == [
        ("inv-1", Decimal("1000.00"), deal.pk, deal.account_id, "api"),
        ("inv-2", Decimal("250.50"), None, account.pk, "api"),
    ]
    entry = AttributionEntry.objects.get()
    assert (entry.partner_id, entry.amount, entry.revenue_event.external_id) == (
        partner.pk,
        Decimal("100.00"),
        "inv-1",
    )
    audit = AuditEvent.objects.get(action="revenue_event.import")
    assert (audit.actor, audit.object_id, audit.after) == (
        admin.user,
        str(job.pk),
        {"create": 2, "update": 0, "unchanged": 0, "total_amount": "1250.50", "posted_entries": 1},
    )


def test_bulk_create_is_idempotent_by_external_id(admin, org, deal):
    # given
    client = api_for(admin)
    items = [
        {
            "external_id": "inv-1",
            "date": "2026-03-05",
            "amount": "1000.00",
            "opportunity_external_id": "OPP-1",
        }
    ]
    client.post(EVENTS, items, format="json")
    # when
    again = client.post(
        EVENTS,
        [
            *items,
            {
                "external_id": "inv-9",
                "date": "2026-03-07",
                "amount": "10",
                "opportunity_external_id": "OPP-1",
            },
        ],
        format="json",
    )
    repeat = client.post(EVENTS, items, format="json")
    # then
    assert (again.status_code, again.json()["created"], again.json()["existing"]) == (201, 1, 1)
    assert repeat.status_code == 200
    assert repeat.json() == {"job": repeat.json()["job"], "created": 0, "existing": 1, "posted_entries": 0}
    assert sorted(RevenueEvent.objects.values_list("external_id", flat=True)) == ["inv-1", "inv-9"]
    assert AttributionEntry.objects.count() == 2


def test_bulk_create_with_one_bad_item_writes_nothing(admin, org, other_org, deal):
    # given
    other_org_opportunity = OpportunityFactory(organization=other_org, external_id="OPP-GLOBEX")
    items = [
        {"external_id": "ok-1", "date": "2026-03-05", "amount": "10.00", "opportunity_external_id": "OPP-1"},
        {
            "external_id": "bad-1",
            "date": "2026-03-05",
            "amount": "10.001",
            "opportunity_external_id": "OPP-1",
        },
        {
            "external_id": "bad-2",
            "date": "not a date",
            "amount": "1",
            "opportunity_external_id": other_org_opportunity.external_id,
        },
        {"external_id": "bad-3", "date": "2026-03-05", "amount": "1"},
        {
            "external_id": "bad-4",
            "date": "2026-03-05",
            "amount": "1",
            "opportunity_external_id": other_org_opportunity.external_id,
        },
    ]
    # when
    response = api_for(admin).post(EVENTS, items, format="json")
    # then
    job = JobRun.objects.get()
    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": "Nothing was created: 4 error(s).",
            "errors": [
                "line 3, amount: '10.001' has more than 2 decimal places",
                "line 4, date: 'not a date' is not a date (use YYYY-MM-DD)",
                "line 5, account_external_id: give an account_external_id or an opportunity_external_id",
                f"line 6, opportunity_external_id: no opportunity with external id "
                f"{other_org_opportunity.external_id!r}",
            ],
            "job": job.pk,
        },
    )
    assert job.status == JobRun.Status.FAILED
    assert not RevenueEvent.objects.exists()
    assert not AttributionEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="revenue_event.import").exists()


def test_bulk_create_refuses_repeated_external_ids_and_mismatched_account(admin, org, deal):
    # given
    AccountFactory(organization=org, external_id="ACC-OTHER")
    items = [
        {"external_id": "x", "date": "2026-03-05", "amount": "1", "opportunity_external_id": "OPP-1"},
        {"external_id": "x", "date": "2026-03-06", "amount": "2", "opportunity_external_id": "OPP-1"},
        {
            "external_id": "y",
            "date": "2026-03-06",
            "amount": "2",
            "opportunity_external_id": "OPP-1",
            "account_external_id": "ACC-OTHER",
        },
    ]
    # when
    mismatch = api_for(admin).post(EVENTS, items[2:], format="json")
    repeated = api_for(admin).post(EVENTS, items[:2], format="json")
    # then
    assert (mismatch.status_code, repeated.status_code) == (400, 400)
    assert mismatch.json()["errors"] == ["line 2, account_external_id: is not the account of the opportunity"]
    assert repeated.json()["errors"] == ["line 3, external_id: 'x' already appears on line 2"]
    assert not RevenueEvent.objects.exists()
    assert not AttributionEntry.objects.exists()


@pytest.mark.parametrize("_case", ["finance_admin", "rep"])
def test_bulk_create_needs_the_attribution_edit_capability(_case, request, org, deal):
    # given
    member = request.getfixturevalue(_case)
    items = [{"external_id": "x", "date": "2026-03-05", "amount": "1", "opportunity_external_id": "OPP-1"}]
    # when
    response = api_for(member).post(EVENTS, items, format="json")
    # then
    assert response.status_code == 403
    assert (RevenueEvent.objects.count(), JobRun.objects.count()) == (0, 0)


def test_bulk_create_needs_a_list(admin, org):
    # when
    response = api_for(admin).post(EVENTS, {"external_id": "x"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Send a list of revenue events."]}
    assert not RevenueEvent.objects.exists()


def test_bulk_create_refuses_more_than_the_item_limit(admin, org, deal):
    # given
    items = [
        {"external_id": f"e-{n}", "date": "2026-03-05", "amount": "1", "opportunity_external_id": "OPP-1"}
        for n in range(1001)
    ]
    # when
    response = api_for(admin).post(EVENTS, items, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "Send at most 1000 revenue events per request; larger files go through the file import."
        ]
    }
    assert not RevenueEvent.objects.exists()


def test_list_filters_by_date_and_opportunity(finance_admin, org, deal):
    # given
    early = RevenueEventFactory(organization=org, opportunity=deal, date=dt.date(2026, 1, 5))
    late = RevenueEventFactory(organization=org, opportunity=deal, date=dt.date(2026, 4, 5))
    elsewhere = RevenueEventFactory(organization=org, date=dt.date(2026, 4, 6))
    client = api_for(finance_admin)
    # when
    by_date = client.get(EVENTS, {"date_after": "2026-02-01", "opportunity": deal.pk})
    everything = client.get(EVENTS)
    # then
    assert [e["id"] for e in by_date.json()["results"]] == [late.pk]
    assert [e["id"] for e in everything.json()["results"]] == [early.pk, late.pk, elsewhere.pk]


def test_rep_sees_only_revenue_of_their_deals(rep, rep_opportunity, other_rep_opportunity, org):
    # given
    mine = RevenueEventFactory(organization=org, opportunity=rep_opportunity)
    theirs = RevenueEventFactory(organization=org, opportunity=other_rep_opportunity)
    client = api_for(rep)
    # when
    listed = client.get(EVENTS)
    other = client.get(f"{EVENTS}{theirs.pk}/")
    # then
    assert [e["id"] for e in listed.json()["results"]] == [mine.pk]
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("_case", "value", "error"),
    [
        ("huge", "x" * 40_000, "line 2: a value is longer than 32768 characters."),
        ("nested", ["inv-1"], "line 2: a value is a list or an object, not a single value."),
    ],
)
def test_bulk_create_refuses_values_no_column_can_hold(_case, value, error, admin, org, deal):
    # given: before, a NUL byte reached PostgreSQL and answered 500
    items = [{"external_id": value, "date": "2026-03-05", "amount": "1", "opportunity_external_id": "OPP-1"}]
    # when
    response = api_for(admin).post(EVENTS, items, format="json")
    # then
    assert (response.status_code, response.json()["errors"]) == (400, [error])
    assert (RevenueEvent.objects.count(), JobRun.objects.get().status) == (0, JobRun.Status.FAILED)


def test_bulk_create_refuses_a_nul_byte_before_any_job(admin, org, deal):
    # given: a NUL byte once reached PostgreSQL and answered 500; the API's JSON parser now
    # refuses any control character, naming the item and field (revops/api/parsers.py)
    items = [
        {"external_id": "inv\u00001", "date": "2026-03-05", "amount": "1", "opportunity_external_id": "OPP-1"}
    ]
    # when
    response = api_for(admin).post(EVENTS, items, format="json")
    # then
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "0.external_id: contains the control character U+0000."},
    )
    assert (RevenueEvent.objects.count(), JobRun.objects.count()) == (0, 0)
