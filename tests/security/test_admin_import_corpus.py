"""The hostile-imports corpus through the admin's account import (the import framework's door).

The admin's Import button stores the file and queues the framework's preview, like the page
and the API: whatever the file, no answer is a 5xx, the preview writes nothing, and
confirming writes accounts (and their audit row) only — or nothing when the file was refused.
The corpus files are opportunity-shaped: their `external_id` and `name` columns make an
account row, the others are ignored.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from revops.models import Account, ImportProfile, JobRun
from tests.imports.corpus import corpus
from tests.imports.test_corpus import OPPORTUNITIES, snapshot

IMPORT = "admin:revops_account_import"
# Rows an admin import may add besides accounts: its audit row.
ADMIN_LOG = {"revops.account", "revops.auditevent"}
CASES = [case for case in corpus() if not case.big]


def _job_of(response) -> JobRun:
    return JobRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file_through_the_admin_import(
    case, admin, org, client_for, django_capture_on_commit_callbacks, settings, tmp_path
):
    # given
    settings.MEDIA_ROOT = tmp_path
    client = client_for(admin)
    profile = ""
    if case.profile is not None:
        ImportProfile.objects.create(organization=org, kind="accounts", name="corpus", spec=case.profile)
        profile = "corpus"
    upload = io.BytesIO(case.build(OPPORTUNITIES))
    upload.name = case.filename
    before = snapshot()
    # when: the preview
    with django_capture_on_commit_callbacks(execute=True):
        preview = client.post(reverse(IMPORT), {"file": upload, "profile": profile})
    # then: an answer, not a 5xx, and nothing written
    assert preview.status_code in (200, 302), preview.status_code
    assert snapshot() == before
    if preview.status_code != 302 or _job_of(preview).status != JobRun.Status.SUCCEEDED:
        return
    assert client.get(preview["Location"]).status_code == 200
    # when: confirmed
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("revops:import-confirm", args=[_job_of(preview).pk]))
    # then: accounts only, or nothing
    assert done.status_code == 302, done.status_code
    after = snapshot()
    changed = {k for k in before if before[k] != after[k]}
    assert changed <= ADMIN_LOG, changed
    assert all(a.organization_id == org.pk for a in Account.objects.all())
