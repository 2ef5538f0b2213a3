"""Path set pages: list and detail figures summed from the rows, upload through the core import
(preview, confirm, nothing written on a bad file), exports, delete refused once a run used a set,
and who may do what."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attribution.marketing.models import AttributionRun, PathRow, PathSet
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.runs import run_create
from revops.models import AuditEvent, JobRun
from tests.marketing.test_path_import import PATHS, WINDOW, _import

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def imported(org, admin, tmp_path, settings):
    """The seven made-up paths in the set "Imported paths" (no run on it yet)."""
    settings.MEDIA_ROOT = tmp_path
    assert _import(org, admin, PATHS).status == JobRun.Status.SUCCEEDED
    return PathSet.objects.get(organization=org)


def _expected_totals():
    lines = [line.split(";") for line in PATHS.decode().splitlines()[1:]]
    return (
        len(lines),
        sum(Decimal(r[1]) for r in lines),
        sum(Decimal(r[2]) for r in lines),
        sum(Decimal(r[3]) for r in lines),
    )


def test_list_shows_each_set_with_totals_summed_from_its_rows(imported, admin, client_for):
    # given the imported set, whose totals are computed here from the file itself
    rows, conversions, value, nulls = _expected_totals()
    # when
    response = client_for(admin).get(reverse("marketing:path-sets"))
    # then
    assert response.status_code == 200
    listed = response.context["path_sets"].get()
    assert (listed.row_count, listed.conversions, listed.value, listed.nulls, listed.run_count) == (
        rows,
        conversions,
        value,
        nulls,
        0,
    )
    assert (rows, conversions, value, nulls) == (7, Decimal(8), Decimal("16.28"), Decimal(19))
    text = _text(response)
    assert "Imported paths" in text and reverse("marketing:path-set", args=[imported.pk]) in text


def test_detail_shows_rows_totals_and_the_runs_on_the_set(
    imported, org, admin, client_for, django_capture_on_commit_callbacks
):
    # given a run of a configuration on the set
    cfg = model_config_save(
        organization=org,
        actor=admin.user,
        name="paths",
        model="linear",
        path_set=imported,
        bootstrap_resamples=0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run, _job = run_create(organization=org, config=cfg, actor=admin.user, **WINDOW)
    # when
    response = client_for(admin).get(reverse("marketing:path-set", args=[imported.pk]))
    # then
    totals = response.context["totals"]
    assert tuple(totals) == _expected_totals()
    assert [r.path for r in response.context["page_obj"]] == [
        line.split(";")[0] for line in PATHS.decode().splitlines()[1:]
    ]
    assert [r.pk for r in response.context["runs"]] == [run.pk]
    text = _text(response)
    assert f"{reverse('marketing:channels')}?run={run.pk}" in text
    assert f"{reverse('marketing:runs')}?path_set={imported.pk}" in text
    listing = client_for(admin).get(reverse("marketing:path-sets"))
    assert listing.context["path_sets"].get().run_count == 1


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("_case_channel", {"channel": "alpha"}, ["eta > iota > alpha > eta", "alpha", "beta > alpha > iota"]),
        # a whole step only: "eta" is not found inside "beta"
        ("_case_whole_step", {"channel": "eta"}, ["eta > iota > alpha > eta", "beta > eta", "eta"]),
        (
            "_case_sorted_desc",
            {"sort": "-conversions", "channel": "iota"},
            [
                "beta > alpha > iota",
                "iota > iota",
                "eta > iota > alpha > eta",
                "iota > iota",
            ],
        ),
    ],
)
def test_rows_filter_by_channel_and_sort(imported, admin, client_for, _case, query, expected):
    response = client_for(admin).get(reverse("marketing:path-set", args=[imported.pk]), query)
    assert [r.path for r in response.context["page_obj"]] == expected
    assert response.context["page_obj"].paginator.count == len(expected)


def test_rows_partial_for_htmx(imported, admin, client_for):
    response = client_for(admin).get(
        reverse("marketing:path-set", args=[imported.pk]), {"channel": "beta"}, HTTP_HX_REQUEST="true"
    )
    text = _text(response)
    assert "<html" not in text
    assert "2 rows" in text


def test_row_export_is_formula_safe_and_filtered(org, admin, client_for, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    content = PATHS + b"=cmd|' /C calc'!A0 > eta;1;1;0\n"
    assert _import(org, admin, content).status == JobRun.Status.SUCCEEDED
    path_set = PathSet.objects.get()
    response = client_for(admin).get(reverse("marketing:path-set", args=[path_set.pk]), {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    paths = [r[0] for r in rows[1:] if r and r[0] and not r[0].startswith(("Path set", "Marketing"))]
    assert "'=cmd|' /C calc'!A0 > eta" in paths
    filtered = client_for(admin).get(
        reverse("marketing:path-set", args=[path_set.pk]), {"export": "csv", "channel": "beta"}
    )
    body = filtered.content.decode("utf-8-sig")
    assert "beta > eta" in body and "iota > iota" not in body
    xlsx = client_for(admin).get(reverse("marketing:path-sets"), {"export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def _upload(client, name, content, filename="paths.csv"):
    return client.post(
        reverse("marketing:path-set-upload"),
        {"name": name, "file": SimpleUploadedFile(filename, content, content_type="text/csv")},
    )


def test_upload_previews_then_confirm_writes_the_named_set(
    org, manager, client_for, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(manager)
    # when the file is uploaded: a preview job, nothing written
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, "Q1 export", PATHS)
    job = JobRun.objects.get(kind="import.marketing_paths")
    assert response.status_code == 302 and response["Location"] == reverse("revops:import-job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED and job.params["mode"] == "preview"
    assert (PathSet.objects.count(), PathRow.objects.count()) == (0, 0)
    # then confirming writes every row into the set named on the form
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("revops:import-confirm", args=[job.pk]))
    path_set = PathSet.objects.get()
    assert path_set.name == "Q1 export"
    assert PathRow.objects.filter(path_set=path_set).count() == 7


def test_upload_of_a_bad_file_names_row_and_field_and_writes_nothing(
    org, manager, client_for, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(manager)
    bad = PATHS.replace(b"beta > eta;1;2.4;3", b"beta > eta;-1;2.4;3").replace(
        b"alpha;0;0;4", b"alpha > > eta;0;0;4"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, "Broken", bad)
    job = JobRun.objects.get(kind="import.marketing_paths")
    preview_page = _text(client.get(reverse("revops:import-job", args=[job.pk])))
    assert "total_conversions" in preview_page and "must not be negative" in preview_page
    assert "has an empty channel" in preview_page
    errors = job.__class__.objects.get(pk=job.pk).params["preview"]["error_count"]
    assert errors == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("revops:import-confirm", args=[job.pk]))
    assert (PathSet.objects.count(), PathRow.objects.count()) == (0, 0)
    assert JobRun.objects.filter(kind="import.marketing_paths").count() == 1


def test_upload_refuses_a_taken_name_on_its_field(imported, manager, client_for):
    response = _upload(client_for(manager), "Imported paths", PATHS)
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "name": ["A path set named 'Imported paths' already exists; choose another name."]
    }
    assert not JobRun.objects.filter(kind="import.marketing_paths", params__mode="preview").exists()


def test_delete_of_an_unused_set_removes_it_and_its_rows_with_an_audit_row(imported, admin, client_for):
    response = client_for(admin).post(reverse("marketing:path-set-delete", args=[imported.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("marketing:path-sets")
    assert (PathSet.objects.count(), PathRow.objects.count()) == (0, 0)
    event = AuditEvent.objects.get(action="marketing.path_set.delete")
    assert event.before == {"name": "Imported paths", "rows": 7}


def test_delete_of_a_set_a_run_used_is_refused_and_changes_nothing(
    imported, org, admin, client_for, django_capture_on_commit_callbacks
):
    cfg = model_config_save(
        organization=org,
        actor=admin.user,
        name="paths",
        model="first",
        path_set=imported,
        bootstrap_resamples=0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_create(organization=org, config=cfg, actor=admin.user, **WINDOW)
    client = client_for(admin)
    response = client.post(reverse("marketing:path-set-delete", args=[imported.pk]), follow=True)
    assert "Path set &#x27;Imported paths&#x27; is used by 1 configuration version(s) and 1 run(s)" in _text(
        response
    )
    assert (PathSet.objects.count(), PathRow.objects.count(), AttributionRun.objects.count()) == (1, 7, 1)
    assert not AuditEvent.objects.filter(action="marketing.path_set.delete").exists()


def test_run_link_offers_only_the_configurations_on_the_set(imported, org, admin, client_for):
    on_set = model_config_save(
        organization=org, actor=admin.user, name="paths", model="first", path_set=imported
    )
    model_config_save(organization=org, actor=admin.user, name="touches", model="first")
    response = client_for(admin).get(reverse("marketing:runs"), {"path_set": imported.pk})
    assert list(response.context["form"].fields["config"].queryset) == [on_set]


@pytest.mark.parametrize("name", ["marketing:path-sets", "marketing:path-set"])
def test_reps_get_403_partners_404_on_path_set_pages(imported, rep, partner_user, client_for, name):
    args = [imported.pk] if name == "marketing:path-set" else []
    assert client_for(rep).get(reverse(name, args=args)).status_code == 403
    assert client_for(partner_user).get(reverse(name, args=args)).status_code == 404


def test_another_organizations_set_is_404_and_cannot_be_deleted(imported, other_org_admin, client_for):
    client = client_for(other_org_admin)
    assert client.get(reverse("marketing:path-set", args=[imported.pk])).status_code == 404
    assert client.post(reverse("marketing:path-set-delete", args=[imported.pk])).status_code == 404
    assert PathSet.objects.filter(pk=imported.pk).exists()
    assert client.get(reverse("marketing:path-sets")).context["path_sets"].count() == 0


def test_finance_may_read_but_not_upload_or_delete(imported, finance_admin, client_for):
    client = client_for(finance_admin)
    assert client.get(reverse("marketing:path-set", args=[imported.pk])).status_code == 200
    assert client.get(reverse("marketing:path-set-upload")).status_code == 403
    assert client.post(reverse("marketing:path-set-delete", args=[imported.pk])).status_code == 403
    assert PathRow.objects.count() == 7
