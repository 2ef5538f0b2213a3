"""The admin: account import into the admin's organization."""

import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.urls import reverse

from revops.exceptions import ApplicationError
from revops.models import Account, ImportProfile, Opportunity
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


def test_admin_import_of_accounts_lands_in_the_admins_organization(admin, other_org, client_for):
    # given
    theirs = AccountFactory(organization=other_org, name="Globex Corp", external_id="EXT-1")
    client = client_for(admin)
    upload = io.BytesIO(_accounts_csv([(other_org.pk, "EXT-1", "Imported one", "", "", "")]))
    upload.name = "accounts.csv"
    # when
    preview = client.post(reverse("admin:revops_account_import"), {"import_file": upload, "format": "0"})
    confirm = preview.context["confirm_form"]
    response = client.post(reverse("admin:revops_account_process_import"), confirm.initial)
    # then
    assert preview.status_code == 200
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.organization_id, theirs.name) == (other_org.pk, "Globex Corp")
    created = Account.objects.get(external_id="EXT-1", name="Imported one")
    assert created.organization_id == admin.organization_id


def test_opportunity_resource_refuses_to_import_and_writes_nothing(org):
    # given: a file that would create an opportunity
    dataset = tablib.Dataset(headers=["name", "stage", "amount", "created_date"])
    dataset.append(["Sneaky deal", "closed_won", "1000000.00", "2026-01-01"])
    # when / then
    with pytest.raises(ApplicationError, match=OPPORTUNITY_IMPORT_REFUSED):
        OpportunityExportResource(organization=org).import_data(dataset, dry_run=False)
    assert Opportunity.objects.count() == 0


def test_admin_import_page_shows_errors_without_tracebacks_or_server_paths(admin, client_for, monkeypatch):
    # given: an import that fails outside any row (django-import-export renders such errors
    # with their traceback, which names files on the server)
    def broken_before_import(self, dataset, **kwargs):
        raise ValueError("The file has no usable header.")

    monkeypatch.setattr(AccountResource, "before_import", broken_before_import)
    client = client_for(admin)
    upload = io.BytesIO(_accounts_csv([(0, "EXT-1", "Imported one", "", "", "")]))
    upload.name = "accounts.csv"
    # when
    response = client.post(reverse("admin:revops_account_import"), {"import_file": upload, "format": "0"})
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "The file has no usable header." in body
    assert ("Traceback" in body, ".py" in body.replace("/static/", ""), "site-packages" in body) == (
        False,
        False,
        False,
    )
    assert Account.objects.count() == 0


def test_admin_import_confirmation_failure_is_a_message_not_a_server_error(admin, client_for, monkeypatch):
    # given: a previewed file whose confirmation fails (the stored file vanished, the database refused)
    client = client_for(admin)
    upload = io.BytesIO(_accounts_csv([(0, "EXT-1", "Imported one", "", "", "")]))
    upload.name = "accounts.csv"
    preview = client.post(reverse("admin:revops_account_import"), {"import_file": upload, "format": "0"})

    def broken_import(self, *args, **kwargs):
        raise RuntimeError("/srv/app/revops/whatever.py exploded")

    monkeypatch.setattr(AccountResource, "import_data", broken_import)
    # when
    response = client.post(
        reverse("admin:revops_account_process_import"), preview.context["confirm_form"].initial, follow=True
    )
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "The import failed (RuntimeError); nothing was imported. Check the file and try again." in body
    assert "/srv/app" not in body
    assert Account.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "kind", "spec", "errors"),
    [
        (
            "unknown_kind",
            "invoices",
            {},
            {
                "kind": [
                    "Unknown import kind 'invoices' (use one of: leads, marketing_paths, objectives, opportunities, payments, revenue_events, sales, touchpoints)."
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
