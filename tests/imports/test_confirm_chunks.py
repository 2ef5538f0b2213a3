"""A confirmed import reads and writes a chunk at a time: it never holds the whole file's
planned rows, and the confirm request never reads the whole stored file; still all or nothing."""

import hashlib
import json

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from revops.imports import pipeline as pipeline_module
from revops.imports.errors import ImportRefused
from revops.models import JobRun
from revops.services import imports as imports_module
from revops.services.imports import Mode, import_confirm, import_job_run, import_submit
from revops.services.opportunity_import import OPPORTUNITY_IMPORT, opportunity_import
from tests.imports.test_pipeline import state
from tests.revops.test_imports import csv_text, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_chunk(monkeypatch):
    """Plan three rows a chunk, and record the size of each write the kind is asked for."""
    monkeypatch.setattr(pipeline_module, "CHUNK_ROWS", 3)
    monkeypatch.setattr(pipeline_module, "BUILD_ROWS", 2)
    writes: list[int] = []
    real = type(OPPORTUNITY_IMPORT).write

    def counted(self, **kwargs):
        writes.append(len(kwargs["rows"]))
        return real(self, **kwargs)

    monkeypatch.setattr(type(OPPORTUNITY_IMPORT), "write", counted)
    return writes


def test_a_confirmed_import_writes_a_chunk_at_a_time(org, manager, catalog, three_a_chunk):
    # given: ten clean rows
    content = csv_text([row(external_id=f"OPP-{n}", amount=f"{n}.50") for n in range(10)]).encode()
    # when
    preview = opportunity_import(organization=org, content=content, actor=manager.user)
    # then: four writes of at most three rows, every row written, one audit row with the counts
    assert three_a_chunk == [3, 3, 3, 1]
    assert preview.counts == {"create": 10, "update": 0, "unchanged": 0}
    opportunities, stage_changes, audits = state()
    assert [o[0] for o in opportunities] == sorted(f"OPP-{n}" for n in range(10))
    assert (stage_changes, audits) == (10, 1)


def test_a_row_refused_in_a_late_chunk_rolls_back_the_chunks_written_before(
    org, manager, catalog, three_a_chunk
):
    # given: nine good rows, then one naming an unknown account (the fourth chunk)
    rows = [row(external_id=f"OPP-{n}") for n in range(9)]
    content = csv_text([*rows, row(external_id="OPP-X", account_external_id="ACC-404")]).encode()
    before = state()
    # when
    with pytest.raises(ImportRefused) as refused:
        opportunity_import(organization=org, content=content, actor=manager.user)
    # then: three chunks were written, then all of it rolled back
    assert three_a_chunk == [3, 3, 3]
    assert refused.value.errors == ["line 11, account_external_id: no account with external id 'ACC-404'"]
    assert state() == before


def test_the_confirm_digests_the_stored_file_in_blocks_and_never_reads_it_whole(
    org, manager, catalog, monkeypatch, django_capture_on_commit_callbacks
):
    # given: a clean preview run of a file several blocks long
    monkeypatch.setattr(imports_module, "FILE_BLOCK", 64)
    content = csv_text([row(external_id=f"OPP-{n}") for n in range(5)]).encode()
    job, _ = import_submit(organization=org, actor=manager.user, kind_name="opportunities", content=content)
    job = import_job_run(job_run_id=job.pk)
    assert job.status == JobRun.Status.SUCCEEDED

    def whole_read(*, path):
        raise AssertionError("the confirm read the whole stored file")

    monkeypatch.setattr(imports_module, "import_file_read", whole_read)
    # when
    with django_capture_on_commit_callbacks(execute=False):
        applied, created = import_confirm(job=job, actor=manager.user)
    # then: the apply run reads the preview's stored file, under the key of the whole file's digest
    spec_json = job.params["spec"]
    digest = hashlib.sha256(content + json.dumps(spec_json, sort_keys=True).encode()).hexdigest()
    assert created is True
    assert applied.idempotency_key == f"import:opportunities:{Mode.APPLY}:{digest}"
    assert (applied.params["file"], applied.params["bytes"]) == (job.params["file"], len(content))
    assert default_storage.size(applied.params["file"]) == len(content)
    # and confirming again queues nothing more
    assert import_confirm(job=job, actor=manager.user) == (applied, False)


def test_the_confirm_page_still_writes_once(
    org, manager, catalog, client_for, django_capture_on_commit_callbacks
):
    # given
    content = csv_text([row()]).encode()
    job, _ = import_submit(organization=org, actor=manager.user, kind_name="opportunities", content=content)
    import_job_run(job_run_id=job.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(reverse("revops:import-confirm", args=[job.pk]))
    # then
    applied = JobRun.objects.get(params__mode=Mode.APPLY)
    assert response.status_code == 302
    assert applied.status == JobRun.Status.SUCCEEDED
    assert [o[0] for o in state()[0]] == ["OPP-1"]
