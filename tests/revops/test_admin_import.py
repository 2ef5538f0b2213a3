"""The admin: account import into the admin's organization."""

import io

import pytest
import tablib
from django.urls import reverse

from revops.exceptions import ApplicationError
from revops.models import Account, Opportunity
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
