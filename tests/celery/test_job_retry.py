"""A job whose first attempt hits a transient database error succeeds on the retry (real worker)."""

import datetime as dt
import time
from decimal import Decimal

import pytest

from attribution.models import AttributionEntry
from attribution.services.jobs import attribution_recompute_enqueue
from revops.models import JobRun
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.celery.faults import INJECTED, fault_arm
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

TASK_NAME = "attribution.tasks.recompute_attribution_task"


@pytest.fixture
def book(org, rep):
    """One deal with Alpha at 10 % (referral) and Beta at 5 % (isv), and a 1,000.00 event."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    account = AccountFactory(organization=org, owner=rep.user, external_id="ACC-1")
    deal = OpportunityFactory(organization=org, account=account, owner=rep.user, external_id="OPP-1")
    alpha = PartnerFactory(organization=org, name="Alpha")
    beta = PartnerFactory(organization=org, name="Beta")
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=alpha, role="referral", split_percent=Decimal("10")
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=beta, role="isv", split_percent=Decimal("5")
    )
    RevenueEventFactory(
        organization=org, opportunity=deal, date=dt.date(2026, 1, 20), amount=Decimal("1000.00")
    )
    return {"Alpha": alpha, "Beta": beta}


def wait_until_finished(job: JobRun, timeout: float = 60) -> JobRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.status}: {job.error}")


def test_recompute_whose_first_attempt_loses_the_database_succeeds_on_the_retry(worker, org, admin, book):
    # given: the worker's first read of revenue events fails as a dropped connection does
    armed = fault_arm(worker.faults_dir, name="events-read", sql_containing='"attribution_revenueevent"')

    # when
    job, created = attribution_recompute_enqueue(organization=org, actor=admin.user, idempotency_key="retry")

    # then: the run was handed back, the retry claimed it and posted the shares once
    job = wait_until_finished(job)
    assert created is True
    assert not armed.exists()
    counts = dict(job.counts)
    aligned = counts.pop("aligned")  # the rule set and settings the ledger is now aligned to
    assert (job.status, job.error, job.progress, counts) == (
        JobRun.Status.SUCCEEDED,
        "",
        100,
        # a recompute asked for compares the whole book (accounts: None)
        {"events": 1, "entries": 2, "by_kind": {"original": 2}, "total": "150.00", "accounts": None},
    )
    assert aligned["rules"] == []
    entries = AttributionEntry.objects.filter(organization=org).order_by("sequence")
    assert [(e.partner.name, e.kind, e.amount) for e in entries] == [
        ("Alpha", "original", Decimal("100.00")),
        ("Beta", "original", Decimal("50.00")),
    ]
    log = worker.wait_for_log(f"Task {TASK_NAME}[", "succeeded in")
    retry_lines = [line for line in log.splitlines() if f"{TASK_NAME}[" in line and " retry: " in line]
    assert len(retry_lines) == 1
    assert INJECTED.format(name="events-read") in retry_lines[0]
    assert log.count(f"{TASK_NAME}[") >= 4  # received, retry, received again, succeeded
