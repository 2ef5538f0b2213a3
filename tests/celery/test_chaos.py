"""Workers killed with SIGKILL in the middle of a recompute: the ledger ends as a clean run's.

A prefork worker (one pool process) runs the attribution recompute of a book of 2,400 revenue
events. Each time the run is seen running, the harness kills either the whole worker (process
group: a lost machine; the message comes back after the broker's visibility timeout, 3 s here)
or only its pool process (the main process requeues the message at once), and starts a new
worker when the whole one went. After the kills the run must finish by itself, and the
organization's ledger must hold what a second, identical organization's uninterrupted run holds:
the same entry count, net total and net amount per event, partner and role; both chains verify.
`bench/chaos.py` runs the same with 20 kills and prints the figures.
"""

import datetime as dt
import functools
import os
import random
import time
from decimal import Decimal

import pytest
import redis

from attribution.models import OpportunityPartner, RevenueEvent
from attribution.services.jobs import attribution_recompute_enqueue
from attribution.services.verify import ledger_verify
from revops.celery import Queue, app
from revops.models import JobRun
from revops.services.periods import periods_ensure
from tests.celery.harness import KillableWorker, ledger_fingerprint, reset_broker_connections
from tests.revops.factories import AccountFactory, OpportunityFactory, OrganizationFactory, PartnerFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

# Its own Redis database, so the session worker of the other real-worker tests never takes its tasks.
CHAOS_BROKER_URL = os.environ.get("CELERY_CHAOS_BROKER_URL", "redis://127.0.0.1:6379/13")
KILLS = 5


def build_book(org, *, deals: int = 60, events_per_deal: int = 40) -> None:
    """Deals with two partners each (10 % referral, 5 % isv) and monthly revenue events."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    alpha = PartnerFactory(organization=org, name="Alpha")
    beta = PartnerFactory(organization=org, name="Beta")
    account = AccountFactory(organization=org, external_id="ACC-1")
    links, events = [], []
    for d in range(deals):
        deal = OpportunityFactory(organization=org, account=account, external_id=f"OPP-{d}")
        links += [
            OpportunityPartner(
                organization=org,
                opportunity=deal,
                partner=alpha,
                role="referral",
                split_percent=Decimal("10"),
            ),
            OpportunityPartner(
                organization=org, opportunity=deal, partner=beta, role="isv", split_percent=Decimal("5")
            ),
        ]
        events += [
            RevenueEvent(
                organization=org,
                opportunity=deal,
                account=account,
                date=dt.date(2026, 1, 1) + dt.timedelta(days=(e * 7) % 360),
                amount=Decimal(1000 + 37 * e + d) / 100 * 100,
                source=RevenueEvent.Source.IMPORT,
                external_id=f"EV-{d}-{e}",
            )
            for e in range(events_per_deal)
        ]
    OpportunityPartner.objects.bulk_create(links)
    RevenueEvent.objects.bulk_create(events, batch_size=1000)


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def chaos_worker(flushable_db, settings, tmp_path):
    """A killable worker on its own Redis database, with this process sending tasks to it."""
    client = redis.Redis.from_url(CHAOS_BROKER_URL)
    client.flushdb()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = CHAOS_BROKER_URL
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=CHAOS_BROKER_URL, task_always_eager=False)
    reset_broker_connections()
    from django.db import connections

    worker = KillableWorker(
        broker_url=CHAOS_BROKER_URL,
        settings_dict=connections["default"].settings_dict,
        log_path=tmp_path / "chaos-worker.log",
    )
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.update(**previous)
        reset_broker_connections()
        client.delete(*(queue.value for queue in Queue))
        client.flushdb()
        client.close()


def run_with_kills(worker: KillableWorker, job: JobRun, kills: int, rng: random.Random) -> list[str]:
    """Kill the worker `kills` times while the run is running; the kinds of kill made."""
    made: list[str] = []
    last_start = None

    def running_attempt(previous_start) -> bool:
        # A (new) attempt has claimed the run: its started_at moves with every take-over.
        job.refresh_from_db()
        if job.is_finished:
            raise AssertionError(f"the run finished after {len(made)} kills; the book is too small")
        return job.status == JobRun.Status.RUNNING and job.started_at != previous_start

    while len(made) < kills:
        previous = last_start
        wait_for(
            functools.partial(running_attempt, previous),
            timeout=120,
            what=f"attempt {len(made) + 1} to start",
        )
        last_start = job.started_at
        time.sleep(rng.uniform(0.0, 0.3))
        if len(made) % 2 == 0:
            worker.kill_all()
            made.append("worker")
            worker.start()
        else:
            assert worker.kill_child(), "the worker had no pool process to kill"
            made.append("pool process")
    return made


def test_killed_workers_leave_the_ledger_as_a_clean_run_does(chaos_worker, admin):
    # given two identical books, one recomputed without interruption
    chaos_org = admin.organization
    clean_org = OrganizationFactory()
    build_book(chaos_org)
    build_book(clean_org)
    chaos_worker.start()
    clean_job, _ = attribution_recompute_enqueue(
        organization=clean_org, actor=admin.user, idempotency_key="clean"
    )
    wait_for(lambda: clean_job.refresh_from_db() or clean_job.is_finished, timeout=300, what="the clean run")
    assert (clean_job.status, clean_job.error) == (JobRun.Status.SUCCEEDED, "")
    expected = ledger_fingerprint(clean_org)
    assert expected[0] == 2 * 60 * 40  # every event credited to both partners

    # when the other book's recompute is killed KILLS times
    job, _ = attribution_recompute_enqueue(organization=chaos_org, actor=admin.user, idempotency_key="chaos")
    made = run_with_kills(chaos_worker, job, KILLS, random.Random(13))
    wait_for(
        lambda: job.refresh_from_db() or job.is_finished,
        timeout=300,
        what="the run to finish after the kills",
    )

    # then it finished by itself, once, with the clean run's ledger
    assert made == ["worker", "pool process", "worker", "pool process", "worker"]
    assert (job.status, job.error) == (JobRun.Status.SUCCEEDED, "")
    assert ledger_fingerprint(chaos_org) == expected
    assert ledger_verify(organization=chaos_org).ok
    assert ledger_verify(organization=clean_org).ok
