"""Salesforce campaigns and campaign members through the sync (simple-salesforce against the fake
Salesforce, HTTPS on 127.0.0.1), stored by marketing attribution as campaigns and touches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attribution.marketing.models import Campaign, Channel, ChannelResult, Touchpoint, TouchSource
from attribution.marketing.selectors.journeys import journey_data
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.runs import run_create
from attribution.marketing.services.salesforce_records import DEFAULT_CHANNEL
from revops.exceptions import ApplicationError
from revops.models import JobRun, Opportunity
from revops.models.salesforce import FieldMapping, SyncAction, SyncLogEntry, SyncObject, Transform
from revops.providers import provider_override
from revops.services.salesforce_mapping import mapping_install_defaults
from revops.services.salesforce_sync import NOT_ADMIN, Mode, salesforce_sync_start
from tests.revops.salesforce_world import (
    SESSION_ENV,
    add_account,
    add_opportunity,
    connection_for,
    define_objects,
)

pytestmark = pytest.mark.django_db

OBJECTS = [SyncObject.CAMPAIGN, SyncObject.CAMPAIGN_MEMBER]
UNKNOWN_CAMPAIGN = "701000000000ZZZAAA"


def stamp(day: int) -> str:
    return f"2026-01-{day:02d}T09:30:00.000+0000"


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def sf(fake_salesforce, monkeypatch, settings):
    monkeypatch.setenv(SESSION_ENV, "sf-secret-session")
    settings.SALESFORCE_SYNC_BACKOFF_SECONDS = 0
    define_objects(fake_salesforce)
    return fake_salesforce


@pytest.fixture
def world(sf, org):
    store = sf.store
    campaigns = {
        "webinar": store.insert("Campaign", {"Name": "Spring webinar", "IsActive": True, "Type": "Webinar"}),
        "fair": store.insert("Campaign", {"Name": "Trade fair", "IsActive": True}),  # no Type
    }
    members = {
        "lead": store.insert(
            "CampaignMember",
            {
                "CampaignId": campaigns["webinar"],
                "LeadId": "00Q000000000001AAA",
                "Status": "Sent",
                "CreatedDate": stamp(2),
            },
        ),
        "contact": store.insert(
            "CampaignMember",
            {
                "CampaignId": campaigns["webinar"],
                "LeadId": None,
                "ContactId": "003000000000001AAA",
                "Status": "Responded",
                "CreatedDate": stamp(3),
            },
        ),
        "fair": store.insert(
            "CampaignMember",
            {"CampaignId": campaigns["fair"], "ContactId": "003000000000002AAA", "CreatedDate": stamp(4)},
        ),
        # A campaign this connection does not sync: that record's error, the rest stored.
        "orphan": store.insert(
            "CampaignMember",
            {"CampaignId": UNKNOWN_CAMPAIGN, "LeadId": "00Q000000000009AAA", "CreatedDate": stamp(5)},
        ),
    }
    connection = connection_for(sf, org)
    assert mapping_install_defaults(connection=connection, sobjects=OBJECTS) == 9
    return {"connection": connection, "campaigns": campaigns, "members": members, "fake": sf}


def run(connection, actor, capture, *, mode=Mode.INCREMENTAL, dry_run=False) -> JobRun:
    with capture(execute=True):
        job, created = salesforce_sync_start(connection=connection, actor=actor, mode=mode, dry_run=dry_run)
    assert created
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return job


def touches(org) -> list[tuple]:
    return sorted(
        Touchpoint.objects.filter(organization=org).values_list(
            "external_id",
            "occurred_at",
            "channel__name",
            "campaign__name",
            "contact_key",
            "account_id",
            "opportunity_id",
            "source",
            "removed_at",
        )
    )


def stored(org) -> dict:
    return {
        "touches": touches(org),
        "campaigns": sorted(
            Campaign.objects.filter(organization=org).values_list("external_id", "name", "channel__name")
        ),
        "channels": sorted(Channel.objects.filter(organization=org).values_list("name", "grouping")),
        "updated": sorted(Touchpoint.objects.filter(organization=org).values_list("id", "updated_at")),
    }


def test_preview_writes_nothing_then_full_sync_makes_one_touch_per_member(
    world, org, admin, django_capture_on_commit_callbacks
):
    members, campaigns = world["members"], world["campaigns"]
    # given nothing synced yet
    empty = {"touches": [], "campaigns": [], "channels": [], "updated": []}
    assert stored(org) == empty

    # when previewed
    preview = run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)

    # then nothing is written, and every member says what it would do (its campaign is new too)
    assert stored(org) == empty
    assert preview.counts["objects"]["CampaignMember"] == {"create": 3, "error": 1}
    assert preview.counts["objects"]["Campaign"] == {"create": 2, "marketing attribution: create": 2}
    entry = SyncLogEntry.objects.get(job=preview, salesforce_id=members["contact"])
    assert (entry.action, entry.dry_run) == (SyncAction.CREATE, True)
    assert entry.changes["contact_key"] == "salesforce:003000000000001AAA"
    assert entry.changes["occurred_at"] == at(3).isoformat()
    marketing = SyncLogEntry.objects.get(
        job=preview, salesforce_id=campaigns["webinar"], message="marketing attribution"
    )
    assert marketing.changes == {"name": "Spring webinar", "channel": "Webinar"}

    # when synced for real
    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)

    # then each member is one CRM touch on its campaign's channel
    assert job.counts["objects"]["CampaignMember"] == {"create": 3, "error": 1}
    after = stored(org)
    assert after["campaigns"] == sorted(
        [
            (f"salesforce:{campaigns['webinar']}", "Spring webinar", "Webinar"),
            (f"salesforce:{campaigns['fair']}", "Trade fair", DEFAULT_CHANNEL),
        ]
    )
    assert after["channels"] == [(DEFAULT_CHANNEL, "CRM"), ("Webinar", "CRM")]
    assert after["touches"] == sorted(
        [
            (
                f"salesforce:{members['lead']}",
                at(2),
                "Webinar",
                "Spring webinar",
                "salesforce:00Q000000000001AAA",
                None,
                None,
                TouchSource.CRM,
                None,
            ),
            (
                f"salesforce:{members['contact']}",
                at(3),
                "Webinar",
                "Spring webinar",
                "salesforce:003000000000001AAA",
                None,
                None,
                TouchSource.CRM,
                None,
            ),
            (
                f"salesforce:{members['fair']}",
                at(4),
                DEFAULT_CHANNEL,
                "Trade fair",
                "salesforce:003000000000002AAA",
                None,
                None,
                TouchSource.CRM,
                None,
            ),
        ]
    )
    error = SyncLogEntry.objects.get(job=job, sobject=SyncObject.CAMPAIGN_MEMBER, action=SyncAction.ERROR)
    assert error.salesforce_id == members["orphan"]
    assert error.message == (
        f"campaign: Salesforce campaign {UNKNOWN_CAMPAIGN} has no marketing campaign (not synced, or "
        "refused: see the Campaign records of the sync log)"
    )


def test_rerun_changes_nothing_then_updates_deletes_and_restores(
    world, org, admin, django_capture_on_commit_callbacks
):
    connection, fake, members, campaigns = (
        world["connection"],
        world["fake"],
        world["members"],
        world["campaigns"],
    )
    run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    once = stored(org)

    # a re-run changes nothing (not even updated_at) and logs only the refused record
    again = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert again.counts["objects"]["CampaignMember"] == {"unchanged": 3, "error": 1}
    assert again.counts["objects"]["Campaign"] == {"unchanged": 2, "marketing attribution: unchanged": 2}
    assert stored(org) == once
    assert list(
        SyncLogEntry.objects.filter(job=again, sobject=SyncObject.CAMPAIGN_MEMBER).values_list(
            "salesforce_id", "action"
        )
    ) == [(members["orphan"], SyncAction.ERROR)]

    # the lead converts to a contact, a member is deleted, the fair gets a Type
    fake.store.update("CampaignMember", members["lead"], {"ContactId": "003000000000007AAA"})
    fake.store.delete("CampaignMember", members["contact"])
    fake.store.update("Campaign", campaigns["fair"], {"Type": "Trade Show"})
    job = run(connection, admin.user, django_capture_on_commit_callbacks)
    assert job.counts["objects"]["CampaignMember"]["update"] == 1
    assert job.counts["objects"]["CampaignMember"]["delete"] == 1
    assert job.counts["objects"]["Campaign"]["marketing attribution: update"] == 1
    by_key = {t[0]: t for t in touches(org)}
    converted = by_key[f"salesforce:{members['lead']}"]
    assert converted[4] == "salesforce:003000000000007AAA"
    deleted = Touchpoint.objects.get(organization=org, external_id=f"salesforce:{members['contact']}")
    deleted_at = fake.store.records["CampaignMember"][members["contact"]]["SystemModstamp"]
    assert deleted.removed_at == dt.datetime.strptime(deleted_at, "%Y-%m-%dT%H:%M:%S.%f%z")
    # the fair's touch moved with its campaign to the new channel
    assert by_key[f"salesforce:{members['fair']}"][2] == "Trade Show"
    update = SyncLogEntry.objects.get(job=job, salesforce_id=members["lead"])
    assert update.changes == {
        "contact_key": ["salesforce:00Q000000000001AAA", "salesforce:003000000000007AAA"]
    }
    assert SyncLogEntry.objects.get(job=job, salesforce_id=members["contact"]).action == SyncAction.DELETE

    # new journeys leave the removed touch out; the row stays for past runs' drill-down
    config = model_config_save(
        organization=org, actor=admin.user, name="contacts", model="linear", journey_level="contact"
    )
    data = journey_data(
        organization=org, config=config, window_start=dt.date(2026, 1, 1), window_end=dt.date(2026, 1, 31)
    )
    assert sorted(data.journey_key) == [
        "contact:salesforce:003000000000002AAA",
        "contact:salesforce:003000000000007AAA",
    ]

    # a full re-run keeps the mark; a member restored in Salesforce clears it
    full = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert full.counts["objects"]["CampaignMember"] == {"unchanged": 3, "error": 1}
    fake.store.update("CampaignMember", members["contact"], {"IsDeleted": False})
    restored = run(connection, admin.user, django_capture_on_commit_callbacks)
    assert restored.counts["objects"]["CampaignMember"]["update"] == 1
    deleted.refresh_from_db()
    assert deleted.removed_at is None


def test_unresolvable_channel_or_campaign_is_that_members_error(
    world, org, admin, django_capture_on_commit_callbacks
):
    connection, fake, members, campaigns = (
        world["connection"],
        world["fake"],
        world["members"],
        world["campaigns"],
    )
    # given Type mapped onto the organization's channels, and a Type the map lacks
    FieldMapping.objects.filter(
        connection=connection, sobject=SyncObject.CAMPAIGN, target_field="channel"
    ).update(transform=Transform.VALUE_MAP, value_map={"Webinar": "Events"})
    fake.store.update("Campaign", campaigns["fair"], {"Type": "Guerrilla"})
    # and a marketing campaign of the webinar's name that another Salesforce campaign holds
    events = Channel.objects.create(organization=org, name="Events")
    Campaign.objects.create(
        organization=org, name="Spring webinar", channel=events, external_id="salesforce:x"
    )
    before = {"touches": Touchpoint.objects.count(), "campaigns": Campaign.objects.count()}

    run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    job = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)

    # then the campaigns are refused, naming the field, and so are their members; nothing half-written
    logged = {
        (e.sobject, e.salesforce_id): e.message
        for e in SyncLogEntry.objects.filter(job=job, action=SyncAction.ERROR)
    }
    assert logged[(SyncObject.CAMPAIGN, campaigns["fair"])] == "Type: no mapping for 'Guerrilla'"
    assert logged[(SyncObject.CAMPAIGN, campaigns["webinar"])] == (
        "marketing attribution: name: another marketing campaign is called 'Spring webinar'"
    )
    for key, campaign in (("lead", "webinar"), ("contact", "webinar"), ("fair", "fair")):
        assert logged[(SyncObject.CAMPAIGN_MEMBER, members[key])].startswith(
            f"campaign: Salesforce campaign {campaigns[campaign]} has no marketing campaign"
        )
    assert job.counts["objects"]["CampaignMember"] == {"error": 4}
    assert {"touches": Touchpoint.objects.count(), "campaigns": Campaign.objects.count()} == before


def test_only_organization_admins_configure_and_run_it(
    world, org, admin, manager, rep, other_org_admin, client_for, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    FieldMapping.objects.filter(connection=connection, sobject__in=OBJECTS).delete()
    url = reverse("admin:revops_salesforceconnection_changelist")
    data = {
        "action": "install_campaign_member_mappings",
        "_selected_action": [str(connection.pk)],
        "index": "0",
    }

    # others: no run, no mapping added
    for actor in (manager.user, rep.user, other_org_admin.user):
        with pytest.raises(ApplicationError, match=NOT_ADMIN):
            salesforce_sync_start(connection=connection, actor=actor, dry_run=True)
    # (the admin site does not exist for a manager or a rep; another organization's admin
    # selects nothing: the connection is not in their list)
    for member, status in ((manager, 404), (rep, 404), (other_org_admin, 302)):
        response = client_for(member).post(url, data)
        assert response.status_code == status
        assert FieldMapping.objects.filter(connection=connection, sobject__in=OBJECTS).count() == 0
    assert JobRun.objects.filter(kind="salesforce.sync").count() == 0

    # the organization's admin adds the standard mappings, once
    response = client_for(admin).post(url, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"{connection}: 9 mapping(s) added."]
    assert sorted(
        FieldMapping.objects.filter(connection=connection, sobject__in=OBJECTS).values_list(
            "sobject", "salesforce_field", "target_field"
        )
    ) == sorted(
        [
            ("Campaign", "Name", "name"),
            ("Campaign", "IsActive", "active"),
            ("Campaign", "Description", "description"),
            ("Campaign", "Type", "channel"),
            ("CampaignMember", "CampaignId", "campaign"),
            ("CampaignMember", "LeadId", "lead"),
            ("CampaignMember", "ContactId", "contact"),
            ("CampaignMember", "Status", "status"),
            ("CampaignMember", "CreatedDate", "responded_at"),
        ]
    )
    response = client_for(admin).post(url, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"{connection}: 0 mapping(s) added."]


def test_attribution_run_credits_the_campaigns_channel(world, org, admin, django_capture_on_commit_callbacks):
    connection, fake = world["connection"], world["fake"]
    # given a deal created on 2026-01-05 and members naming its account (a formula field)
    account = add_account(fake, "Lima")
    deal = add_opportunity(fake, "Lima platform", account, amount=12000, history=False)
    for field, target in (("Account__c", "account"), ("Opportunity__c", "opportunity")):
        FieldMapping.objects.create(
            organization=org,
            connection=connection,
            sobject=SyncObject.CAMPAIGN_MEMBER,
            salesforce_field=field,
            target_field=target,
        )
    fake.store.update("CampaignMember", world["members"]["lead"], {"Account__c": account})
    fake.store.update("CampaignMember", world["members"]["fair"], {"Opportunity__c": deal})
    run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    opportunity = Opportunity.objects.get(organization=org, external_id=deal)
    on_account = sorted(
        Touchpoint.objects.filter(organization=org, account=opportunity.account).values_list(
            "channel__name", "opportunity_id"
        )
    )
    assert on_account == [(DEFAULT_CHANNEL, opportunity.pk), ("Webinar", None)]

    # when a linear model runs over January at account level (deal created: the conversion)
    config = model_config_save(
        organization=org, actor=admin.user, name="crm", model="linear", bootstrap_resamples=0
    )
    with django_capture_on_commit_callbacks(execute=True):
        attribution, job = run_create(
            organization=org,
            config=config,
            actor=admin.user,
            window_start=dt.date(2026, 1, 1),
            window_end=dt.date(2026, 1, 31),
        )
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error

    # then the deal's value is split between the campaigns' channels
    credit = {
        r.channel.name: (r.conversions, r.value)
        for r in ChannelResult.objects.filter(run=attribution).select_related("channel")
    }
    assert credit == {
        "Webinar": (Decimal("0.5000"), Decimal("6000.00")),
        DEFAULT_CHANNEL: (Decimal("0.5000"), Decimal("6000.00")),
    }


def test_members_and_campaigns_refused_only_when_no_app_stores_them(
    world, org, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    FieldMapping.objects.filter(connection=connection, sobject__in=OBJECTS).delete()

    # without marketing attribution's member provider, CampaignMember is refused, naming the app
    with provider_override("crm_campaign_members_upsert", None), pytest.raises(ValidationError) as refused:
        mapping_install_defaults(connection=connection, sobjects=[SyncObject.CAMPAIGN_MEMBER])
    assert refused.value.messages == [
        "CampaignMember: no app here stores Salesforce CampaignMember records (the app that does — "
        "marketing attribution — is not installed); remove the CampaignMember mappings."
    ]
    # Campaign is refused only when neither app that stores it is there
    with provider_override("crm_campaigns_upsert", None):
        assert mapping_install_defaults(connection=connection, sobjects=[SyncObject.CAMPAIGN]) == 4
        with (
            provider_override("crm_marketing_campaigns_upsert", None),
            pytest.raises(ValidationError, match="lead distribution or marketing attribution"),
        ):
            mapping_install_defaults(connection=connection, sobjects=[SyncObject.CAMPAIGN])
    assert FieldMapping.objects.filter(connection=connection, sobject=SyncObject.CAMPAIGN_MEMBER).count() == 0

    # with marketing attribution installed, the standard member mappings go in and a run syncs them
    assert mapping_install_defaults(connection=connection, sobjects=[SyncObject.CAMPAIGN_MEMBER]) == 5
    job = run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    assert job.counts["objects"]["CampaignMember"] == {"create": 3, "error": 1}
