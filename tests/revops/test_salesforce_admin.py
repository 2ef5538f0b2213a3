"""The Salesforce sync's admin: connection without secrets, actions, mapping validation, schedule."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from revops.models import JobRun
from revops.models.salesforce import FieldMapping, SalesforceConnection, SyncObject, Transform
from revops.salesforce_schema import Rule, TransformError
from revops.services.salesforce_mapping import mapping_describe_check
from revops.services.salesforce_schedule import SCHEDULED_TASK, schedule_name
from revops.services.salesforce_sync import PREVIEW_FIRST, salesforce_sync_scheduled
from tests.revops.salesforce_world import (
    SESSION_ENV,
    add_account,
    add_opportunity,
    connection_for,
    define_objects,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:revops_salesforceconnection_changelist"


@pytest.fixture
def sf(fake_salesforce, monkeypatch, settings):
    monkeypatch.setenv(SESSION_ENV, "sf-secret-session")
    settings.SALESFORCE_SYNC_BACKOFF_SECONDS = 0
    define_objects(fake_salesforce)
    add_opportunity(fake_salesforce, "Acme renewal", add_account(fake_salesforce, "Acme"))
    return fake_salesforce


def _action(client, action, pks):
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    return client.post(reverse(CHANGELIST), data, follow=True)


def _messages(response, level):
    return [str(m.message) for m in response.context["messages"] if m.level_tag == level]


def _inline_management(prefix: str) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_connection_is_added_with_variable_names_only_and_gets_its_beat_entry(admin, client_for, monkeypatch):
    monkeypatch.setenv("ACME_SF_TOKEN", "00Dxx!very-secret-token")
    client = client_for(admin)
    data = {
        "name": "Production",
        "instance_url": "https://acme.my.salesforce.com",
        "api_version": "59.0",
        "session_env": "ACME_SF_TOKEN",
        "partner_object": "Partner__c",
        "enabled": "on",
        "schedule_hour": "3",
        "schedule_minute": "15",
        "conflict_policy": "salesforce",
        **_inline_management("mappings"),
        **_inline_management("segments"),
    }
    response = client.post(reverse("admin:revops_salesforceconnection_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = SalesforceConnection.objects.get(organization=admin.organization)
    assert connection.session_env == "ACME_SF_TOKEN"
    task = PeriodicTask.objects.get(name=schedule_name(connection))
    assert (task.task, json.loads(task.kwargs), task.enabled) == (
        SCHEDULED_TASK,
        {"connection_id": connection.pk},
        True,
    )
    assert (task.crontab.hour, task.crontab.minute) == ("3", "15")
    page = client.get(reverse("admin:revops_salesforceconnection_change", args=[connection.pk]))
    assert page.status_code == 200
    assert "ACME_SF_TOKEN" in page.content.decode()
    assert "very-secret-token" not in page.content.decode()
    # A secret typed where a variable name belongs is refused.
    data["name"], data["session_env"] = "Sandbox", "00Dxx!very-secret-token"
    refused = client.post(reverse("admin:revops_salesforceconnection_add"), data)
    assert refused.status_code == 200
    assert "Give the NAME of an environment variable" in refused.content.decode()
    assert SalesforceConnection.objects.count() == 1


def test_actions_preview_then_sync_now(sf, org, admin, client_for, django_capture_on_commit_callbacks):
    connection = connection_for(sf, org)
    client = client_for(admin)
    refused = _action(client, "sync_now", [connection.pk])
    assert _messages(refused, "error") == [f"{connection}: {PREVIEW_FIRST}"]
    assert not JobRun.objects.filter(kind="salesforce.sync").exists()
    with django_capture_on_commit_callbacks(execute=True):
        previewed = _action(client, "preview", [connection.pk])
    assert _messages(previewed, "error") == []
    preview = JobRun.objects.get(kind="salesforce.sync")
    assert preview.params == {"connection_id": connection.pk, "mode": "incremental", "dry_run": True}
    assert preview.status == JobRun.Status.SUCCEEDED, preview.error
    assert preview.started_by_id == admin.user_id
    with django_capture_on_commit_callbacks(execute=True):
        _action(client, "sync_now", [connection.pk])
    real = JobRun.objects.filter(kind="salesforce.sync").exclude(pk=preview.pk).get()
    assert real.status == JobRun.Status.SUCCEEDED and real.counts["objects"]["Opportunity"] == {"create": 1}


def test_check_action_names_a_mapping_whose_field_salesforce_lacks(sf, org, admin, client_for):
    connection = connection_for(sf, org)
    FieldMapping.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.ACCOUNT,
        salesforce_field="Segment__c",
        target_field="segment",
        transform=Transform.VALUE_MAP,
        value_map={"Large": "enterprise"},
    )
    errors = _messages(_action(client_for(admin), "check_mappings", [connection.pk]), "error")
    assert errors == [
        f"{connection}: Account.Segment__c → segment: Salesforce's Account has no field Segment__c."
    ]
    FieldMapping.objects.filter(salesforce_field="Segment__c").delete()
    ok = _action(client_for(admin), "check_mappings", [connection.pk])
    assert _messages(ok, "success") == [f"{connection}: every mapping matches Salesforce."]


def test_describe_check_names_missing_objects_and_required_fields(org):
    connection = SalesforceConnection.objects.create(
        organization=org, instance_url="https://x.test", session_env="X"
    )
    FieldMapping.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.OPPORTUNITY,
        salesforce_field="Name",
        target_field="name",
    )
    FieldMapping.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.PARTNER,
        salesforce_field="Name",
        target_field="name",
    )
    problems = mapping_describe_check(connection=connection, describe={"Opportunity": {"Id", "Name"}})
    assert problems == [
        "Opportunity.Name → name: Salesforce has no object Partner__c.".replace("Opportunity", "Partner"),
        "Opportunity: no mapping for required field(s) account, amount, created_date, stage.",
    ]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"salesforce_field": "StageName", "target_field": "phase"},
            "Opportunity StageName → phase: unknown target field; use one of account, amount,",
        ),
        (
            {
                "salesforce_field": "StageName",
                "target_field": "stage",
                "transform": "value_map",
                "value_map": {"Won": "victory"},
            },
            "Opportunity StageName → stage: victory not in closed_lost, closed_won,",
        ),
        (
            {
                "salesforce_field": "StageName",
                "target_field": "stage",
                "transform": "value_map",
                "value_map": [],
            },
            "Opportunity StageName → stage: give a JSON object of Salesforce value → revops value.",
        ),
        (
            {"salesforce_field": "", "target_field": "lead_source", "transform": "constant"},
            "Opportunity constant → lead_source: a constant mapping needs its value.",
        ),
        (
            {"salesforce_field": "Name", "target_field": "name", "transform": "number"},
            "Opportunity Name → name: name is not a number.",
        ),
        (
            {"salesforce_field": "Name, (SELECT Id FROM Users)", "target_field": "name"},
            "Opportunity Name, (SELECT Id FROM Users) → name: 'Name, (SELECT Id FROM Users)' is not a Salesforce field name.",
        ),
    ],
)
def test_admin_refuses_a_bad_mapping_naming_it(org, admin, client_for, fields, error):
    connection = SalesforceConnection.objects.create(
        organization=org, instance_url="https://x.test", session_env="X"
    )
    data = {
        "connection": str(connection.pk),
        "sobject": "Opportunity",
        "transform": "copy",
        "value_map": "{}",
        "constant": "",
        "conflict_policy": "",
        **{k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in fields.items()},
    }
    response = client_for(admin).post(reverse("admin:revops_fieldmapping_add"), data)
    assert response.status_code == 200
    form_errors = [str(e) for errs in response.context["adminform"].form.errors.values() for e in errs]
    assert any(e.startswith(error) for e in form_errors), form_errors
    assert not FieldMapping.objects.exists()


def test_rule_transforms():
    def rule(transform, target="amount", kind="money", **kw):
        return Rule(
            salesforce_field=kw.pop("field", "F"),
            target_field=target,
            kind=kind,
            transform=transform,
            value_map=kw.pop("value_map", {}),
            constant=kw.pop("constant", ""),
            conflict_policy="salesforce",
        )

    from decimal import Decimal

    assert rule(Transform.NUMBER).apply({"F": 1234.5}) == Decimal("1234.50")
    assert rule(Transform.NUMBER).apply({"F": "99.999"}) == Decimal("100.00")
    assert rule(Transform.NUMBER).apply({"F": None}) is None
    assert str(rule(Transform.DATE, "close_date", "date").apply({"F": "2026-02-03"})) == "2026-02-03"
    moment = rule(Transform.DATE, "changed_at", "datetime").apply({"F": "2026-02-03T23:30:00.000-0200"})
    assert moment.isoformat() == "2026-02-04T01:30:00+00:00"
    assert rule(Transform.CONSTANT, "lead_source", "text", constant="Partner").apply({}) == "Partner"
    stage = rule(Transform.VALUE_MAP, "stage", "choice", value_map={"Won": "closed_won"})
    assert stage.apply({"F": "Won"}) == "closed_won"
    with pytest.raises(TransformError, match="F: no mapping for 'Lost'"):
        stage.apply({"F": "Lost"})
    with pytest.raises(TransformError, match="F: True is not a number"):
        rule(Transform.NUMBER).apply({"F": True})
    with pytest.raises(TransformError, match="F: longer than 3 characters"):
        rule(Transform.COPY, "currency", "text").apply({"F": "EURO"})
    with pytest.raises(TransformError, match="F: 'gold' is not a revops value; add a value map"):
        rule(Transform.COPY, "stage", "choice").apply({"F": "gold"})


def test_scheduled_run_queues_an_incremental_sync_once_an_hour_after_a_preview(
    sf, org, admin, django_capture_on_commit_callbacks
):
    connection = connection_for(sf, org, enabled=True)
    assert salesforce_sync_scheduled(connection_id=connection.pk) == {"skipped": PREVIEW_FIRST}
    assert not JobRun.objects.exists()
    JobRun.objects.create(
        organization=org,
        kind="salesforce.sync",
        idempotency_key="preview",
        status=JobRun.Status.SUCCEEDED,
        params={"connection_id": connection.pk, "mode": "incremental", "dry_run": True},
    )
    with django_capture_on_commit_callbacks(execute=False):
        first = salesforce_sync_scheduled(connection_id=connection.pk)
        second = salesforce_sync_scheduled(connection_id=connection.pk)
    assert first == second  # the hour's run is queued once
    job = JobRun.objects.get(pk=int(first["job"]))
    assert job.params == {"connection_id": connection.pk, "mode": "incremental", "dry_run": False}
    assert job.started_by is None
    SalesforceConnection.objects.filter(pk=connection.pk).update(enabled=False)
    assert salesforce_sync_scheduled(connection_id=connection.pk) == {"skipped": "no enabled connection"}


def test_inline_mapping_rows_are_edited_on_the_connection_and_a_bad_one_is_named(org, admin, client_for):
    connection = SalesforceConnection.objects.create(
        organization=org, instance_url="https://acme.my.salesforce.com", session_env="ACME_SF_TOKEN"
    )
    url = reverse("admin:revops_salesforceconnection_change", args=[connection.pk])
    base = {
        "name": connection.name,
        "instance_url": connection.instance_url,
        "api_version": "59.0",
        "session_env": "ACME_SF_TOKEN",
        "partner_object": "Partner__c",
        "schedule_minute": "30",
        "conflict_policy": "salesforce",
        **_inline_management("segments"),
        "mappings-TOTAL_FORMS": "1",
        "mappings-INITIAL_FORMS": "0",
        "mappings-MIN_NUM_FORMS": "0",
        "mappings-MAX_NUM_FORMS": "1000",
        "mappings-0-sobject": "Opportunity",
        "mappings-0-salesforce_field": "StageName",
        "mappings-0-target_field": "stage",
        "mappings-0-transform": "value_map",
        "mappings-0-constant": "",
        "mappings-0-conflict_policy": "revops",
    }
    client = client_for(admin)
    bad = client.post(url, {**base, "mappings-0-value_map": '{"Won": "victory"}'})
    assert bad.status_code == 200
    errors = [
        str(e)
        for form in bad.context["inline_admin_formsets"][0].formset.forms
        for e in form.errors.get("value_map", [])
    ]
    assert errors and errors[0].startswith("Opportunity StageName → stage: victory not in closed_lost")
    assert not FieldMapping.objects.exists()
    good = client.post(url, {**base, "mappings-0-value_map": '{"Won": "closed_won"}'})
    assert good.status_code == 302
    mapping = FieldMapping.objects.get()
    assert (mapping.organization_id, mapping.connection_id, mapping.segment_id) == (
        org.pk,
        connection.pk,
        None,
    )
    assert (mapping.value_map, mapping.conflict_policy) == ({"Won": "closed_won"}, "revops")
