"""Salesforce OpportunityPartner → deal–partner links, through simple-salesforce against the fake
Salesforce and attribution's link services (the `crm_partner_links` provider)."""

from __future__ import annotations

import pytest

from attribution.models import LinkStatus, OpportunityPartner
from revops.models import AuditEvent, JobRun, Opportunity, Partner
from revops.models.salesforce import (
    ConflictPolicy,
    FieldMapping,
    SyncAction,
    SyncLogEntry,
    SyncObject,
    SyncWatermark,
)
from revops.providers import NO_LINK_PROVIDER, provider_override
from revops.services.salesforce_mapping import mapping_install_defaults
from revops.services.salesforce_sync import Mode, salesforce_sync_start
from tests.revops.salesforce_world import (
    SESSION_ENV,
    add_account,
    add_opportunity,
    add_opportunity_partner,
    add_partner,
    connection_for,
    define_objects,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sf(fake_salesforce, monkeypatch, settings):
    monkeypatch.setenv(SESSION_ENV, "sf-secret-session")
    settings.SALESFORCE_SYNC_BACKOFF_SECONDS = 0
    define_objects(fake_salesforce)
    return fake_salesforce


@pytest.fixture
def world(sf, org):
    """Two deals, two partners; three OpportunityPartner records with standard roles."""
    acme = add_account(sf, "Acme")
    deals = {
        "renewal": add_opportunity(sf, "Acme renewal", acme),
        "addon": add_opportunity(sf, "Add-on", acme),
    }
    partners = {"north": add_partner(sf, "Northwind SI"), "bolt": add_partner(sf, "Bolt Resellers")}
    records = {
        "north_renewal": add_opportunity_partner(
            sf, deals["renewal"], partners["north"], "System Integrator", primary=True
        ),
        "bolt_renewal": add_opportunity_partner(sf, deals["renewal"], partners["bolt"], "VAR/Reseller"),
        "north_addon": add_opportunity_partner(sf, deals["addon"], partners["north"], "Agency"),
    }
    return {"connection": connection_for(sf, org), "deals": deals, "partners": partners, "records": records}


def run(connection, actor, capture, *, mode=Mode.INCREMENTAL, dry_run=False) -> JobRun:
    with capture(execute=True):
        job, created = salesforce_sync_start(connection=connection, actor=actor, mode=mode, dry_run=dry_run)
    assert created
    job.refresh_from_db()
    return job


def links(org) -> list[tuple]:
    return sorted(
        OpportunityPartner.objects.filter(organization=org).values_list(
            "external_id",
            "opportunity__external_id",
            "partner__external_id",
            "role",
            "is_primary",
            "status",
            "source",
        )
    )


def test_full_sync_creates_links_with_mapped_roles_and_a_rerun_changes_nothing(
    world, org, admin, django_capture_on_commit_callbacks
):
    # given a previewed connection
    preview = run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    assert preview.status == JobRun.Status.SUCCEEDED, preview.error
    # when a full sync runs
    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    # then every record is a link with our role, its record id and the salesforce source
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.counts["objects"]["OpportunityPartner"] == {"create": 3}
    r, d, p = world["records"], world["deals"], world["partners"]
    assert links(org) == sorted(
        [
            (r["north_renewal"], d["renewal"], p["north"], "si", True, "active", "salesforce"),
            (r["bolt_renewal"], d["renewal"], p["bolt"], "referral", False, "active", "salesforce"),
            (r["north_addon"], d["addon"], p["north"], "influence", False, "active", "salesforce"),
        ]
    )
    assert sorted(
        SyncLogEntry.objects.filter(job=job, sobject=SyncObject.OPPORTUNITY_PARTNER).values_list(
            "salesforce_id", "action"
        )
    ) == sorted((rid, SyncAction.CREATE) for rid in r.values())
    # each link went through the link service: audited with the record named
    audits = AuditEvent.objects.filter(organization=org, action="opportunity_partner.set")
    assert sorted(audits.values_list("reason", flat=True)) == sorted(
        f"Salesforce OpportunityPartner {rid}" for rid in r.values()
    )
    before, audit_count = links(org), audits.count()
    # when the same full sync runs again
    again = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    # then nothing changes and nothing is logged
    assert again.counts["objects"]["OpportunityPartner"] == {"unchanged": 3}
    assert links(org) == before
    assert audits.count() == audit_count
    assert not SyncLogEntry.objects.filter(job=again, sobject=SyncObject.OPPORTUNITY_PARTNER).exists()


def test_deleted_record_deactivates_its_link_and_a_role_change_updates_it(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    # given synced links
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    r = world["records"]
    # when one record is deleted and another changes role in Salesforce
    sf.store.delete("OpportunityPartner", r["bolt_renewal"])
    sf.store.update("OpportunityPartner", r["north_addon"], {"Role": "Developer"})
    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks)
    # then the deleted one is deactivated (kept), the changed one takes the new role
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.counts["objects"]["OpportunityPartner"] == {"delete": 1, "update": 1}
    by_ext = {link.external_id: link for link in OpportunityPartner.objects.filter(organization=org)}
    assert len(by_ext) == 3
    assert by_ext[r["bolt_renewal"]].status == LinkStatus.INACTIVE
    assert (by_ext[r["north_addon"]].role, by_ext[r["north_addon"]].status) == ("isv", "active")
    assert by_ext[r["north_renewal"]].status == LinkStatus.ACTIVE
    entry = SyncLogEntry.objects.get(job=job, salesforce_id=r["bolt_renewal"])
    assert (entry.action, entry.changes) == (SyncAction.DELETE, {"status": ["active", "inactive"]})
    # and the deletion read again changes nothing
    again = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert again.counts["objects"]["OpportunityPartner"] == {"unchanged": 3}


def test_unmapped_role_is_named_and_the_other_records_sync(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    # given a record whose role the value map does not know, and one for a partner not synced
    deal = world["deals"]["renewal"]
    odd = add_opportunity_partner(sf, deal, world["partners"]["bolt"], "Astrologer")
    stray = add_opportunity_partner(sf, deal, "0015g00000ZZZZZZZZ", "Agency")
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    # when the sync runs
    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    # then those two are errors naming the field and value; the three others are links
    assert job.counts["objects"]["OpportunityPartner"] == {"create": 3, "error": 2}
    errors = dict(
        SyncLogEntry.objects.filter(job=job, action=SyncAction.ERROR).values_list("salesforce_id", "message")
    )
    assert errors == {
        odd: "Role: no mapping for 'Astrologer'",
        stray: "AccountToId: partner 0015g00000ZZZZZZZZ is not synced",
    }
    assert sorted(
        OpportunityPartner.objects.filter(organization=org).values_list("external_id", flat=True)
    ) == (sorted(world["records"].values()))


def test_preview_writes_no_link_and_logs_what_it_would_do(
    world, org, admin, django_capture_on_commit_callbacks
):
    # given deals and partners synced while the connection had no OpportunityPartner mappings
    FieldMapping.objects.filter(sobject=SyncObject.OPPORTUNITY_PARTNER).delete()
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert mapping_install_defaults(connection=world["connection"]) == 4
    audits = AuditEvent.objects.filter(organization=org).count()
    # when a preview runs
    preview = run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    # then no link, audit row or watermark of the links is written, and each would-be link is logged
    assert preview.status == JobRun.Status.SUCCEEDED, preview.error
    assert OpportunityPartner.objects.filter(organization=org).count() == 0
    assert AuditEvent.objects.filter(organization=org).count() == audits
    logged = SyncLogEntry.objects.filter(job=preview, sobject=SyncObject.OPPORTUNITY_PARTNER)
    assert sorted(logged.values_list("salesforce_id", "action", "dry_run")) == sorted(
        (rid, SyncAction.CREATE, True) for rid in world["records"].values()
    )
    assert not SyncWatermark.objects.filter(sobject=SyncObject.OPPORTUNITY_PARTNER).exists()
    north = Partner.objects.get(organization=org, external_id=world["partners"]["north"])
    renewal = Opportunity.objects.get(organization=org, external_id=world["deals"]["renewal"])
    entry = logged.get(salesforce_id=world["records"]["north_renewal"])
    assert entry.changes == {
        "opportunity_id": renewal.pk,
        "partner_id": north.pk,
        "role": "si",
        "status": "active",
        "is_primary": True,
    }


def test_role_conflict_keeps_ours_under_revops_wins(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    # given synced links and the role mapping set to keep the revops value
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    FieldMapping.objects.filter(sobject=SyncObject.OPPORTUNITY_PARTNER, target_field="role").update(
        conflict_policy=ConflictPolicy.REVOPS_WINS
    )
    record = world["records"]["north_addon"]
    # when Salesforce changes the role
    sf.store.update("OpportunityPartner", record, {"Role": "Developer"})
    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks)
    # then our role stays and the record is logged as a conflict with both values
    assert job.counts["objects"]["OpportunityPartner"] == {"conflict": 1}
    assert OpportunityPartner.objects.get(external_id=record).role == "influence"
    entry = SyncLogEntry.objects.get(job=job, salesforce_id=record)
    assert (entry.action, entry.changes) == (SyncAction.CONFLICT, {"role": ["influence", "isv"]})


def test_without_partner_attribution_every_record_is_refused_and_nothing_is_written(
    world, org, admin, django_capture_on_commit_callbacks
):
    run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    with provider_override("crm_partner_links", None):
        job = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert job.counts["objects"]["OpportunityPartner"] == {"error": 3}
    assert set(
        SyncLogEntry.objects.filter(job=job, sobject=SyncObject.OPPORTUNITY_PARTNER).values_list(
            "message", flat=True
        )
    ) == {NO_LINK_PROVIDER}
    assert OpportunityPartner.objects.filter(organization=org).count() == 0
