"""The admin import's confirm step opens only a file this user previewed in this session."""

import io
import os
import tempfile

import pytest
import tablib
from django.urls import reverse

from revops.admin.imports import IMPORT_FILE_UNKNOWN
from revops.models import Account, Role
from tests.revops.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT = "admin:revops_account_import"
CONFIRM = "admin:revops_account_process_import"


def _preview(client, external_id: str):
    data = tablib.Dataset(headers=["external_id", "name"])
    data.append([external_id, f"Account {external_id}"])
    upload = io.BytesIO(data.export("csv").encode())
    upload.name = "accounts.csv"
    response = client.post(reverse(IMPORT), {"import_file": upload, "format": "0"})
    assert response.status_code == 200
    return dict(response.context["confirm_form"].initial)


def _refused(response) -> bool:
    return response.status_code == 200 and IMPORT_FILE_UNKNOWN in response.content.decode()


def test_another_admin_cannot_confirm_a_file_they_did_not_upload(admin, org, client_for):
    # given: an admin previews a file; a second admin of the same organization learns its name
    second = MembershipFactory(organization=org, user=UserFactory(email="admin2@acme.test"), role=Role.ADMIN)
    confirm = _preview(client_for(admin), "EXT-1")
    stored = os.path.join(tempfile.gettempdir(), confirm["import_file_name"])
    # when
    response = client_for(second).post(reverse(CONFIRM), confirm, follow=True)
    # then: refused, nothing imported, and the uploader's file is still there to confirm
    assert _refused(response)
    assert Account.objects.count() == 0
    assert os.path.exists(stored)
    os.remove(stored)


def test_the_uploader_confirms_once(admin, client_for):
    # given
    client = client_for(admin)
    confirm = _preview(client, "EXT-1")
    # when
    first = client.post(reverse(CONFIRM), confirm)
    again = client.post(reverse(CONFIRM), confirm, follow=True)
    # then
    assert first.status_code == 302
    assert _refused(again)
    assert list(Account.objects.values_list("external_id", flat=True)) == ["EXT-1"]


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
    confirm = _preview(client, "EXT-1") | change
    confirm = {k: v for k, v in confirm.items() if v is not None}
    # when
    response = client.post(reverse(CONFIRM), confirm, follow=True)
    # then
    assert _refused(response)
    assert Account.objects.count() == 0
