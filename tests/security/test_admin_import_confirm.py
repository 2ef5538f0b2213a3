"""The admin's django-import-export confirm step opens only a file this user previewed in this session.

(Territories: accounts, partners and the catalog import through the import framework's jobs,
tests/imports/test_bulk.py.)"""

import io
import os
import tempfile

import pytest
import tablib
from django.urls import reverse

from commissions.models import Territory
from revops.admin.imports import IMPORT_FILE_UNKNOWN
from revops.models import Role
from tests.revops.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT = "admin:commissions_territory_import"
CONFIRM = "admin:commissions_territory_process_import"


@pytest.fixture(autouse=True)
def _territory_rep(rep):
    return rep


def _preview(client, code: str):
    data = tablib.Dataset(headers=["code", "product_line_code", "rep_email"])
    data.append([code, "", "rep1@acme.test"])
    upload = io.BytesIO(data.export("csv").encode())
    upload.name = "territories.csv"
    response = client.post(reverse(IMPORT), {"import_file": upload, "format": "0"})
    assert response.status_code == 200
    return dict(response.context["confirm_form"].initial)


def _refused(response) -> bool:
    return response.status_code == 200 and IMPORT_FILE_UNKNOWN in response.content.decode()


def test_another_admin_cannot_confirm_a_file_they_did_not_upload(admin, org, client_for):
    # given: an admin previews a file; a second admin of the same organization learns its name
    second = MembershipFactory(organization=org, user=UserFactory(email="admin2@acme.test"), role=Role.ADMIN)
    confirm = _preview(client_for(admin), "10115")
    stored = os.path.join(tempfile.gettempdir(), confirm["import_file_name"])
    # when
    response = client_for(second).post(reverse(CONFIRM), confirm, follow=True)
    # then: refused, nothing imported, and the uploader's file is still there to confirm
    assert _refused(response)
    assert Territory.objects.count() == 0
    assert os.path.exists(stored)
    os.remove(stored)


def test_the_uploader_confirms_once(admin, client_for):
    # given
    client = client_for(admin)
    confirm = _preview(client, "10115")
    # when
    first = client.post(reverse(CONFIRM), confirm)
    again = client.post(reverse(CONFIRM), confirm, follow=True)
    # then
    assert first.status_code == 302
    assert _refused(again)
    assert list(Territory.objects.values_list("code", flat=True)) == ["10115"]


@pytest.mark.parametrize(
    "change",
    [
        {"import_file_name": ""},
        {"import_file_name": None},
        {"import_file_name": "../../etc/passwd"},
        {"import_file_name": "tmpSOMEONEELSE"},
    ],
)
def test_a_missing_or_foreign_file_name_is_a_clear_error(change, admin, client_for):
    # given
    client = client_for(admin)
    confirm = _preview(client, "10115") | change
    confirm = {k: v for k, v in confirm.items() if v is not None}
    # when
    response = client.post(reverse(CONFIRM), confirm, follow=True)
    # then
    assert _refused(response)
    assert Territory.objects.count() == 0
