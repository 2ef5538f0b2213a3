"""Push-back of attribution results to a Salesforce custom object, through simple-salesforce
against the fake Salesforce (upsert by external id, composite collections, describe)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from attribution.models import AttributionEntry
from attribution.services.posting import EntryLine, ledger_post
from revops.exceptions import ApplicationError
from revops.models import FiscalPeriod, JobRun
from revops.models.salesforce import PushbackAction, PushbackLogEntry
from revops.services.periods import period_close, periods_ensure
from revops.services.salesforce_pushback import (
    NOT_CONFIGURED,
    salesforce_pushback_scheduled,
    salesforce_pushback_start,
)
from revops.services.salesforce_schedule import (
    PUSHBACK_TASK,
    pushback_schedule_name,
    salesforce_schedule_sync,
)
from revops.services.salesforce_sync import NOT_ADMIN
from tests.attribution.factories import RevenueEventFactory
from tests.revops.factories import OpportunityFactory, PartnerFactory
from tests.revops.salesforce_world import SESSION_ENV, connection_for, define_objects

pytestmark = pytest.mark.django_db

OBJECT = "Revops_Attribution__c"
OBJECT_FIELDS = {
    "Revops_Key__c": "string",
    "Partner__c": "string",
    "Opportunity__c": "string",
    "Role__c": "string",
    "Split_Percent__c": "percent",
    "Amount__c": "currency",
    "Period__c": "string",
}


@pytest.fixture
def sf(fake_salesforce, monkeypatch, settings):
    monkeypatch.setenv(SESSION_ENV, "sf-secret-session")
    settings.SALESFORCE_SYNC_BACKOFF_SECONDS = 0
    define_objects(fake_salesforce)
    fake_salesforce.store.define(OBJECT, OBJECT_FIELDS, external_ids={"Revops_Key__c"})
    return fake_salesforce


@pytest.fixture
def world(sf, org):
    """January 2026: one Salesforce deal with two partners' shares, and a deal made in revops."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))
    jan = FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 1, 1))
    north = PartnerFactory(organization=org, name="Northwind", external_id="a015g00000NORTH")
    bolt = PartnerFactory(organization=org, name="Bolt")
    deal = OpportunityFactory(organization=org, external_id="0065g00000DEAL01")
    local = OpportunityFactory(organization=org, external_id="")
    event = RevenueEventFactory(organization=org, opportunity=deal, date=dt.date(2026, 1, 10))
    local_event = RevenueEventFactory(organization=org, opportunity=local, date=dt.date(2026, 1, 12))
    lines = [
        (event, north, "si", "30", "300.00"),
        (event, bolt, "referral", "10", "100.00"),
        (local_event, north, "si", "50", "250.00"),
    ]
    ledger_post(
        organization=org, lines=[_line(e, p, role, pct, amount, jan) for e, p, role, pct, amount in lines]
    )
    connection = connection_for(sf, org, pushback_object=OBJECT)
    return {"connection": connection, "jan": jan, "north": north, "bolt": bolt, "deal": deal, "event": event}


def _line(event, partner, role, pct, amount, period, **extra) -> EntryLine:
    return EntryLine(
        revenue_event_id=event.pk,
        partner_id=partner.pk,
        role=role,
        scope="opportunity",
        split_percent=Decimal(pct),
        amount=Decimal(amount),
        period_id=period.pk,
        revenue_period_id=period.pk,
        **extra,
    )


def push(connection, actor, capture, periods) -> JobRun:
    with capture(execute=True):
        job, created = salesforce_pushback_start(connection=connection, actor=actor, periods=periods)
    assert created
    job.refresh_from_db()
    return job


def pushed(sf) -> dict[str, dict]:
    """The custom object's records in the fake, by key, without system fields."""
    return {
        r["Revops_Key__c"]: {k: r[k] for k in OBJECT_FIELDS if k != "Revops_Key__c"}
        for r in sf.store.records[OBJECT].values()
    }


def test_push_creates_each_record_once_and_a_rerun_creates_none(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    # when the January results are pushed
    job = push(world["connection"], admin.user, django_capture_on_commit_callbacks, [world["jan"]])
    # then the Salesforce deal's two results are records keyed deterministically
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    north_key = f"{org.pk}-0065g00000DEAL01-a015g00000NORTH-si-2026-01"
    bolt_key = f"{org.pk}-0065g00000DEAL01-p{world['bolt'].pk}-referral-2026-01"
    assert pushed(sf) == {
        north_key: {
            "Partner__c": "a015g00000NORTH",
            "Opportunity__c": "0065g00000DEAL01",
            "Role__c": "si",
            "Split_Percent__c": 30.0,
            "Amount__c": 300.0,
            "Period__c": "2026-01",
        },
        bolt_key: {
            "Partner__c": f"p{world['bolt'].pk}",
            "Opportunity__c": "0065g00000DEAL01",
            "Role__c": "referral",
            "Split_Percent__c": 10.0,
            "Amount__c": 100.0,
            "Period__c": "2026-01",
        },
    }
    assert sorted(sf.upserts) == sorted([(OBJECT, north_key, "created"), (OBJECT, bolt_key, "created")])
    assert (job.counts["created"], job.counts["updated"], job.counts["skipped"], job.counts["error"]) == (
        2,
        0,
        1,
        0,
    )
    # one log row per result; the deal made in revops is skipped, named
    log = sorted(PushbackLogEntry.objects.filter(job=job).values_list("external_key", "action"))
    local_key = (
        f"{org.pk}-deal{AttributionEntry.objects.order_by('-sequence').first().revenue_event.opportunity_id}"
    )
    assert log == sorted(
        [
            (north_key, PushbackAction.CREATE),
            (bolt_key, PushbackAction.CREATE),
            (f"{local_key}-a015g00000NORTH-si-2026-01", PushbackAction.SKIPPED),
        ]
    )
    # when the period is closed and pushed again
    period_close(period=world["jan"], actor=admin.user)
    sf.upserts.clear()
    before = pushed(sf)
    again = push(world["connection"], admin.user, django_capture_on_commit_callbacks, [world["jan"]])
    # then the same records are updated with the same figures, none created
    assert again.status == JobRun.Status.SUCCEEDED, again.error
    assert sorted(sf.upserts) == sorted([(OBJECT, north_key, "updated"), (OBJECT, bolt_key, "updated")])
    assert (again.counts["created"], again.counts["updated"]) == (0, 2)
    assert pushed(sf) == before
    assert len(sf.store.records[OBJECT]) == 2


def test_a_result_reversed_to_zero_is_pushed_as_zero(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    # given a pushed result
    push(world["connection"], admin.user, django_capture_on_commit_callbacks, [world["jan"]])
    # when its entry is reversed in the same period
    original = AttributionEntry.objects.get(organization=org, partner=world["bolt"])
    reversal = _line(
        world["event"], world["bolt"], "referral", "10", "-100.00", world["jan"],
        kind=AttributionEntry.Kind.REVERSAL, corrects_id=original.pk,
    )  # fmt: skip
    ledger_post(organization=org, lines=[reversal])
    sf.upserts.clear()
    job = push(world["connection"], admin.user, django_capture_on_commit_callbacks, [world["jan"]])
    # then the record is updated to amount 0 and split 0, not deleted
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    key = f"{org.pk}-0065g00000DEAL01-p{world['bolt'].pk}-referral-2026-01"
    assert (pushed(sf)[key]["Amount__c"], pushed(sf)[key]["Split_Percent__c"]) == (0.0, 0.0)
    assert (OBJECT, key, "updated") in sf.upserts
    assert len(sf.store.records[OBJECT]) == 2


def test_rate_limit_is_retried_then_the_push_succeeds(world, sf, admin, django_capture_on_commit_callbacks):
    # given Salesforce refusing the first two upsert calls (after the describe)
    sf.fail_next(2, after=1)
    # when the results are pushed
    job = push(world["connection"], admin.user, django_capture_on_commit_callbacks, [world["jan"]])
    # then the client retried and every record was created once
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert [c for c in sf.calls if "composite/sobjects/" in c[1]].__len__() == 3
    assert sorted(action for _o, _k, action in sf.upserts) == ["created", "created"]


def test_salesforce_still_failing_fails_the_run_and_writes_nothing(
    world, sf, admin, django_capture_on_commit_callbacks
):
    # given Salesforce answering 503 to every upsert
    sf.fail_next(10, status=503, code="SERVER_UNAVAILABLE", after=1)
    # when the results are pushed
    job = push(world["connection"], admin.user, django_capture_on_commit_callbacks, [world["jan"]])
    # then the run fails naming the cause; no record is written and only the skip is logged
    assert job.status == JobRun.Status.FAILED
    assert "Salesforce stopped the push-back after 1 records" in job.error
    assert "SERVER_UNAVAILABLE" in job.error
    assert sf.store.records[OBJECT] == {}
    assert list(PushbackLogEntry.objects.values_list("action", flat=True)) == [PushbackAction.SKIPPED]


def test_a_missing_field_fails_the_run_naming_it_before_any_upsert(
    world, sf, admin, django_capture_on_commit_callbacks
):
    # given a connection naming a field the object does not have
    connection = world["connection"]
    connection.pushback_amount_field = "Total__c"
    connection.save()
    # when the results are pushed
    job = push(connection, admin.user, django_capture_on_commit_callbacks, [world["jan"]])
    # then the run fails naming it, and nothing was sent or logged
    assert job.status == JobRun.Status.FAILED
    assert job.error == f"Salesforce's {OBJECT} has no field Total__c."
    assert not [c for c in sf.calls if c[0] == "PATCH"]
    assert not PushbackLogEntry.objects.exists()


def test_only_organization_admins_push_and_only_configured_connections(world, sf, rep, admin, org):
    # a rep is refused; nothing is queued
    with pytest.raises(ApplicationError) as refused:
        salesforce_pushback_start(connection=world["connection"], actor=rep.user, periods=[world["jan"]])
    assert refused.value.message == NOT_ADMIN
    # a connection without a push-back object is refused
    world["connection"].pushback_object = ""
    world["connection"].save()
    with pytest.raises(ApplicationError) as off:
        salesforce_pushback_start(connection=world["connection"], actor=admin.user, periods=[world["jan"]])
    assert off.value.message == NOT_CONFIGURED
    assert not JobRun.objects.filter(kind="salesforce.pushback").exists()


def test_admin_action_pushes_for_org_admins_and_another_org_cannot_reach_it(
    world, sf, admin, other_org_admin, client_for, django_capture_on_commit_callbacks
):
    changelist = reverse("admin:revops_salesforceconnection_changelist")
    connection = world["connection"]
    # another organization's admin neither sees the connection nor can run its action
    other = client_for(other_org_admin)
    change = reverse("admin:revops_salesforceconnection_change", args=[connection.pk])
    # (the admin's "doesn't exist" answer for a row out of scope, as in the access matrix)
    answer = other.get(change)
    assert (answer.status_code, answer.url) == (302, "/admin/")
    data = {"action": "push_attribution", "_selected_action": [str(connection.pk)], "index": "0"}
    other.post(changelist, data, follow=True)
    assert not JobRun.objects.filter(kind="salesforce.pushback").exists()
    # the organization's admin queues the push-back of the previous and current period
    periods_ensure(
        organization=connection.organization, start=dt.date.today().replace(day=1), end=dt.date.today()
    )
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(admin).post(changelist, data, follow=True)
    assert response.status_code == 200
    job = JobRun.objects.get(kind="salesforce.pushback")
    assert job.params["connection_id"] == connection.pk
    assert "Push-back queued" in response.content.decode()


def test_daily_pushback_schedule_follows_the_connection(world, sf, org):
    connection = world["connection"]
    connection.enabled, connection.pushback_scheduled, connection.schedule_hour = True, True, 4
    connection.save()
    salesforce_schedule_sync(connection=connection)
    task = PeriodicTask.objects.get(name=pushback_schedule_name(connection))
    assert (task.task, json.loads(task.kwargs), task.enabled, task.crontab.hour) == (
        PUSHBACK_TASK,
        {"connection_id": connection.pk},
        True,
        "4",
    )
    connection.pushback_scheduled = False
    connection.save()
    salesforce_schedule_sync(connection=connection)
    task.refresh_from_db()
    assert task.enabled is False
    assert salesforce_pushback_scheduled(connection_id=connection.pk) == {"skipped": "no enabled push-back"}
