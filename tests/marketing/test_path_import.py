"""Aggregated paths (ChannelAttribution's format) through the core import framework: the page's
job, the API, the command; row errors, all or nothing; and runs of every model on the set."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from attribution.marketing.config_schema import ModelParams
from attribution.marketing.engine import ModelKind, attribute, journeys_from_paths
from attribution.marketing.models import AttributionRun, Channel, ChannelResult, PathRow, PathSet, RunStatus
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.path_import import ERROR_EMPTY_STEP, ERROR_SET_EXISTS, PATH_IMPORT
from attribution.marketing.services.runs import run_create
from revops.imports.kinds import import_kind_get
from revops.imports.pipeline import import_apply
from revops.models import JobRun
from revops.services.imports import Mode, import_job_run, import_profile_spec, import_submit
from revops.services.tokens import api_token_create
from tests.marketing.factories import ChannelFactory
from tests.marketing.test_engine_markov import SAMPLE, needs_sample

pytestmark = pytest.mark.django_db

# Made-up paths in ChannelAttribution's file format (';'-separated, ' > ' between channels).
PATHS = (
    b"path;total_conversions;total_conversion_value;total_null\n"
    b"eta > iota > alpha > eta;1;0.5;3\n"
    b"iota > iota;2;3.25;6\n"
    b"beta > eta;1;2.4;3\n"
    b"alpha;0;0;4\n"
    b"beta > alpha > iota;3;9.13;1\n"
    b"eta;0;0;2\n"
    b"iota > iota;1;1;0\n"
)
WINDOW = {"window_start": dt.date(2026, 1, 1), "window_end": dt.date(2026, 1, 31)}


def _import(org, admin, content, **extra):
    job, _ = import_submit(
        organization=org,
        actor=admin.user,
        kind_name="marketing_paths",
        content=content,
        mode=Mode.APPLY,
        **extra,
    )
    return import_job_run(job_run_id=job.pk)


def test_path_file_import_stores_normalised_paths_and_creates_channels(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    ChannelFactory(organization=org, name="eta", grouping="Paid")
    done = _import(org, admin, PATHS.replace(b"iota > iota;", b"iota>iota ;"))
    assert done.status == JobRun.Status.SUCCEEDED, done.error
    path_set = PathSet.objects.get(organization=org)
    assert path_set.name == "Imported paths"
    rows = list(
        PathRow.objects.filter(path_set=path_set).values_list("path", "conversions", "value", "nulls")
    )
    assert rows[:2] == [
        ("eta > iota > alpha > eta", Decimal("1"), Decimal("0.5"), Decimal("3")),
        ("iota > iota", Decimal("2"), Decimal("3.25"), Decimal("6")),
    ]
    assert len(rows) == 7  # a repeated path stays a row of its own, as in ChannelAttribution's files
    # existing channel kept as it was, new ones created once
    assert dict(Channel.objects.filter(organization=org).values_list("name", "grouping")) == {
        "alpha": "Imported paths",
        "beta": "Imported paths",
        "eta": "Paid",
        "iota": "Imported paths",
    }
    same, queued = import_submit(
        organization=org, actor=admin.user, kind_name="marketing_paths", content=PATHS, mode=Mode.APPLY
    )
    assert (same.pk, queued) == (done.pk, False) or PathRow.objects.count() == 7


def test_bad_rows_are_named_and_nothing_is_written(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    content = PATHS + b"alpha >  > beta;1;1;1\nbeta;-1;0;0\ngamma;x;0;0\n"
    done = _import(org, admin, content)
    assert done.status == JobRun.Status.FAILED
    problems = done.error
    assert f"line 9, path: {ERROR_EMPTY_STEP}" in problems
    assert "line 10, total_conversions: must not be negative" in problems
    assert "line 11, total_conversions" in problems
    assert not PathRow.objects.exists() and not PathSet.objects.exists() and not Channel.objects.exists()


def test_a_set_that_holds_paths_takes_no_more(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    assert _import(org, admin, PATHS).status == JobRun.Status.SUCCEEDED
    done = _import(org, admin, PATHS.replace(b"beta > eta;1;2.4;3", b"beta > eta;2;2.4;3") + b"kappa;1;1;1\n")
    # then: the changed row (line 4) and the new one (line 9) are refused; rows the set already
    # holds are not (a re-upload of the same file is unchanged)
    assert done.status == JobRun.Status.FAILED
    refused = ERROR_SET_EXISTS.format(set="Imported paths")
    assert [line for line in done.error.splitlines() if refused in line] == [
        f"line 4, path_set: {refused}",
        f"line 9, path_set: {refused}",
    ]
    assert PathRow.objects.count() == 7
    assert PathRow.objects.get(path="beta > eta").conversions == Decimal("1")


def test_a_set_takes_the_same_file_again_unchanged(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    assert _import(org, admin, PATHS).status == JobRun.Status.SUCCEEDED
    before = list(PathRow.objects.order_by("pk").values_list("path", "conversions", "value", "nulls"))
    # (straight through the pipeline: a second submission of the same file is the same job)
    kind = import_kind_get("marketing_paths")
    again = import_apply(
        kind=kind, organization=org, actor=admin.user, content=PATHS, spec=kind.default_profile
    )
    assert again.counts == {"create": 0, "update": 0, "unchanged": 7}
    assert list(PathRow.objects.order_by("pk").values_list("path", "conversions", "value", "nulls")) == before
    assert not Channel.objects.filter(name="kappa").exists()
    # the same file into a new set (a profile constant names it) is a set of its own
    spec = import_profile_spec(organization=org, kind=PATH_IMPORT, profile="")
    other = _import(org, admin, PATHS, spec=spec.model_copy(update={"constants": {"path_set": "Q2"}}))
    assert other.status == JobRun.Status.SUCCEEDED, other.error
    assert PathRow.objects.filter(path_set__name="Q2").count() == 7


def test_api_and_command_are_the_same_doors(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    _token, key = api_token_create(organization=org, user=admin.user, name="ci", acting_user=admin.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    upload = tmp_path / "paths.csv"
    upload.write_bytes(PATHS)
    with upload.open("rb") as handle:
        response = client.post(
            reverse("import-create", kwargs={"kind_name": "marketing_paths"}),
            {"file": handle},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    job = JobRun.objects.get(pk=response.json()["id"])
    assert import_job_run(job_run_id=job.pk).status == JobRun.Status.SUCCEEDED
    assert PathRow.objects.count() == 7
    other = tmp_path / "more.csv"
    other.write_bytes(
        b"path;total_conversions;total_conversion_value;total_null\nzeta > eta;1;1;0\nzeta;1;1;\n"
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_marketing_paths", str(other), "--org", org.slug, "--as", admin.user.email)
    assert (
        "line 2, path_set: path set 'Imported paths' already holds paths" in JobRun.objects.latest("id").error
    )
    assert PathRow.objects.count() == 7
    profile = tmp_path / "q3.csv"
    profile.write_bytes(
        other.read_bytes()
        .replace(b"total_null\n", b"total_null;path_set\n")
        .replace(b";0\n", b";0;Q3\n")
        .replace(b"1;\n", b"1;;Q3\n")
    )
    call_command("import_marketing_paths", str(profile), "--org", org.slug, "--as", admin.user.email)
    assert PathRow.objects.filter(path_set__name="Q3").count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"path;total_conversions\n;1\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_marketing_paths", str(bad), "--org", org.slug, "--as", admin.user.email)
    assert "line 2, path: is required" in JobRun.objects.latest("id").error
    assert PathRow.objects.count() == 9


@pytest.mark.parametrize("model", [m.value for m in ModelKind])
def test_every_model_runs_on_a_path_set_like_the_engine(
    org, admin, tmp_path, settings, django_capture_on_commit_callbacks, model
):
    settings.MEDIA_ROOT = tmp_path
    assert _import(org, admin, PATHS).status == JobRun.Status.SUCCEEDED
    path_set = PathSet.objects.get()
    cfg = model_config_save(
        organization=org,
        actor=admin.user,
        name="paths",
        model=model,
        path_set=path_set,
        bootstrap_resamples=5,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run, job = run_create(organization=org, config=cfg, actor=admin.user, **WINDOW)
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    run = AttributionRun.objects.get(pk=run.pk)
    assert run.status == RunStatus.DONE and run.has_intervals
    assert run.config_snapshot["path_set"] == "Imported paths"
    assert (run.journeys, run.conversions, run.value) == (7, Decimal("8"), Decimal("16.28"))
    results = {r.channel.name: r for r in ChannelResult.objects.filter(run=run).select_related("channel")}
    assert sum(r.conversions for r in results.values()) == Decimal("8")
    names = sorted(results)
    rows = [line.split(";") for line in PATHS.decode().splitlines()[1:]]
    expected = attribute(
        journeys_from_paths(
            [r[0] for r in rows],
            [float(r[1]) for r in rows],
            [float(r[2]) for r in rows],
            [float(r[3]) for r in rows],
            channel_names=names,
        ),
        ModelParams.load({}).spec(model),
    )
    got = np.array([float(results[n].conversions) for n in names])
    assert np.allclose(got, expected.conversions, atol=1e-4)
    assert results["alpha"].journeys == 3  # alpha is on three paths


def test_excluded_channels_leave_the_paths(
    org, admin, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    assert _import(org, admin, PATHS).status == JobRun.Status.SUCCEEDED
    cfg = model_config_save(
        organization=org,
        actor=admin.user,
        name="no eta",
        model="last",
        path_set=PathSet.objects.get(),
        excluded_channels=["eta"],
        bootstrap_resamples=0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run, _job = run_create(organization=org, config=cfg, actor=admin.user, **WINDOW)
    credit = dict(ChannelResult.objects.filter(run=run).values_list("channel__name", "conversions"))
    # eta > iota > alpha > eta ends on alpha; beta > eta on beta; eta alone has no touch left
    assert credit == {"alpha": Decimal("1"), "beta": Decimal("1"), "iota": Decimal("6")}


@needs_sample
def test_channelattribution_sample_imports_and_runs_markov(
    org, admin, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    content = (SAMPLE / "Data.csv").read_bytes()
    done = _import(org, admin, content)
    assert done.status == JobRun.Status.SUCCEEDED, done.error
    assert PathRow.objects.count() == 10000  # repeated paths kept, as the file lists them
    cfg = model_config_save(
        organization=org,
        actor=admin.user,
        name="markov",
        model="markov",
        params={"order": 1},
        path_set=PathSet.objects.get(),
        bootstrap_resamples=0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run, _job = run_create(organization=org, config=cfg, actor=admin.user, **WINDOW)
    run.refresh_from_db()
    assert (run.status, run.conversions) == (RunStatus.DONE, Decimal("19785"))
    rows = [line.split(";") for line in content.decode().splitlines()[1:]]
    names = sorted(Channel.objects.values_list("name", flat=True))
    expected = attribute(
        journeys_from_paths(
            [r[0] for r in rows],
            [float(r[1]) for r in rows],
            [float(r[2]) for r in rows],
            [float(r[3]) for r in rows],
            channel_names=names,
        ),
        ModelParams.load({"order": 1}).spec("markov"),
    )
    credit = dict(ChannelResult.objects.filter(run=run).values_list("channel__name", "conversions"))
    assert np.allclose([float(credit[n]) for n in names], expected.conversions, atol=1e-3)
