"""The hostile-imports corpus through the admin's import (django-import-export, accounts).

The admin imports reference data only (opportunities and revenue events are refused there,
see `revops.resources`), so the corpus files go to the account import: whatever the file, no
answer is a 5xx, the preview writes nothing, and confirming writes accounts only — or
nothing when the file was refused.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from revops.models import Account
from tests.imports.corpus import corpus
from tests.imports.test_corpus import OPPORTUNITIES, snapshot

IMPORT = "admin:revops_account_import"
CONFIRM = "admin:revops_account_process_import"
# Rows an admin import may add besides accounts: the admin's log of what it did.
ADMIN_LOG = {"revops.account", "revops.auditevent"}
CASES = [case for case in corpus() if not case.big]


def _format_index(client, suffix: str) -> str:
    choices = client.get(reverse(IMPORT)).context["form"].fields["format"].choices
    return next(str(value) for value, label in choices if suffix in str(label).lower())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file_through_the_admin_import(case, admin, org, client_for):
    # given
    client = client_for(admin)
    suffix = "xlsx" if case.filename.endswith(".xlsx") else "csv"
    upload = io.BytesIO(case.build(OPPORTUNITIES))
    upload.name = case.filename
    before = snapshot()
    # when: the preview
    preview = client.post(reverse(IMPORT), {"import_file": upload, "format": _format_index(client, suffix)})
    # then: an answer, not a 5xx, and nothing written
    assert preview.status_code in (200, 302), preview.status_code
    assert snapshot() == before
    confirm = preview.context and preview.context.get("confirm_form")
    if not confirm:
        return
    # when: confirmed
    done = client.post(reverse(CONFIRM), {k: v for k, v in confirm.initial.items() if v is not None})
    # then: accounts only, or nothing
    assert done.status_code in (200, 302), done.status_code
    after = snapshot()
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= ADMIN_LOG, changed
    assert all(a.organization_id == org.pk for a in Account.objects.all())
