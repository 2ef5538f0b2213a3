"""Attribution API: ledger entries and totals (filters, scope, query budget) and recompute runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from attribution.models import AttributionEntry
from attribution.selectors.alignment import alignment_state_current
from attribution.services.recompute import attribution_recompute
from revops.models import JobRun
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/attribution"
LEDGER = f"{BASE}/ledger/"


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


def _book(org, deals: int, *, owner=None, partner=None, day=dt.date(2026, 2, 10)) -> list:
    """`deals` deals, each with a 10 % partner and one 1,000.00 event; posted to the ledger."""
    partner = partner or PartnerFactory(organization=org)
    made = []
    for _ in range(deals):
        deal = OpportunityFactory(organization=org, owner=owner)
        OpportunityPartnerFactory(
            organization=org, opportunity=deal, partner=partner, split_percent=Decimal("10")
        )
        RevenueEventFactory(organization=org, opportunity=deal, date=day, amount=Decimal("1000.00"))
        made.append(deal)
    attribution_recompute(organization=org)
    return made


def test_ledger_list_filters_by_partner_date_and_opportunity(finance_admin, org, partner):
    # given
    [feb] = _book(org, 1, partner=partner)
    [apr] = _book(org, 1, partner=partner, day=dt.date(2026, 4, 2))
    _book(org, 1)
    client = api_for(finance_admin)
    # when
    by_partner = client.get(LEDGER, {"partner": partner.pk})
    by_date = client.get(
        LEDGER, {"partner": partner.pk, "date_after": "2026-03-01", "date_before": "2026-04-30"}
    )
    by_deal = client.get(LEDGER, {"opportunity": feb.pk, "kind": "original"})
    # then
    assert [e["opportunity"] for e in by_partner.json()["results"]] == [feb.pk, apr.pk]
    assert [e["opportunity"] for e in by_date.json()["results"]] == [apr.pk]
    [entry] = by_deal.json()["results"]
    assert (entry["partner_name"], entry["amount"], entry["split_percent"], entry["kind"]) == (
        "Northwind Partners",
        "100.00",
        "10.00",
        "original",
    )
    assert (entry["revenue_date"], entry["period_label"]) == ("2026-02-10", "2026-02")


def test_ledger_account_filter_means_the_events_or_the_deals_account_as_on_the_page(
    finance_admin, org, partner, client_for
):
    # given: a deal's event recorded without its account, and an account-level event
    deal = OpportunityFactory(organization=org)
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, split_percent=Decimal("10")
    )
    RevenueEventFactory(organization=org, opportunity=deal, account=None, amount=Decimal("1000.00"))
    _book(org, 1)  # another account's deal
    attribution_recompute(organization=org)
    # when
    api = api_for(finance_admin).get(LEDGER, {"account": deal.account_id})
    page = client_for(finance_admin).get("/attribution/ledger/", {"account": deal.account_id})
    # then: the API and the page (one FilterSet) both find the deal's entry
    assert [(e["opportunity"], e["amount"]) for e in api.json()["results"]] == [(deal.pk, "100.00")]
    assert [e.revenue_event.opportunity_id for e in page.context["filterset"].qs] == [deal.pk]


def test_ledger_totals_follow_the_filters(manager, org_wide_manager, org, partner):
    # given
    _book(org, 2, partner=partner)
    _book(org, 1, partner=PartnerFactory(organization=org, name="Alpha"))
    # when
    everything = api_for(org_wide_manager).get(f"{LEDGER}totals/")
    one = api_for(org_wide_manager).get(f"{LEDGER}totals/", {"partner": partner.pk})
    # then
    assert everything.json() == {
        "entries": 3,
        "total": "300.00",
        "by_partner": [
            {
                "partner": everything.json()["by_partner"][0]["partner"],
                "partner_name": "Alpha",
                "entries": 1,
                "total": "100.00",
            },
            {"partner": partner.pk, "partner_name": "Northwind Partners", "entries": 2, "total": "200.00"},
        ],
    }
    assert (one.json()["entries"], one.json()["total"]) == (2, "200.00")


def test_ledger_list_query_count_does_not_grow_with_rows(finance_admin, org):
    # given
    client = api_for(finance_admin)
    _book(org, 1)
    client.get(LEDGER)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as small:
        first = client.get(LEDGER)
    _book(org, 12)
    # when
    with CaptureQueriesContext(connection) as large:
        second = client.get(LEDGER)
    # then
    assert (first.json()["count"], second.json()["count"]) == (1, 13)
    assert len(large.captured_queries) == len(small.captured_queries) == 6


def test_rep_sees_ledger_entries_of_their_deals_only(rep, other_rep, org):
    # given
    [mine] = _book(org, 1, owner=rep.user)
    _book(org, 1, owner=other_rep.user)
    # when
    response = api_for(rep).get(LEDGER)
    # then
    assert [e["opportunity"] for e in response.json()["results"]] == [mine.pk]


def test_ledger_has_no_write_routes(admin, org):
    # given
    _book(org, 1)
    entry = AttributionEntry.objects.get()
    client = api_for(admin)
    # when
    posted = client.post(LEDGER, {}, format="json")
    deleted = client.delete(f"{LEDGER}{entry.pk}/")
    # then
    assert (posted.status_code, deleted.status_code) == (405, 405)
    assert AttributionEntry.objects.count() == 1


def test_recompute_returns_a_job_run_and_posts_entries(
    manager, org, partner, django_capture_on_commit_callbacks
):
    # given
    deal = OpportunityFactory(organization=org, owner=manager.user)
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, split_percent=Decimal("20")
    )
    RevenueEventFactory(organization=org, opportunity=deal, amount=Decimal("500.00"))
    client = api_for(manager)
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"{BASE}/recompute/", {"idempotency_key": "nightly-1"}, format="json")
    polled = client.get(response.json()["url"])
    # then
    assert response.status_code == 202
    job = JobRun.objects.get()
    assert (response.json()["id"], response.json()["status"], response.json()["kind"]) == (
        job.pk,
        "queued",
        "attribution.recompute",
    )
    assert response.json()["url"] == f"http://testserver{BASE}/jobs/{job.pk}/"
    assert len(callbacks) == 1
    assert (polled.json()["status"], polled.json()["progress"]) == ("succeeded", 100)
    assert polled.json()["counts"] == {
        "events": 1,
        "entries": 1,
        "by_kind": {"original": 1},
        "total": "100.00",
        "accounts": None,  # a recompute asked for compares the whole book
        "aligned": alignment_state_current(organization=org).state.as_json(),
    }
    assert list(AttributionEntry.objects.values_list("partner_id", "amount")) == [
        (partner.pk, Decimal("100.00"))
    ]


def test_recompute_with_the_same_key_queues_nothing_new(admin, org, django_capture_on_commit_callbacks):
    # given
    client = api_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"{BASE}/recompute/", {"idempotency_key": "k"}, format="json")
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = client.post(f"{BASE}/recompute/", {"idempotency_key": "k"}, format="json")
    # then
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["status"] == "succeeded"
    assert callbacks == []
    assert JobRun.objects.count() == 1


def test_recompute_is_refused_to_reps_and_finance(
    rep, finance_admin, org, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        by_rep = api_for(rep).post(f"{BASE}/recompute/", {}, format="json")
        by_finance = api_for(finance_admin).post(f"{BASE}/recompute/", {}, format="json")
    # then
    assert (by_rep.status_code, by_finance.status_code) == (403, 403)
    assert callbacks == []
    assert not JobRun.objects.exists()


def test_jobs_of_other_kinds_or_organizations_are_404(admin, other_org_admin, org, other_org):
    # given
    other_kind = JobRun.objects.create(organization=org, kind="revops.import", idempotency_key="a")
    other_org_job = JobRun.objects.create(
        organization=other_org, kind="attribution.recompute", idempotency_key="b"
    )
    client = api_for(admin)
    # when
    responses = [client.get(f"{BASE}/jobs/{job.pk}/").status_code for job in (other_kind, other_org_job)]
    # then
    assert responses == [404, 404]
