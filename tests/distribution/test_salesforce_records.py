"""Leads and campaigns through the Salesforce sync (simple-salesforce against the fake Salesforce,
HTTPS on 127.0.0.1), stored by lead distribution's providers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from distribution.models import Campaign, Lead, LeadStatus
from revops.models import JobRun
from revops.models.salesforce import FieldMapping, SyncAction, SyncLogEntry, SyncObject, SyncWatermark
from revops.providers import provider_override
from revops.services.salesforce_mapping import mapping_install_defaults
from revops.services.salesforce_sync import Mode, salesforce_sync_start
from tests.revops.salesforce_world import SESSION_ENV, connection_for, define_objects

pytestmark = pytest.mark.django_db

APPS = [SyncObject.LEAD, SyncObject.CAMPAIGN]


@pytest.fixture
def sf(fake_salesforce, monkeypatch, settings):
    monkeypatch.setenv(SESSION_ENV, "sf-secret-session")
    settings.SALESFORCE_SYNC_BACKOFF_SECONDS = 0
    define_objects(fake_salesforce)
    return fake_salesforce


@pytest.fixture
def world(sf, org, admin, rep):
    sf_rep = sf.add_user(rep.user.email)
    store = sf.store
    campaigns = {
        "webinar": store.insert(
            "Campaign", {"Name": "Spring webinar", "IsActive": True, "Description": "Q2"}
        ),
        "fair": store.insert("Campaign", {"Name": "Trade fair", "IsActive": False}),
    }
    leads = {
        "ana": store.insert(
            "Lead",
            {
                "FirstName": "Ana",
                "LastName": "Lima",
                "Email": "ana@lima.example",
                "Company": "Lima Ltd",
                "Status": "Open - Not Contacted",
                "LeadSource": "Web",
                "OwnerId": sf_rep,
            },
        ),
        "bo": store.insert(
            "Lead", {"LastName": "Berg", "Company": "Berg AB", "Status": "Working - Contacted"}
        ),
        # A status the value map does not know: logged as this record's error, the rest synced.
        "bad": store.insert("Lead", {"LastName": "Odd", "Status": "Nurturing"}),
    }
    connection = connection_for(sf, org)
    added = mapping_install_defaults(connection=connection, sobjects=APPS)
    assert added == 11  # Campaign Type → channel is marketing attribution's
    return {"connection": connection, "leads": leads, "campaigns": campaigns, "fake": sf, "sf_rep": sf_rep}


def run(connection, actor, capture, *, mode=Mode.INCREMENTAL, dry_run=False) -> JobRun:
    with capture(execute=True):
        job, created = salesforce_sync_start(connection=connection, actor=actor, mode=mode, dry_run=dry_run)
    assert created
    job.refresh_from_db()
    return job


def stored(org) -> dict:
    return {
        "leads": sorted(
            Lead.objects.filter(organization=org).values_list(
                "external_id",
                "external_source",
                "name",
                "email",
                "company",
                "status",
                "web_source",
                "owner_id",
            )
        ),
        "campaigns": sorted(
            Campaign.objects.filter(organization=org).values_list(
                "external_id", "name", "active", "description"
            )
        ),
        "watermarks": sorted(
            SyncWatermark.objects.filter(sobject__in=APPS).values_list("sobject", "modstamp")
        ),
    }


def test_preview_writes_nothing_then_full_sync_stores_leads_and_campaigns(
    world, org, admin, rep, django_capture_on_commit_callbacks
):
    leads, campaigns = world["leads"], world["campaigns"]
    before = stored(org)
    preview = run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    assert preview.status == JobRun.Status.SUCCEEDED, preview.error
    assert stored(org) == before == {"leads": [], "campaigns": [], "watermarks": []}
    assert preview.counts["objects"]["Lead"] == {"create": 2, "error": 1}
    assert preview.counts["objects"]["Campaign"] == {"create": 2, "marketing attribution: create": 2}
    entry = SyncLogEntry.objects.get(job=preview, salesforce_id=leads["ana"])
    assert (entry.action, entry.dry_run, entry.changes["status"]) == (SyncAction.CREATE, True, "New")

    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.counts["objects"]["Lead"] == {"create": 2, "error": 1}
    assert job.counts["objects"]["Campaign"] == {"create": 2, "marketing attribution: create": 2}
    after = stored(org)
    assert after["leads"] == sorted(
        [
            (
                f"salesforce:{leads['ana']}",
                "salesforce",
                "Ana Lima",
                "ana@lima.example",
                "Lima Ltd",
                LeadStatus.NEW,
                "Web",
                rep.user.pk,
            ),
            (
                f"salesforce:{leads['bo']}",
                "salesforce",
                "Berg",
                "",
                "Berg AB",
                LeadStatus.CONTACTED,
                "",
                None,
            ),
        ]
    )
    assert after["campaigns"] == sorted(
        [
            (f"salesforce:{campaigns['webinar']}", "Spring webinar", True, "Q2"),
            (f"salesforce:{campaigns['fair']}", "Trade fair", False, ""),
        ]
    )
    assert [s for s, _ in after["watermarks"]] == ["Campaign", "Lead"]
    error = SyncLogEntry.objects.get(job=job, action=SyncAction.ERROR)
    assert (error.salesforce_id, error.sobject) == (leads["bad"], SyncObject.LEAD)
    assert "Status" in error.message and "Nurturing" in error.message
    assert sorted(
        SyncLogEntry.objects.filter(job=job, sobject=SyncObject.LEAD, action=SyncAction.CREATE).values_list(
            "salesforce_id", flat=True
        )
    ) == sorted([leads["ana"], leads["bo"]])


def test_rerun_is_idempotent_and_incremental_takes_changes_and_deletes(
    world, org, admin, django_capture_on_commit_callbacks
):
    connection, fake, leads, campaigns = (
        world["connection"],
        world["fake"],
        world["leads"],
        world["campaigns"],
    )
    run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    first = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert first.status == JobRun.Status.SUCCEEDED, first.error
    once = stored(org)

    again = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert again.status == JobRun.Status.SUCCEEDED, again.error
    assert again.counts["objects"]["Lead"] == {"unchanged": 2, "error": 1}
    assert again.counts["objects"]["Campaign"] == {"unchanged": 2, "marketing attribution: unchanged": 2}
    assert stored(org) == once
    assert Lead.objects.filter(organization=org).count() == 2

    fake.store.update("Lead", leads["bo"], {"Status": "Closed - Converted", "Email": "bo@berg.example"})
    fake.store.delete("Lead", leads["ana"])
    fake.store.delete("Campaign", campaigns["webinar"])
    fake.store.update("Lead", leads["bad"], {"Status": "Open - Not Contacted"})
    job = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.INCREMENTAL)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.counts["objects"]["Lead"] == {"update": 1, "delete": 1, "create": 1}
    # The records stamped at the watermark come back unchanged (the incremental `>=`).
    assert job.counts["objects"]["Campaign"]["delete"] == 1
    assert set(job.counts["objects"]["Campaign"]) <= {
        "delete",
        "unchanged",
        "marketing attribution: unchanged",  # a marketing campaign is kept (its touches name it)
    }
    by_id = {lead.external_id: lead for lead in Lead.objects.filter(organization=org)}
    bo, ana, odd = (by_id[f"salesforce:{leads[k]}"] for k in ("bo", "ana", "bad"))
    assert (bo.status, bo.email) == (LeadStatus.CONVERTED, "bo@berg.example")
    assert (ana.status, ana.name) == (LeadStatus.LOST, "Ana Lima")  # kept, out of the workload
    assert (odd.status, odd.name) == (LeadStatus.NEW, "Odd")
    webinar = Campaign.objects.get(organization=org, external_id=f"salesforce:{campaigns['webinar']}")
    assert webinar.active is False
    update = SyncLogEntry.objects.get(job=job, salesforce_id=leads["bo"])
    assert update.changes["status"] == [LeadStatus.CONTACTED, LeadStatus.CONVERTED]
    assert SyncLogEntry.objects.get(job=job, salesforce_id=leads["ana"]).action == SyncAction.DELETE


def test_campaign_name_taken_is_that_records_error(world, org, admin, django_capture_on_commit_callbacks):
    Campaign.objects.create(organization=org, name="Trade fair")  # made here, not from Salesforce
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    # Marketing's campaigns are its own (no name taken there): both are created.
    assert job.counts["objects"]["Campaign"] == {"create": 1, "error": 1, "marketing attribution: create": 2}
    error = SyncLogEntry.objects.get(job=job, sobject=SyncObject.CAMPAIGN, action=SyncAction.ERROR)
    assert error.salesforce_id == world["campaigns"]["fair"]
    assert error.message == "Campaign with this Organization and Name already exists."
    assert sorted(Campaign.objects.filter(organization=org).values_list("name", "external_id")) == [
        ("Spring webinar", f"salesforce:{world['campaigns']['webinar']}"),
        ("Trade fair", ""),
    ]


def test_object_without_a_storing_app_is_refused_at_configuration_and_run(
    world, org, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    mappings = FieldMapping.objects.filter(connection=connection).count()
    with provider_override("crm_leads_upsert", None):
        with pytest.raises(ValidationError, match="no app here stores Salesforce Lead records"):
            mapping_install_defaults(connection=connection, sobjects=[SyncObject.LEAD])
        row = FieldMapping(
            organization=org,
            connection=connection,
            sobject=SyncObject.LEAD,
            salesforce_field="Title",
            target_field="company",
        )
        with pytest.raises(ValidationError, match="lead distribution"):
            row.full_clean()
        assert FieldMapping.objects.filter(connection=connection).count() == mappings
        job = run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    assert job.status == JobRun.Status.FAILED
    assert "no app here stores Salesforce Lead records" in job.error
    assert stored(org) == {"leads": [], "campaigns": [], "watermarks": []}
    assert SyncLogEntry.objects.filter(job=job).count() == 0


def test_admin_action_adds_lead_and_campaign_mappings_or_says_why_not(sf, org, admin, client_for):
    from django.urls import reverse

    connection = connection_for(sf, org)
    core = FieldMapping.objects.filter(connection=connection).count()

    def act():
        data = {"action": "install_lead_mappings", "_selected_action": [str(connection.pk)], "index": "0"}
        response = client_for(admin).post(
            reverse("admin:revops_salesforceconnection_changelist"), data, follow=True
        )
        return {m.level_tag: str(m.message) for m in response.context["messages"]}

    with provider_override("crm_leads_upsert", None):
        refused = act()
    assert "no app here stores Salesforce Lead records" in refused["error"]
    assert FieldMapping.objects.filter(connection=connection).count() == core
    assert act() == {"success": f"{connection}: 11 mapping(s) added."}
    assert sorted(
        FieldMapping.objects.filter(connection=connection, sobject__in=APPS).values_list(
            "sobject", "target_field"
        )
    ) == sorted(
        [("Campaign", t) for t in ("name", "active", "description", "channel")]
        + [("Lead", t) for t in ("name", "email", "phone", "company", "status", "web_source", "owner")]
    )
    assert act() == {"success": f"{connection}: 0 mapping(s) added."}
