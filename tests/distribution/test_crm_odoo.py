"""Distribution with leads in Odoo: read through the real XML-RPC client from the fake Odoo, written back."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from distribution.engine import ConfigError, load_text
from distribution.models import DistributionRun, Lead, LeadAssignment
from distribution.selectors.inputs import RunOptions, distribution_plan, distribution_prepare
from distribution.services.configs import config_create
from distribution.services.jobs import distribution_run_enqueue, scheduled_runs_enqueue
from distribution.services.runs import distribution_run
from revops.connectors.errors import ConnectorError
from revops.models import JobRun
from tests.distribution.conftest import TODAY
from tests.distribution.crm_cases import FILTERS, cases, local_leads, plan_by_name
from tests.distribution.factories import SalespersonProfileFactory

PASSWORD = "odoo-secret-pw"


def _odoo_section(fake, batch_size: int = 7, extra: str = "") -> str:
    return (
        "lead_source:\n"
        "  type: odoo\n"
        f"  url: {fake.url}\n"
        "  database: acme\n"
        "  username: sync@acme.test\n"
        "  password: ${ODOO_PASSWORD}\n"
        f"  batch_size: {batch_size}\n"
        "  field_map: {do_not_call: x_do_not_call}\n"
        "  user_map: {rep2@acme.test: rep.two}\n" + extra
    )


@pytest.fixture
def odoo_floor(org, rep, other_rep, fake_odoo, monkeypatch):
    """Two reps with profiles, their Odoo users (rep2 under another login) and 30 Odoo leads."""
    monkeypatch.setenv("ODOO_PASSWORD", PASSWORD)
    SalespersonProfileFactory(organization=org, user=rep.user, capacity=50)
    SalespersonProfileFactory(organization=org, user=other_rep.user, capacity=50)
    users = {
        rep.user_id: fake_odoo.add_user("rep1@acme.test"),
        other_rep.user_id: fake_odoo.add_user("rep.two", email="r2@odoo.example"),
    }
    for row in cases():
        fake_odoo.create(
            "crm.lead",
            {
                "name": row["name"],
                "email_from": row["email"] or False,
                "phone": row["phone"],
                "partner_name": row["company"],
                "source_id": fake_odoo.named("utm.source", row["web_source"]),
                "campaign_id": False,
                "stage_id": fake_odoo.named("crm.stage", row["status"]),
                "tag_ids": [fake_odoo.named("crm.tag", t) for t in row["tags"]],
                "priority": str(row["priority"]),
                "x_do_not_call": row["do_not_call"],
                "create_date": row["received_at"].strftime("%Y-%m-%d %H:%M:%S"),
                "user_id": False,
            },
        )
    return users


def _doc(fake, **kw):
    return load_text(FILTERS + _odoo_section(fake, **kw))


def _snapshot(org):
    return (
        sorted(
            Lead.objects.filter(organization=org).values_list("pk", "owner_id", "external_id", "updated_at")
        ),
        LeadAssignment.objects.count(),
    )


def _owners(fake) -> dict[str, int | bool]:
    return {r["name"]: r["user_id"] for r in fake.models["crm.lead"].records.values()}


def test_odoo_leads_get_the_same_plan_as_the_same_leads_in_revops(org, odoo_floor, fake_odoo):
    # given the same 30 leads as local rows in revops and in Odoo
    local_leads(org, cases())
    # when both configurations are planned
    local = distribution_prepare(org, load_text(FILTERS), options=RunOptions(), today=TODAY)
    distribution_plan(local)
    crm = distribution_prepare(org, _doc(fake_odoo), options=RunOptions(), today=TODAY)
    distribution_plan(crm)
    # then
    assert plan_by_name(crm) == plan_by_name(local)
    assigned, excluded, _ = plan_by_name(crm)
    assert len(assigned) == 8
    assert excluded == {"date_range": 9, "web_source": 7, "do_not_call": 3, "tags": 2, "required_fields": 1}
    # 30 unassigned leads in pages of 7: five search_read calls, and no write
    pages = [c for c in fake_odoo.calls if c[:2] == ("crm.lead", "search_read")]
    assert [c[3]["offset"] for c in pages] == [0, 7, 14, 21, 28]
    assert pages[0][2] == [[["user_id", "=", False]]]
    assert fake_odoo.writes() == []


def test_applied_run_writes_exactly_the_planned_owners_to_odoo(org, odoo_floor, fake_odoo, rep, other_rep):
    # given
    prepared = distribution_prepare(org, _doc(fake_odoo), options=RunOptions(dry_run=False), today=TODAY)
    planned, _, _ = plan_by_name(prepared) if distribution_plan(prepared) else ({}, {}, [])
    # when
    run = distribution_run(organization=org, prepared=prepared)
    # then Odoo holds the planned owners, and only those leads changed
    expected = {name: odoo_floor[rep_id] for name, rep_id in planned.items()}
    assert {n: u for n, u in _owners(fake_odoo).items() if u} == expected
    assert (run.status, run.counts) == ("applied", {"assigned": 8, "excluded": 22, "unassigned": 0})
    # every lead read is mirrored in revops; the assigned ones owned by the planned rep
    mirrors = {m.name: m for m in Lead.objects.filter(organization=org, external_source="odoo")}
    assert len(mirrors) == 30
    assert {n: m.owner_id for n, m in mirrors.items() if m.owner_id} == planned
    assert mirrors["Person 00"].external_id == "odoo:1"
    assigned = LeadAssignment.objects.filter(run=run).values_list("lead__name", "rep_id")
    assert dict(assigned) == planned
    # writes: one per rep per batch of 7 planned leads (8 leads, 2 reps: 2 batches)
    writes = fake_odoo.writes()
    assert sorted(len(c[2][0]) for c in writes) == [1, 3, 4]  # round robin over 7 + 1
    assert {c[2][1]["user_id"] for c in writes} == set(odoo_floor.values())


def test_dry_run_writes_nothing_to_odoo_or_revops(org, odoo_floor, fake_odoo):
    # given
    before = _snapshot(org)
    prepared = distribution_prepare(org, _doc(fake_odoo), options=RunOptions(dry_run=True), today=TODAY)
    # when
    run = distribution_run(organization=org, prepared=prepared)
    # then
    assert fake_odoo.writes() == []
    assert all(u is False for u in _owners(fake_odoo).values())
    assert _snapshot(org) == before
    assert (run.mode, run.status, len(run.preview)) == ("dry_run", "planned", 8)
    assert run.preview[0]["lead_id"] is None and run.preview[0]["external_id"].startswith("odoo:")


def test_a_record_odoo_refuses_is_recorded_and_the_others_applied(org, odoo_floor, fake_odoo):
    # given Odoo refuses one of the leads the plan assigns
    fake_odoo.invalid_ids[1] = "Contact name is required to assign Person 00."
    prepared = distribution_prepare(org, _doc(fake_odoo), options=RunOptions(dry_run=False), today=TODAY)
    planned, _, _ = plan_by_name(prepared) if distribution_plan(prepared) else ({}, {}, [])
    assert "Person 00" in planned
    # when
    run = distribution_run(organization=org, prepared=prepared)
    # then
    refused = Lead.objects.get(organization=org, external_id="odoo:1")
    assert run.status == "partial"
    assert run.counts == {"assigned": 7, "excluded": 22, "unassigned": 0, "failed": 1}
    assert run.failures == [
        {
            "lead_id": refused.pk,
            "external_id": "odoo:1",
            "rep_id": planned["Person 00"],
            "message": "Contact name is required to assign Person 00.",
        }
    ]
    assert refused.owner_id is None and not refused.assignments.exists()
    owners = _owners(fake_odoo)
    assert owners["Person 00"] is False
    assert {n for n, u in owners.items() if u} == set(planned) - {"Person 00"}
    assert LeadAssignment.objects.filter(run=run).count() == 7


def test_odoo_refusing_the_login_fails_before_anything_is_written(org, odoo_floor, fake_odoo, monkeypatch):
    # given
    monkeypatch.setenv("ODOO_PASSWORD", "not-the-password")
    before = _snapshot(org)
    # when / then
    with pytest.raises(ConnectorError, match=r"Odoo refused the login 'sync@acme\.test' on database 'acme'"):
        distribution_prepare(org, _doc(fake_odoo), options=RunOptions(dry_run=False), today=TODAY)
    assert _snapshot(org) == before
    assert DistributionRun.objects.count() == 0
    assert fake_odoo.writes() == []


@pytest.mark.parametrize(
    ("_case", "section", "message"),
    [
        (
            "unknown type",
            "lead_source: {type: hubspot}",
            "lead_source.type: unknown type 'hubspot' (choose from revops, odoo, salesforce)",
        ),
        (
            "missing url",
            "lead_source: {type: odoo, database: a, username: u, password: p}",
            "lead_source.url: Field required",
        ),
        (
            "bad url",
            "lead_source: {type: odoo, url: 'odoo.example', database: a, username: u, password: p}",
            "lead_source.url: must be an http(s) URL",
        ),
        (
            "bad domain operator",
            "lead_source: {type: odoo, url: 'https://odoo.example', database: a, username: u, password: p, domain: [[stage_id, '~', 1]]}",
            "lead_source.domain.0: unknown operator '~'",
        ),
        (
            "domain missing a term",
            "lead_source: {type: odoo, url: 'https://odoo.example', database: a, username: u, password: p, domain: ['|', [a, '=', 1]]}",
            "lead_source.domain: an operator is missing a term",
        ),
        (
            "unset secret",
            "lead_source: {type: odoo, url: 'https://odoo.example', database: a, username: u, password: '${NO_SUCH_SECRET}'}",
            "lead_source.password: environment variable NO_SUCH_SECRET is not set",
        ),
    ],
)
def test_bad_connection_config_names_the_path(_case, section, message):
    with pytest.raises(ConfigError) as info:
        load_text(FILTERS + section, env={})
    assert str(info.value).startswith(message)


def test_a_rep_without_an_odoo_user_is_a_config_error(org, odoo_floor, fake_odoo, other_rep):
    # given rep2's mapping names a login Odoo does not have
    doc = load_text(FILTERS + _odoo_section(fake_odoo).replace("rep.two", "nobody"))
    with pytest.raises(ConfigError) as info:
        distribution_prepare(org, doc, options=RunOptions(), today=TODAY)
    assert str(info.value) == "lead_source.user_map: no active Odoo user with login or e-mail 'nobody'"


def _dailydist(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("dailydist", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_dailydist_with_an_odoo_config_end_to_end(org, odoo_floor, fake_odoo, other_rep, tmp_path, caplog):
    # given
    path = tmp_path / "odoo.yaml"
    path.write_text(FILTERS + _odoo_section(fake_odoo))
    common = ("--config", str(path), "--org", "acme", "--today", TODAY.isoformat())
    # when: a dry run, an applied run, a second applied run
    dry = _dailydist(*common, "--dry-run")
    writes_after_dry = len(fake_odoo.writes())
    applied = _dailydist(*common)
    # a salesperson set in Odoo meanwhile on a lead the run left alone
    fake_odoo.models["crm.lead"].records[30]["user_id"] = odoo_floor[other_rep.user_id]
    again = _dailydist(*common)
    # then
    assert dry[0] == 0 and "Dry run" in dry[1] and writes_after_dry == 0
    assert applied[0] == 0 and "8 assigned, 22 excluded, 0 with no eligible rep" in applied[1]
    assert again[0] == 3 and "Nothing to do" in again[1]  # Odoo now says they are owned
    assert len([u for u in _owners(fake_odoo).values() if u]) == 9
    # still one mirror per lead; the lead owned in Odoo was not read again, nor written
    assert Lead.objects.filter(organization=org, external_source="odoo").count() == 30
    assert odoo_floor[other_rep.user_id] == _owners(fake_odoo)["Person 29"]
    # the password is in no stored snapshot, output or log
    runs = list(DistributionRun.objects.order_by("pk"))
    assert [r.status for r in runs] == ["planned", "applied", "nothing"]
    for run in runs:
        assert PASSWORD not in run.document and "password: '**********'" in run.document
        assert PASSWORD not in str(run.options) and PASSWORD not in str(run.preview)
    assert PASSWORD not in dry[1] + applied[1] + again[1] + caplog.text


def test_dailydist_exit_codes_for_partial_and_failed_crm(org, odoo_floor, fake_odoo, tmp_path):
    path = tmp_path / "odoo.yaml"
    path.write_text(FILTERS + _odoo_section(fake_odoo))
    common = ("--config", str(path), "--org", "acme", "--today", TODAY.isoformat())
    # a record refused: exit 7, partially applied; the report lists what was recorded
    fake_odoo.invalid_ids[1] = "Contact name is required."
    report = tmp_path / "report.json"
    code, out = _dailydist(
        *common, "--generate-report", "--report-format", "json", "--report-output", str(report)
    )
    assert code == 7
    recorded = set(LeadAssignment.objects.values_list("lead_id", flat=True))
    assert {a["lead_id"] for a in json.loads(report.read_text())["assignments"]} == recorded
    assert len(recorded) == 7
    assert "refused by the CRM: odoo:1: Contact name is required." in out
    assert "Partially applied: the CRM refused 1 lead(s); the others are applied." in out
    # Odoo gone: exit 6, nothing written
    before = _snapshot(org)
    fake_odoo.stop()
    code, out = _dailydist(*common)
    assert code == 6
    assert "The CRM failed: Odoo is unreachable" in out and "Nothing was written in revops." in out
    assert _snapshot(org) == before
    assert DistributionRun.objects.count() == 1


def test_the_daily_schedule_runs_an_odoo_config_as_a_job(
    org, odoo_floor, fake_odoo, admin, django_capture_on_commit_callbacks
):
    # given a saved configuration whose password stays an ${ENV_VAR} in revops
    document = FILTERS + _odoo_section(fake_odoo)
    config = config_create(organization=org, name="Odoo daily", document=document, acting_user=admin.user)
    org.time_zone = "UTC"
    org.save(update_fields=["time_zone"])
    # when the beat asks at 06:10 on TODAY
    with django_capture_on_commit_callbacks(execute=True):
        queued = scheduled_runs_enqueue(now=dt.datetime.combine(TODAY, dt.time(6, 10), tzinfo=dt.UTC))
    # then
    job = JobRun.objects.get()
    run = DistributionRun.objects.get(job_run=job)
    assert (queued, job.status, run.status, run.run_on) == (1, JobRun.Status.SUCCEEDED, "applied", TODAY)
    assert job.counts["assigned"] == 8
    assert len([u for u in _owners(fake_odoo).values() if u]) == 8
    assert PASSWORD not in config.document and PASSWORD not in run.document


def test_a_run_job_fails_with_the_crm_message_when_odoo_is_down(
    org, odoo_floor, fake_odoo, admin, django_capture_on_commit_callbacks
):
    # given
    config = config_create(
        organization=org,
        name="Odoo daily",
        document=FILTERS + _odoo_section(fake_odoo),
        acting_user=admin.user,
    )
    fake_odoo.stop()
    before = _snapshot(org)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = distribution_run_enqueue(
            organization=org, config=config, dry_run=False, acting_user=admin.user
        )
    # then
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED
    assert (
        job.error
        == "The CRM failed: Odoo is unreachable: ConnectionRefusedError. Nothing was written in revops."
    )
    assert _snapshot(org) == before
    assert DistributionRun.objects.count() == 0


def test_run_pages_show_crm_leads_and_the_ones_refused(org, odoo_floor, fake_odoo, admin, client_for):
    # given a dry run (CRM leads without local rows) and a partially applied run
    dry = distribution_run(
        organization=org,
        prepared=distribution_prepare(org, _doc(fake_odoo), options=RunOptions(dry_run=True), today=TODAY),
    )
    fake_odoo.invalid_ids[1] = "Contact name is required."
    partial = distribution_run(
        organization=org,
        prepared=distribution_prepare(org, _doc(fake_odoo), options=RunOptions(dry_run=False), today=TODAY),
    )
    client = client_for(admin)
    # when
    dry_page = client.get(reverse("distribution:run", args=[dry.pk]))
    partial_page = client.get(reverse("distribution:run", args=[partial.pk]))
    # then
    assert dry_page.status_code == 200
    assert "Person 00" in dry_page.content.decode()
    body = partial_page.content.decode()
    assert partial_page.status_code == 200
    assert "Partially applied" in body and "1 refused by the CRM" in body
    assert "odoo:1" in body and "Contact name is required." in body
