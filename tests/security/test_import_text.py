"""Control characters never reach a text column through an import door."""

from typing import Annotated

import pytest
import tablib
from pydantic import Field

from revops.imports.fields import TEXT, ImportRow
from revops.models import Account
from revops.resources import AccountResource


class _Row(ImportRow):
    name: Annotated[str, TEXT, Field(max_length=64)]


def test_import_row_text_drops_control_characters():
    assert _Row.model_validate({"name": " Acme\x01 Corp\x1f "}).name == "Acme Corp"
    assert _Row.model_validate({"name": "Acme\tCorp"}).name == "Acme\tCorp"


@pytest.mark.django_db
def test_admin_resource_import_drops_control_characters(org):
    # given
    dataset = tablib.Dataset(headers=["external_id", "name", "domain"])
    dataset.append(["EXT-\x011", "Acme\x01 Corp", "acme.example"])
    # when
    result = AccountResource(organization=org).import_data(dataset, dry_run=False)
    # then
    assert not result.has_errors() and not result.has_validation_errors()
    assert list(Account.objects.values_list("external_id", "name")) == [("EXT-1", "Acme Corp")]
