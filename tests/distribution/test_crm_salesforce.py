"""Distribution with leads in Salesforce: read and written through simple-salesforce, against the fake over HTTPS."""

import pytest

from distribution.engine import ConfigError, load_text
from distribution.models import DistributionRun, Lead, LeadAssignment
from distribution.selectors.inputs import RunOptions, distribution_plan, distribution_prepare
from distribution.services.runs import distribution_run
from revops.connectors.errors import ConnectorError
from tests.distribution.conftest import TODAY
from tests.distribution.crm_cases import FILTERS, cases, local_leads, plan_by_name
from tests.distribution.factories import SalespersonProfileFactory

TOKEN = "sf-secret-session"
RATING = {3: "Hot", 2: "Warm", 1: "Cold", 0: None}


def _section(fake, queue: str, max_retries: int = 4) -> str:
    return (
        "lead_source:\n"
        "  type: salesforce\n"
        f"  instance_url: {fake.url}\n"
        "  session_id: ${SF_SESSION_ID}\n"
        f"  ca_file: {fake.ca_file}\n"
        f"  unassigned_owners: ['{queue}']\n"
        f"  max_retries: {max_retries}\n"
        "  where: [{field: LeadSource, op: '!=', value: Partner}]\n"
        "  field_map: {tags: Tags__c}\n"
        "  owner_map: {rep2@acme.test: r2@sf.example}\n"
    )


@pytest.fixture
def sf_floor(org, rep, other_rep, fake_salesforce, monkeypatch):
    """Two reps and their Salesforce users, the lead queue, 30 queued leads and one partner lead."""
    monkeypatch.setenv("SF_SESSION_ID", TOKEN)
    SalespersonProfileFactory(organization=org, user=rep.user, capacity=50)
    SalespersonProfileFactory(organization=org, user=other_rep.user, capacity=50)
    fake_salesforce.store.fields["Lead"]["Tags__c"] = "multipicklist"
    queue = fake_salesforce.store.insert("Group", {"Name": "Web leads", "Type": "Queue"})
    users = {
        rep.user_id: fake_salesforce.add_user("rep1@acme.test"),
        other_rep.user_id: fake_salesforce.add_user("r2@sf.example"),
    }
    for row in cases():
        fake_salesforce.store.insert(
            "Lead",
            {
                "LastName": row["name"],
                "Name": row["name"],
                "Email": row["email"] or None,
                "Phone": row["phone"],
                "Company": row["company"],
                "LeadSource": row["web_source"],
                "Status": row["status"],
                "Rating": RATING[row["priority"]],
                "DoNotCall": row["do_not_call"],
                "Tags__c": ";".join(row["tags"]) or None,
                "CreatedDate": row["received_at"].strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "OwnerId": queue,
                "IsConverted": False,
            },
        )
    fake_salesforce.store.insert(
        "Lead",
        {
            "LastName": "Partner lead",
            "LeadSource": "Partner",
            "OwnerId": queue,
            "IsConverted": False,
            "Email": "x@p.example",
        },
    )
    return {"users": users, "queue": queue}


def _doc(fake, floor, **kw):
    return load_text(FILTERS + _section(fake, floor["queue"], **kw))


def _owners(fake) -> dict[str, str]:
    return {r["Name"]: r["OwnerId"] for r in fake.store.records["Lead"].values()}


def _snapshot(org):
    return (
        sorted(
            Lead.objects.filter(organization=org).values_list("pk", "owner_id", "external_id", "updated_at")
        ),
        LeadAssignment.objects.count(),
        DistributionRun.objects.count(),
    )


def test_salesforce_leads_get_the_same_plan_as_the_same_leads_in_revops(org, sf_floor, fake_salesforce):
    # given the same 30 leads as local rows and in Salesforce (pages of 200 in the fake: one page)
    local_leads(org, cases())
    fake_salesforce.page_size = 7
    # when
    local = distribution_prepare(org, load_text(FILTERS), options=RunOptions(), today=TODAY)
    distribution_plan(local)
    crm = distribution_prepare(org, _doc(fake_salesforce, sf_floor), options=RunOptions(), today=TODAY)
    distribution_plan(crm)
    # then
    assert plan_by_name(crm) == plan_by_name(local)
    assert len(plan_by_name(crm)[0]) == 8
    # the query and four queryMore pages of 7 (30 leads); the partner lead is not read
    gets = [p for m, p in fake_salesforce.calls if m == "GET"]
    assert len([g for g in gets if "/query/01g" in g]) == 4
    assert len(crm.leads) == 30
    assert fake_salesforce.writes() == []


def test_applied_run_writes_the_planned_owners_to_salesforce(org, sf_floor, fake_salesforce):
    # given
    prepared = distribution_prepare(
        org, _doc(fake_salesforce, sf_floor), options=RunOptions(dry_run=False), today=TODAY
    )
    distribution_plan(prepared)
    planned = plan_by_name(prepared)[0]
    # when
    run = distribution_run(organization=org, prepared=prepared)
    # then
    users = sf_floor["users"]
    owners = _owners(fake_salesforce)
    assert {n: o for n, o in owners.items() if o != sf_floor["queue"]} == {
        n: users[r] for n, r in planned.items()
    }
    assert fake_salesforce.writes() == [("PATCH", "/services/data/v59.0/composite/sobjects")]
    assert (run.status, run.counts["assigned"]) == ("applied", 8)
    mirrors = Lead.objects.filter(organization=org, external_source="salesforce")
    assert mirrors.count() == 30
    assert {m.name: m.owner_id for m in mirrors if m.owner_id} == planned


def test_dry_run_makes_no_write_call_to_salesforce(org, sf_floor, fake_salesforce):
    before = _snapshot(org)
    prepared = distribution_prepare(
        org, _doc(fake_salesforce, sf_floor), options=RunOptions(dry_run=True), today=TODAY
    )
    run = distribution_run(organization=org, prepared=prepared)
    assert fake_salesforce.writes() == []
    assert set(_owners(fake_salesforce).values()) == {sf_floor["queue"]}
    assert _snapshot(org)[:2] == before[:2]
    assert (run.mode, run.status, len(run.preview)) == ("dry_run", "planned", 8)


def test_rate_limit_then_success(org, sf_floor, fake_salesforce, monkeypatch):
    # given the write meets REQUEST_LIMIT_EXCEEDED twice (backoff sleeps skipped)
    monkeypatch.setattr("revops.connectors.salesforce.time.sleep", lambda s: None)
    prepared = distribution_prepare(
        org, _doc(fake_salesforce, sf_floor), options=RunOptions(dry_run=False), today=TODAY
    )
    distribution_plan(prepared)
    fake_salesforce.fail_next(2)
    # when
    run = distribution_run(organization=org, prepared=prepared)
    # then
    assert run.status == "applied"
    assert fake_salesforce.writes() == [("PATCH", "/services/data/v59.0/composite/sobjects")] * 3
    assert len([o for o in _owners(fake_salesforce).values() if o != sf_floor["queue"]]) == 8


def test_server_errors_beyond_the_retry_budget_fail_the_run_and_write_nothing_local(
    org, sf_floor, fake_salesforce, monkeypatch
):
    # given
    monkeypatch.setattr("revops.connectors.salesforce.time.sleep", lambda s: None)
    prepared = distribution_prepare(
        org, _doc(fake_salesforce, sf_floor, max_retries=2), options=RunOptions(dry_run=False), today=TODAY
    )
    distribution_plan(prepared)
    before = _snapshot(org)
    fake_salesforce.fail_next(3, status=503, code="SERVER_UNAVAILABLE", message="Service Unavailable")
    # when
    with pytest.raises(ConnectorError) as info:
        distribution_run(organization=org, prepared=prepared)
    # then
    assert (
        str(info.value)
        == "Salesforce answered HTTP 503 SERVER_UNAVAILABLE: Service Unavailable (gave up after 3 attempts)"
    )
    assert _snapshot(org) == before
    assert set(_owners(fake_salesforce).values()) == {sf_floor["queue"]}


def test_a_record_salesforce_refuses_is_recorded_and_the_others_applied(org, sf_floor, fake_salesforce):
    prepared = distribution_prepare(
        org, _doc(fake_salesforce, sf_floor), options=RunOptions(dry_run=False), today=TODAY
    )
    distribution_plan(prepared)
    planned = plan_by_name(prepared)[0]
    victim = next(r for r in fake_salesforce.store.records["Lead"].values() if r["Name"] == "Person 00")
    fake_salesforce.invalid[victim["Id"]] = ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Company size is required")
    run = distribution_run(organization=org, prepared=prepared)
    assert run.status == "partial"
    assert [(f["external_id"], f["message"]) for f in run.failures] == [
        (f"salesforce:{victim['Id']}", "FIELD_CUSTOM_VALIDATION_EXCEPTION: Company size is required")
    ]
    assert victim["OwnerId"] == sf_floor["queue"]
    assert LeadAssignment.objects.filter(run=run).count() == len(planned) - 1
    assert Lead.objects.get(external_id=f"salesforce:{victim['Id']}").owner_id is None


def test_the_session_id_is_in_no_stored_snapshot(org, sf_floor, fake_salesforce):
    prepared = distribution_prepare(
        org, _doc(fake_salesforce, sf_floor), options=RunOptions(dry_run=False), today=TODAY
    )
    run = distribution_run(organization=org, prepared=prepared)
    assert TOKEN not in run.document and "session_id: '**********'" in run.document
    assert TOKEN not in repr(prepared.doc) and TOKEN not in str(run.options)


@pytest.mark.parametrize(
    ("_case", "section", "message"),
    [
        (
            "no credentials",
            "lead_source: {type: salesforce, instance_url: 'https://x.my.salesforce.com', unassigned_owners: [q]}",
            "lead_source.session_id: give session_id and instance_url",
        ),
        (
            "no instance",
            "lead_source: {type: salesforce, session_id: t, unassigned_owners: [q]}",
            "lead_source.instance_url: required with session_id",
        ),
        (
            "free soql",
            "lead_source: {type: salesforce, session_id: t, instance_url: 'https://x', unassigned_owners: [q], where: [{field: 'Id) OR (1', value: 1}]}",
            "lead_source.where.0.field: not a field name: 'Id) OR (1'",
        ),
        (
            "no queue",
            "lead_source: {type: salesforce, session_id: t, instance_url: 'https://x'}",
            "lead_source.unassigned_owners: required with lead_finding.only_unassigned",
        ),
    ],
)
def test_bad_salesforce_config_names_the_path(_case, section, message):
    with pytest.raises(ConfigError) as info:
        load_text(FILTERS + section, env={})
    assert str(info.value).startswith(message)


def test_a_malformed_lead_fails_the_read_naming_the_record(org, sf_floor, fake_salesforce):
    # given Salesforce answers one lead with a date it cannot have
    victim = next(iter(fake_salesforce.store.records["Lead"]))
    fake_salesforce.malformed[victim] = {"CreatedDate": "yesterday"}
    before = _snapshot(org)
    # when / then
    with pytest.raises(ConnectorError) as info:
        distribution_prepare(
            org, _doc(fake_salesforce, sf_floor), options=RunOptions(dry_run=False), today=TODAY
        )
    assert info.value.record_id == victim
    assert str(info.value).startswith(
        f"record {victim}: Salesforce Lead has an unreadable value: time data 'yesterday'"
    )
    assert _snapshot(org) == before
