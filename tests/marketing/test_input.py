"""Touches coming in: API bulk create (idempotent), the touchpoint import kind, partner touches,
the touch_summary provider, and the two commands."""

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from attribution.marketing.models import AttributionRun, RunStatus, Touchpoint, TouchSource
from attribution.marketing.selectors import touches as touches_selectors
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.partner_touches import partner_touches_sync
from revops.models import JobRun
from revops.providers import PartnerTouch, provider_override, touch_summaries
from revops.services.imports import Mode, import_job_run, import_submit
from revops.services.tokens import api_token_create
from tests.marketing.factories import ChannelFactory, at, small_world
from tests.revops.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def _api(membership):
    _token, key = api_token_create(
        organization=membership.organization, user=membership.user, name="ci", acting_user=membership.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _touch(**extra):
    return {
        "external_id": "T-1",
        "occurred_at": "2026-01-05T10:00:00Z",
        "channel": "Search",
        "contact_key": "a@x.test",
    } | extra


def test_api_bulk_create_is_idempotent_by_external_id(org, admin):
    ChannelFactory(organization=org, name="Search")
    AccountFactory(organization=org, external_id="ACC-1")
    client = _api(admin)
    url = reverse("marketing-api:touchpoint-bulk")
    body = {"touches": [_touch(), _touch(external_id="T-2", account_external_id="ACC-1", contact_key="")]}
    first = client.post(url, body, format="json")
    again = client.post(url, body, format="json")
    assert (first.status_code, first.json()) == (200, {"created": 2, "unchanged": 0})
    assert (again.status_code, again.json()) == (200, {"created": 0, "unchanged": 2})
    assert Touchpoint.objects.filter(organization=org, source=TouchSource.API).count() == 2


def test_api_bulk_create_refuses_the_whole_batch_naming_rows(org, admin):
    ChannelFactory(organization=org, name="Search")
    body = {
        "touches": [
            _touch(),
            _touch(external_id="T-2", channel="Carrier pigeon"),
            _touch(external_id="T-3", contact_key=""),
        ]
    }
    response = _api(admin).post(reverse("marketing-api:touchpoint-bulk"), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "touches": [
            "row 2: no channel named 'Carrier pigeon'",
            "row 3: give a contact_key or an account_external_id",
        ]
    }
    assert not Touchpoint.objects.exists()


def test_touchpoint_file_import_creates_then_leaves_unchanged(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    ChannelFactory(organization=org, name="Search")
    content = (
        b"external_id,occurred_at,channel,contact_key,account_external_id\n"
        b"F-1,2026-01-03T09:00:00,Search,a@x.test,\n"
        b"F-2,2026-01-04T09:00:00+00:00,Search,b@x.test,\n"
    )
    job, _ = import_submit(
        organization=org, actor=admin.user, kind_name="touchpoints", content=content, mode=Mode.APPLY
    )
    done = import_job_run(job_run_id=job.pk)
    assert done.status == JobRun.Status.SUCCEEDED, done.error
    assert list(Touchpoint.objects.order_by("external_id").values_list("external_id", "occurred_at")) == [
        ("F-1", dt.datetime(2026, 1, 3, 9, tzinfo=dt.UTC)),
        ("F-2", dt.datetime(2026, 1, 4, 9, tzinfo=dt.UTC)),
    ]


def test_touchpoint_file_import_with_a_bad_row_writes_nothing(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    ChannelFactory(organization=org, name="Search")
    content = b"external_id,occurred_at,channel,contact_key\nF-1,2026-01-03T09:00:00,Search,a@x.test\nF-2,2026-01-04T09:00:00,Radio,b@x.test\n"
    job, _ = import_submit(
        organization=org, actor=admin.user, kind_name="touchpoints", content=content, mode=Mode.APPLY
    )
    done = import_job_run(job_run_id=job.pk)
    assert done.status == JobRun.Status.FAILED
    assert "no channel named 'Radio'" in done.error
    assert not Touchpoint.objects.exists()


def test_partner_touches_join_journeys_once(org):
    account = AccountFactory(organization=org)
    activity = PartnerTouch(at(3), account.pk, None, 1, "Partner: referral", "act-1")
    with provider_override("partner_touches", lambda organization, *, since, until: [activity]):
        assert partner_touches_sync(organization=org, since=at(1), until=at(9)) == 1
        assert partner_touches_sync(organization=org, since=at(1), until=at(9)) == 0
    touch = Touchpoint.objects.get()
    assert (touch.channel.name, touch.channel.grouping, touch.source, touch.external_id) == (
        "Partner: referral",
        "Partner",
        TouchSource.PARTNER,
        "partner:act-1",
    )


def test_touch_summary_provider_counts_touches_as_of_a_date(org):
    world = small_world(org)
    alpha = world["opportunities"]["alpha"]
    other = OpportunityFactory(organization=org)
    summaries = touch_summaries(org, [alpha.pk, other.pk], as_of=at(6))
    assert summaries[alpha.pk].touch_count == 2
    assert summaries[alpha.pk].channels == ("Search", "Email")
    assert summaries[alpha.pk].last_touch_at == at(5)
    assert summaries[other.pk].touch_count == 0


@pytest.mark.parametrize("_case,many", [("id lists in SQL", 10_000), ("rows matched in Python", 0)])
def test_touch_summary_gives_the_same_answer_however_many_opportunities_are_asked(
    org, monkeypatch, _case, many
):
    # given: the small world, another organization's deal, and a threshold that picks the path
    world = small_world(org)
    alpha = world["opportunities"]["alpha"]
    other = OpportunityFactory(organization=org)
    stranger = OpportunityFactory()
    monkeypatch.setattr(touches_selectors, "MANY_OPPORTUNITIES", many)
    # when
    summaries = touch_summaries(org, [alpha.pk, other.pk, stranger.pk], as_of=at(6))
    # then: the other organization's deal is not answered, the counts are those as of the day
    assert set(summaries) == {alpha.pk, other.pk}
    assert (summaries[alpha.pk].touch_count, summaries[alpha.pk].channels) == (2, ("Search", "Email"))
    assert summaries[alpha.pk].last_touch_at == at(5)
    assert (summaries[other.pk].touch_count, summaries[other.pk].last_touch_at) == (0, None)


def test_mta_paths_writes_every_model_with_intervals(tmp_path):
    source = tmp_path / "paths.csv"
    source.write_text("path;total_conversions;total_conversion_value;total_null\na > b;1;10;0\nb;0;0;1\n")
    out = tmp_path / "out.csv"
    call_command("mta_paths", str(source), "--model", "all", "--ci", "20", "--output", str(out))
    rows = list(csv.DictReader(out.open()))
    markov = {r["channel"]: float(r["conversions"]) for r in rows if r["model"] == "markov"}
    assert markov == pytest.approx({"a": 1 / 3, "b": 2 / 3})
    assert {r["model"] for r in rows} == {
        "first",
        "last",
        "last_non_direct",
        "linear",
        "time_decay",
        "position",
        "w_shaped",
        "markov",
        "shapley",
    }
    assert all(float(r["conversions_low"]) <= float(r["conversions_high"]) for r in rows)


def test_mta_paths_reads_long_format(tmp_path):
    source = tmp_path / "touches.csv"
    source.write_text(
        "journey,timestamp,channel,converted,revenue\nj1,2026-01-02,search,0,\nj1,2026-01-01,email,1,50\nj2,2026-01-01,search,0,\n"
    )
    out = tmp_path / "out.csv"
    call_command("mta_paths", str(source), "--model", "first", "--output", str(out))
    rows = {r["channel"]: (float(r["conversions"]), float(r["value"])) for r in csv.DictReader(out.open())}
    # j1 converts (50); its first touch by time is email
    assert rows == {"search": (0.0, 0.0), "email": (1.0, 50.0)}


def test_mta_paths_names_a_bad_row(tmp_path):
    source = tmp_path / "paths.csv"
    source.write_text("path;total_conversions\na;1\nb;many\n")
    with pytest.raises(CommandError, match="row 3: total_conversions 'many' is not a number"):
        call_command("mta_paths", str(source), "--output", str(tmp_path / "out.csv"))


def test_mta_run_runs_a_stored_config(org, admin, capsys, django_capture_on_commit_callbacks):
    small_world(org)
    model_config_save(
        organization=org, actor=admin.user, name="Linear", model="linear", bootstrap_resamples=0
    )
    # the run's job starts on commit (in-process without a broker); here the test holds the
    # transaction, so the callbacks run at the end of the block
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command(
            "mta_run", "--org", "acme", "--config", "Linear", "--start", "2026-01-01", "--end", "2026-01-31"
        )
    assert len(callbacks) == 1
    assert capsys.readouterr().out.startswith("run #")
    run = AttributionRun.objects.get()
    assert (run.status, run.journeys, run.conversions, run.value) == (
        RunStatus.DONE,
        3,
        Decimal("2.0000"),
        Decimal("12000.00"),
    )
    assert run.job.status == JobRun.Status.SUCCEEDED


def test_mta_run_names_an_unknown_config(org):
    with pytest.raises(CommandError, match="No configuration named 'Nope' in acme"):
        call_command("mta_run", "--org", "acme", "--config", "Nope")
    assert not AttributionRun.objects.exists()
