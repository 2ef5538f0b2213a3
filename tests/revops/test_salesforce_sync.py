"""The Salesforce sync through simple-salesforce against the fake Salesforce (HTTPS, 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import unquote_plus

import pytest
from django.core.exceptions import ValidationError

from revops.exceptions import ApplicationError
from revops.models import Account, JobRun, Opportunity, OpportunityStageChange, Partner
from revops.models.salesforce import (
    ConflictPolicy,
    FieldMapping,
    SyncAction,
    SyncLogEntry,
    SyncObject,
    SyncSegment,
    SyncWatermark,
    Transform,
)
from revops.services.salesforce_segments import segment_filter
from revops.services.salesforce_sync import NOT_ADMIN, PREVIEW_FIRST, Mode, salesforce_sync_start
from tests.revops.salesforce_world import (
    SESSION_ENV,
    add_account,
    add_opportunity,
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
def world(sf, org, admin, rep):
    """Two accounts and three opportunities; the rep owns one deal in Salesforce too."""
    sf_rep = sf.add_user(rep.user.email)
    acme = add_account(sf, "Acme", Industry="Software")
    bolt = add_account(sf, "Bolt")
    opps = {
        "open": add_opportunity(sf, "Acme renewal", acme, amount=12000, OwnerId=sf_rep),
        "won": add_opportunity(
            sf, "Bolt expansion", bolt, stage="Closed Won", amount=5500.5, close="2026-03-31"
        ),
        "proposal": add_opportunity(sf, "Acme add-on", acme, stage="Proposal/Price Quote", amount=800),
    }
    connection = connection_for(sf, org)
    return {"connection": connection, "acme": acme, "bolt": bolt, "opps": opps, "sf_rep": sf_rep, "fake": sf}


def run(connection, actor, capture, *, mode=Mode.INCREMENTAL, dry_run=False) -> JobRun:
    with capture(execute=True):
        job, created = salesforce_sync_start(connection=connection, actor=actor, mode=mode, dry_run=dry_run)
    assert created
    job.refresh_from_db()
    return job


def preview_then_sync(connection, actor, capture, mode=Mode.FULL) -> JobRun:
    preview = run(connection, actor, capture, dry_run=True)
    assert preview.status == JobRun.Status.SUCCEEDED, preview.error
    return run(connection, actor, capture, mode=mode)


def snapshot(org) -> dict:
    return {
        "accounts": sorted(
            Account.objects.filter(organization=org).values_list("external_id", "name", "owner_id")
        ),
        "opportunities": sorted(
            Opportunity.objects.filter(organization=org).values_list(
                "external_id", "name", "stage", "amount", "close_date", "owner_id", "updated_at"
            )
        ),
        "stage_changes": OpportunityStageChange.objects.filter(organization=org).count(),
        "watermarks": sorted(SyncWatermark.objects.values_list("sobject", "modstamp")),
    }


def logged(job, *actions) -> list[tuple[str, str]]:
    rows = SyncLogEntry.objects.filter(job=job)
    if actions:
        rows = rows.filter(action__in=actions)
    return sorted(rows.values_list("salesforce_id", "action"))


def test_full_sync_creates_rows_with_mapped_values(world, admin, rep, django_capture_on_commit_callbacks):
    job = preview_then_sync(world["connection"], admin.user, django_capture_on_commit_callbacks)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.counts["objects"]["Account"] == {"create": 2}
    assert job.counts["objects"]["Opportunity"] == {"create": 3}, list(
        SyncLogEntry.objects.filter(action="error").values_list("message", flat=True)
    )
    assert job.counts["objects"]["OpportunityHistory"] == {"create": 3}
    deals = {o.external_id: o for o in Opportunity.objects.filter(organization=admin.organization)}
    open_deal, won, proposal = (deals[world["opps"][k]] for k in ("open", "won", "proposal"))
    assert (open_deal.name, open_deal.stage, open_deal.amount) == (
        "Acme renewal",
        "prospecting",
        Decimal("12000.00"),
    )
    assert open_deal.owner_id == rep.user_id  # OwnerId → the Salesforce user's e-mail → our member
    assert open_deal.account.external_id == world["acme"]
    assert open_deal.expected_close_date == dt.date(2026, 6, 30) and open_deal.close_date is None
    assert (won.stage, won.amount, won.close_date) == ("closed_won", Decimal("5500.50"), dt.date(2026, 3, 31))
    assert proposal.stage == "proposal" and proposal.owner_id is None
    acme = Account.objects.get(organization=admin.organization, external_id=world["acme"])
    assert (acme.name, acme.domain, acme.industry) == ("Acme", "acme.example", "Software")
    changes = OpportunityStageChange.objects.filter(opportunity=won)
    assert list(changes.values_list("from_stage", "to_stage", "amount")) == [
        ("", "closed_won", Decimal("5500.50"))
    ]
    # Per object and segment, the watermark is the newest SystemModstamp read.
    newest = max(r["SystemModstamp"] for r in world["fake"].store.records["Opportunity"].values())
    mark = SyncWatermark.objects.get(sobject=SyncObject.OPPORTUNITY, segment=None)
    assert mark.modstamp == dt.datetime.fromisoformat(newest)


def test_first_real_run_needs_a_preview_and_the_preview_writes_nothing(
    world, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    before = snapshot(admin.organization)
    with pytest.raises(ApplicationError, match=re.escape(PREVIEW_FIRST)):
        salesforce_sync_start(connection=connection, actor=admin.user)
    assert JobRun.objects.filter(kind="salesforce.sync").count() == 0
    preview = run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    assert preview.status == JobRun.Status.SUCCEEDED, preview.error
    assert snapshot(admin.organization) == before  # no account, deal, stage change or watermark
    # The preview says, per record, what the sync would do (opportunities of accounts it would create too).
    expected = sorted(
        [(world["acme"], "create"), (world["bolt"], "create")]
        + [(rid, "create") for rid in world["opps"].values()]
    )
    rows = SyncLogEntry.objects.filter(job=preview, sobject__in=[SyncObject.ACCOUNT, SyncObject.OPPORTUNITY])
    assert sorted(rows.values_list("salesforce_id", "action")) == expected
    assert all(rows.values_list("dry_run", flat=True))
    assert preview.counts["create"] == 5 + 3  # and the three deals' stage histories
    changes = rows.get(salesforce_id=world["opps"]["won"]).changes
    assert changes["stage"] == "closed_won" and changes["amount"] == "5500.50"


def test_rerun_is_idempotent(world, admin, django_capture_on_commit_callbacks):
    connection = world["connection"]
    preview_then_sync(connection, admin.user, django_capture_on_commit_callbacks)
    after_first = snapshot(admin.organization)
    again = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert again.status == JobRun.Status.SUCCEEDED, again.error
    assert snapshot(admin.organization) == after_first
    assert again.counts["unchanged"] == 2 + 3 + 3 and again.counts.get("create", 0) == 0
    assert again.counts.get("update", 0) == 0
    assert logged(again) == []  # a real run logs what it changed or refused; nothing here


def test_incremental_reads_only_changed_and_deleted_records(
    world, sf, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    preview_then_sync(connection, admin.user, django_capture_on_commit_callbacks)
    opps = world["opps"]
    sf.store.update("Opportunity", opps["proposal"], {"StageName": "Negotiation/Review", "Amount": 950})
    sf.store.insert(
        "OpportunityHistory", {"OpportunityId": opps["proposal"], "StageName": "Negotiation/Review"}
    )
    sf.store.delete("Opportunity", opps["open"])
    new = add_opportunity(sf, "Bolt pilot", world["bolt"], amount=300)
    sf.calls.clear()
    job = run(connection, admin.user, django_capture_on_commit_callbacks)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert logged(job, "create", "update", "delete", "conflict", "error") == sorted(
        [
            (opps["proposal"], "update"),
            (opps["open"], "delete"),
            (new, "create"),
            *[(h, "create") for h in history_ids(sf, opps["proposal"], new, latest_only=True)],
        ]
    )
    # Only what changed since the watermark was read (plus nothing else): 3 opportunities, and
    # the accounts' query returned only the record stamped at the watermark itself.
    assert job.counts["objects"]["Opportunity"] == {"update": 1, "delete": 1, "create": 1}
    assert job.counts["objects"]["Account"] == {"unchanged": 1}
    assert any("queryAll" in path and "SystemModstamp" in path for _m, path in sf.calls)
    deals = {o.external_id: o for o in Opportunity.objects.filter(organization=admin.organization)}
    assert (deals[opps["proposal"]].stage, deals[opps["proposal"]].amount) == (
        "negotiation",
        Decimal("950.00"),
    )
    deleted = deals[opps["open"]]
    assert deleted.stage == "closed_lost" and deleted.close_date is not None  # deleted: closed lost
    assert deals[new].name == "Bolt pilot"
    moves = OpportunityStageChange.objects.filter(opportunity=deals[opps["proposal"]]).order_by("changed_at")
    assert list(moves.values_list("from_stage", "to_stage")) == [
        ("", "proposal"),
        ("proposal", "negotiation"),
    ]


def history_ids(sf, *opportunity_ids, latest_only=False) -> list[str]:
    out = []
    for opp in opportunity_ids:
        rows = [r for r in sf.store.records["OpportunityHistory"].values() if r["OpportunityId"] == opp]
        rows.sort(key=lambda r: r["SystemModstamp"])
        out.extend(r["Id"] for r in (rows[-1:] if latest_only else rows))
    return out


def test_segments_sync_each_record_once_with_their_overrides(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    boss = admin.user
    emea = SyncSegment.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.OPPORTUNITY,
        name="EMEA",
        order=1,
        region_field="Region__c",
        region="EMEA",
        default_owner=boss,
    )
    SyncSegment.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.OPPORTUNITY,
        name="Big deals",
        order=2,
        conditions=[{"field": "Amount", "operator": ">=", "value": 10000}],
    )
    FieldMapping.objects.create(
        organization=org,
        connection=connection,
        segment=emea,
        sobject=SyncObject.OPPORTUNITY,
        target_field="lead_source",
        transform=Transform.CONSTANT,
        constant="EMEA partner desk",
    )
    both = add_opportunity(sf, "Big EMEA", world["acme"], amount=50000, Region__c="EMEA")
    only_emea = add_opportunity(sf, "Small EMEA", world["acme"], amount=10, Region__c="EMEA")
    quoted = add_opportunity(sf, "O'Brien's deal", world["acme"], amount=20000, Region__c="EMEA's")
    job = preview_then_sync(connection, admin.user, django_capture_on_commit_callbacks)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    rows = SyncLogEntry.objects.filter(job=job, sobject=SyncObject.OPPORTUNITY)
    by_id = {}
    for sf_id, segment in rows.values_list("salesforce_id", "segment_name"):
        assert sf_id not in by_id, f"{sf_id} synced twice"
        by_id[sf_id] = segment
    assert by_id == {
        both: "EMEA",  # matches both segments: the first by order takes it
        only_emea: "EMEA",
        quoted: "Big deals",
        world["opps"]["open"]: "Big deals",
    }
    # The two small deals outside EMEA match no segment: not synced at all.
    assert not Opportunity.objects.filter(
        external_id__in=[world["opps"]["won"], world["opps"]["proposal"]]
    ).exists()
    deals = {o.external_id: o for o in Opportunity.objects.filter(organization=org)}
    assert deals[both].lead_source == "EMEA partner desk" and deals[both].owner_id == boss.pk
    assert deals[quoted].lead_source == "" and deals[quoted].owner_id is None
    queries = [unquote_plus(path) for _m, path in sf.calls if "queryAll" in path]
    segment_queries = [q for q in queries if "FROM Opportunity " in q]
    assert [q.split(" WHERE ")[1].split(" ORDER BY")[0] for q in segment_queries[-2:]] == [
        "(Region__c = 'EMEA')",
        "(Amount >= 10000) AND (NOT (Region__c = 'EMEA'))",
    ]


def test_segment_filters_render_quoted_soql_and_refuse_bad_input(org):
    segment = SyncSegment(
        organization=org,
        sobject=SyncObject.OPPORTUNITY,
        name="Quoted",
        record_type_id="012000000000001",
        region_field="Region__c",
        region="O'Brien \\ Co",
        owner_role_id="00E000000000001",
        conditions=[
            {"field": "Amount", "operator": ">", "value": 1000},
            {"field": "LeadSource", "operator": "IN", "value": ["Web", "It's"]},
            {"field": "Name", "operator": "LIKE", "value": "%' OR Name != '"},
        ],
    )
    assert segment_filter(segment) == (
        "RecordTypeId = '012000000000001' AND Region__c = 'O\\'Brien \\\\ Co' AND "
        "Owner.UserRoleId = '00E000000000001' AND Amount > 1000 AND LeadSource IN ('Web', 'It\\'s') AND "
        "Name LIKE '%\\' OR Name != \\''"
    )
    bad = [
        (
            [{"field": "Name) OR (Id", "operator": "=", "value": "x"}],
            "condition 1: 'Name) OR (Id' is not a Salesforce field name.",
        ),
        ([{"field": "Name", "operator": "; DELETE", "value": "x"}], "condition 1: operator must be one of"),
        (
            [{"field": "Name", "operator": "IN", "value": "x"}],
            "condition 1: IN takes a non-empty list of values.",
        ),
        ({"field": "Name"}, "Give a JSON list of {field, operator, value}."),
    ]
    for conditions, message in bad:
        segment.conditions = conditions
        with pytest.raises(ValidationError) as caught:
            segment.clean()
        assert caught.value.message_dict["conditions"][0].startswith(message)


def test_mapping_transforms_and_a_malformed_record_is_logged_while_the_rest_sync(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    FieldMapping.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.ACCOUNT,
        salesforce_field="Region__c",
        target_field="region",
        transform=Transform.VALUE_MAP,
        value_map={"Europe": "emea", "Americas": "na"},
    )
    sf.store.update("Account", world["acme"], {"Region__c": "Europe"})
    sf.store.update("Account", world["bolt"], {"Region__c": "Mars"})
    fine = add_opportunity(sf, "Fine", world["acme"])
    sf.malformed[world["opps"]["open"]] = {"Amount": "lots"}
    sf.malformed[world["opps"]["proposal"]] = {"CloseDate": "31/12/2026"}
    job = preview_then_sync(connection, admin.user, django_capture_on_commit_callbacks)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    errors = dict(
        SyncLogEntry.objects.filter(job=job, action=SyncAction.ERROR).values_list("salesforce_id", "message")
    )
    assert errors[world["bolt"]] == "Region__c: no mapping for 'Mars'"
    assert errors[world["opps"]["open"]] == "Amount: 'lots' is not a number"
    assert errors[world["opps"]["proposal"]] == "CloseDate: '31/12/2026' is not a date"
    # The bolt account failed, so its deal cannot attach to it: named, not guessed.
    assert errors[world["opps"]["won"]] == f"AccountId: account {world['bolt']} is not synced"
    assert len(errors) == 4
    assert Account.objects.get(external_id=world["acme"]).region == "emea"
    assert list(Opportunity.objects.filter(organization=org).values_list("external_id", flat=True)) == [fine]


def test_rate_limit_is_retried_with_backoff_then_the_sync_succeeds(
    world, sf, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    sf.calls.clear()
    sf.fail_next(2, after=1)  # after the users query: the accounts query, then its first retry
    sf.fail_next(1, status=503, code="SERVER_UNAVAILABLE")
    job = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert Opportunity.objects.filter(organization=admin.organization).count() == 3
    account_queries = [p for _m, p in sf.calls if "FROM+Account" in p.replace("%20", "+")]
    assert len(account_queries) == 4  # refused twice (rate limit), once (503), then answered


def test_a_failure_mid_read_keeps_the_pages_before_it_and_the_next_run_resumes(
    world, sf, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    sf.page_size = 2
    for number in range(5):
        add_opportunity(sf, f"Extra {number}", world["acme"], history=False)
    run(connection, admin.user, django_capture_on_commit_callbacks, dry_run=True)
    # User query, 1 account page... 2 accounts = 1 page (done), partner object query, then the
    # first opportunity page passes and every request after it is refused.
    sf.fail_next(50, after=3 + 1, status=500, code="UNKNOWN_EXCEPTION")
    failed = run(connection, admin.user, django_capture_on_commit_callbacks, mode=Mode.FULL)
    assert failed.status == JobRun.Status.FAILED
    assert "after 2 records" in failed.error and "UNKNOWN_EXCEPTION" in failed.error
    kept = Opportunity.objects.filter(organization=admin.organization)
    first_page = sorted(sf.store.records["Opportunity"].values(), key=lambda r: r["SystemModstamp"])[:2]
    assert sorted(kept.values_list("external_id", flat=True)) == sorted(r["Id"] for r in first_page)
    mark = SyncWatermark.objects.get(sobject=SyncObject.OPPORTUNITY)
    assert mark.modstamp == dt.datetime.fromisoformat(first_page[-1]["SystemModstamp"])
    sf._faults.clear()
    resumed = run(connection, admin.user, django_capture_on_commit_callbacks)
    assert resumed.status == JobRun.Status.SUCCEEDED, resumed.error
    assert kept.count() == 8
    assert resumed.counts["objects"]["Opportunity"] == {
        "unchanged": 1,
        "create": 6,
    }  # resumed at the watermark


def test_conflict_policies(world, sf, org, admin, django_capture_on_commit_callbacks):
    connection = world["connection"]
    preview_then_sync(connection, admin.user, django_capture_on_commit_callbacks)
    FieldMapping.objects.filter(connection=connection, sobject="Opportunity", target_field="name").update(
        conflict_policy=ConflictPolicy.REVOPS_WINS
    )
    FieldMapping.objects.filter(connection=connection, sobject="Opportunity", target_field="amount").update(
        conflict_policy=ConflictPolicy.NEWEST
    )
    opps = world["opps"]
    deal = Opportunity.objects.get(external_id=opps["open"])
    sf.store.update("Opportunity", opps["open"], {"Name": "Acme renewal 2027"})  # amount unchanged there
    # Edited here after Salesforce's last change: the newer amount is ours.
    Opportunity.objects.filter(pk=deal.pk).update(
        name="Renewal (local)", amount=Decimal("13000.00"), updated_at=dt.datetime.now(dt.UTC)
    )
    other = Opportunity.objects.get(external_id=opps["proposal"])
    Opportunity.objects.filter(pk=other.pk).update(
        amount=Decimal("900.00"), updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    sf.store.update("Opportunity", opps["proposal"], {"Amount": 1500})  # newer in Salesforce
    job = run(connection, admin.user, django_capture_on_commit_callbacks)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    deal.refresh_from_db()
    other.refresh_from_db()
    assert (deal.name, deal.amount) == ("Renewal (local)", Decimal("13000.00"))
    assert other.amount == Decimal("1500.00")
    entry = SyncLogEntry.objects.get(job=job, salesforce_id=opps["open"])
    assert entry.action == SyncAction.CONFLICT
    assert entry.changes == {
        "name": ["Renewal (local)", "Acme renewal 2027"],
        "amount": ["13000.00", "12000.00"],
    }
    assert SyncLogEntry.objects.get(job=job, salesforce_id=opps["proposal"]).action == SyncAction.UPDATE


def test_partners_sync_from_the_configured_object_and_deletion_deactivates(
    world, sf, org, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    FieldMapping.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.PARTNER,
        salesforce_field="Tier__c",
        target_field="tier",
        transform=Transform.VALUE_MAP,
        value_map={"Gold Partner": "gold", "Silver Partner": "silver"},
    )
    pid = sf.store.insert("Partner__c", {"Name": "Northwind SI", "Tier__c": "Gold Partner"})
    preview_then_sync(connection, admin.user, django_capture_on_commit_callbacks)
    partner = Partner.objects.get(organization=org, external_id=pid)
    assert (partner.name, partner.tier, partner.status) == ("Northwind SI", "gold", "active")
    sf.store.delete("Partner__c", pid)
    job = run(connection, admin.user, django_capture_on_commit_callbacks)
    partner.refresh_from_db()
    assert partner.status == "inactive"
    assert logged(job) == [(pid, "delete")]


def test_only_organization_admins_run_the_sync(
    world, manager, other_org_admin, admin, django_capture_on_commit_callbacks
):
    connection = world["connection"]
    for actor in (manager.user, other_org_admin.user):
        with pytest.raises(ApplicationError, match=NOT_ADMIN):
            salesforce_sync_start(connection=connection, actor=actor, dry_run=True)
    assert JobRun.objects.filter(kind="salesforce.sync").count() == 0


def test_missing_credentials_fail_the_run_naming_the_variable(
    world, admin, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.delenv(SESSION_ENV)
    job = run(world["connection"], admin.user, django_capture_on_commit_callbacks, dry_run=True)
    assert job.status == JobRun.Status.FAILED
    assert job.error == f"The environment variable {SESSION_ENV} named by the connection is not set."
    assert SyncLogEntry.objects.count() == 0
