"""The admin: account import into the admin's organization."""

import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.urls import reverse

from revops.exceptions import ApplicationError
from revops.models import Account, AuditEvent, ImportProfile, JobRun, Opportunity
from revops.resources import OPPORTUNITY_IMPORT_REFUSED, AccountResource, OpportunityExportResource
from tests.revops.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _accounts_csv(rows) -> bytes:
    data = tablib.Dataset(headers=["organization", "external_id", "name", "domain", "segment", "region"])
    for row in rows:
        data.append(row)
    return data.export("csv").encode()


def test_account_resource_import_uses_given_organization_not_the_file(org, other_org):
    # given
    theirs = AccountFactory(organization=other_org, name="Globex Corp", external_id="EXT-1")
    mine = AccountFactory(organization=org, name="Acme old name", external_id="EXT-2")
    dataset = tablib.Dataset().load(
        _accounts_csv(
            [
                (other_org.pk, "EXT-1", "Imported one", "one.example", "smb", "emea"),
                (other_org.pk, "EXT-2", "Acme new name", "two.example", "enterprise", "na"),
            ]
        ).decode(),
        format="csv",
    )
    # when
    result = AccountResource(organization=org).import_data(dataset, dry_run=False)
    # then
    assert not result.has_errors() and not result.has_validation_errors()
    theirs.refresh_from_db()
    assert (theirs.organization_id, theirs.name) == (other_org.pk, "Globex Corp")
    created = Account.objects.get(organization=org, external_id="EXT-1")
    assert (created.name, created.segment, created.region) == ("Imported one", "smb", "emea")
    mine.refresh_from_db()
    assert (mine.name, mine.segment) == ("Acme new name", "enterprise")
    assert Account.objects.filter(organization=other_org).count() == 1


def _job_of(response) -> JobRun:
    return JobRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_admin_import_of_accounts_goes_through_the_framework_into_the_admins_organization(
    admin, other_org, client_for, django_capture_on_commit_callbacks, settings, tmp_path
):
    # given
    settings.MEDIA_ROOT = tmp_path
    theirs = AccountFactory(organization=other_org, name="Globex Corp", external_id="EXT-1")
    client = client_for(admin)
    upload = io.BytesIO(_accounts_csv([(other_org.pk, "EXT-1", "Imported one", "", "", "")]))
    upload.name = "accounts.csv"
    # when: the admin's Import button stores the file and shows the framework's preview
    with django_capture_on_commit_callbacks(execute=True):
        preview = client.post(reverse("admin:revops_account_import"), {"file": upload})
    job = _job_of(preview)
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("revops:import-confirm", args=[job.pk]))
    # then
    assert (preview.status_code, preview["Location"]) == (302, reverse("revops:import-job", args=[job.pk]))
    assert (job.status, _job_of(applied).status) == (JobRun.Status.SUCCEEDED, JobRun.Status.SUCCEEDED)
    theirs.refresh_from_db()
    assert (theirs.organization_id, theirs.name) == (other_org.pk, "Globex Corp")
    created = Account.objects.get(external_id="EXT-1", name="Imported one")
    assert created.organization_id == admin.organization_id
    assert AuditEvent.objects.filter(action="account.import", organization=admin.organization).count() == 1


def test_opportunity_resource_refuses_to_import_and_writes_nothing(org):
    # given: a file that would create an opportunity
    dataset = tablib.Dataset(headers=["name", "stage", "amount", "created_date"])
    dataset.append(["Sneaky deal", "closed_won", "1000000.00", "2026-01-01"])
    # when / then
    with pytest.raises(ApplicationError, match=OPPORTUNITY_IMPORT_REFUSED):
        OpportunityExportResource(organization=org).import_data(dataset, dry_run=False)
    assert Opportunity.objects.count() == 0


def test_admin_import_errors_are_row_errors_without_tracebacks_or_server_paths(
    admin, client_for, django_capture_on_commit_callbacks, settings, tmp_path
):
    # given: a file whose segment is not one of ours
    settings.MEDIA_ROOT = tmp_path
    client = client_for(admin)
    upload = io.BytesIO(_accounts_csv([(0, "EXT-1", "Imported one", "", "giant", "")]))
    upload.name = "accounts.csv"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        preview = client.post(reverse("admin:revops_account_import"), {"file": upload})
    response = client.get(preview["Location"])
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "unknown segment &#x27;giant&#x27;" in body
    assert ("Traceback" in body, "site-packages" in body) == (False, False)
    assert Account.objects.count() == 0


def test_the_admin_import_page_lists_the_columns_and_templates(admin, client_for):
    response = client_for(admin).get(reverse("admin:revops_partner_import"))
    body = response.content.decode()
    assert response.status_code == 200
    assert [c.column for c in response.context["columns"]] == [
        "external_id", "name", "domain", "types", "tier", "status", "lifecycle_stage",
    ]  # fmt: skip
    assert reverse("revops:import-template", args=["partners", "xlsx"]) in body


@pytest.mark.parametrize(
    ("_case", "kind", "spec", "errors"),
    [
        (
            "unknown_kind",
            "invoices",
            {},
            {
                "kind": [
                    "Unknown import kind 'invoices' (use one of: account_partner_splits, accounts, "
                    "deal_partner_links, leads, marketing_channels, marketing_paths, objectives, "
                    "opportunities, partners, payments, product_lines, products, rep_aliases, "
                    "revenue_events, sales, stage_history, territories, touchpoints)."
                ]
            },
        ),
        (
            "bad_spec",
            "opportunities",
            {"delimiter": ";;", "number": {"decimal": ",", "thousands": ","}},
            {
                "spec": [
                    "delimiter: String should have at most 1 character",
                    "number: Value error, the decimal and thousands separators must differ",
                ]
            },
        ),
    ],
)
def test_import_profile_spec_and_kind_are_checked(_case, kind, spec, errors, org):
    # given
    profile = ImportProfile(organization=org, kind=kind, name="CRM", spec=spec)
    # when
    with pytest.raises(ValidationError) as raised:
        profile.full_clean()
    # then
    assert raised.value.message_dict == errors
    assert ImportProfile.objects.count() == 0


def test_admin_saves_a_valid_import_profile_in_the_admins_organization(admin, client_for):
    # given
    client = client_for(admin)
    # when
    response = client.post(
        reverse("admin:revops_importprofile_add"),
        {"kind": "opportunities", "name": "German CRM", "spec": '{"delimiter": ";", "encoding": "latin-1"}'},
    )
    # then
    assert response.status_code == 302
    profile = ImportProfile.objects.get()
    assert (profile.organization_id, profile.load().delimiter, profile.load().encoding) == (
        admin.organization_id,
        ";",
        "iso8859-1",
    )
