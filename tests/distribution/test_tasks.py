"""Runs as JobRuns, and the daily schedule in the organization's time zone."""

import datetime as dt

from distribution.models import DistributionRun, Lead, LeadAssignment
from distribution.services.jobs import distribution_run_enqueue, scheduled_runs_enqueue
from revops.models import JobRun


def test_dry_run_job_records_the_run_and_assigns_nothing(
    org, floor, saved_config, admin, django_capture_on_commit_callbacks
):
    # given
    owners = list(Lead.objects.order_by("pk").values_list("owner_id", flat=True))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job, created = distribution_run_enqueue(
            organization=org, config=saved_config, dry_run=True, acting_user=admin.user
        )
    # then
    job.refresh_from_db()
    assert created
    assert job.status == JobRun.Status.SUCCEEDED
    run = DistributionRun.objects.get(job_run=job)
    assert (run.mode, run.counts["assigned"], job.counts["assigned"]) == ("dry_run", 10, 10)
    assert LeadAssignment.objects.count() == 0
    assert list(Lead.objects.order_by("pk").values_list("owner_id", flat=True)) == owners


def test_applied_job_assigns(org, floor, saved_config, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = distribution_run_enqueue(
            organization=org, config=saved_config, dry_run=False, acting_user=admin.user
        )
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED
    assert Lead.objects.filter(owner__isnull=True).count() == 0
    assert LeadAssignment.objects.filter(run__job_run=job).count() == 10


def test_schedule_runs_at_the_organizations_hour_once_a_day(
    org, floor, saved_config, django_capture_on_commit_callbacks
):
    # given Acme works in Tokyo: 21:10 UTC is 06:10 the next morning there
    org.time_zone = "Asia/Tokyo"
    org.save(update_fields=["time_zone"])
    morning = dt.datetime(2026, 3, 3, 21, 10, tzinfo=dt.UTC)
    # when the beat asks at 20:10 UTC (05:10 in Tokyo), then at 21:10 twice
    with django_capture_on_commit_callbacks(execute=True):
        early = scheduled_runs_enqueue(now=morning - dt.timedelta(hours=1))
        first = scheduled_runs_enqueue(now=morning)
        again = scheduled_runs_enqueue(now=morning)
    # then exactly one applied run, for Tokyo's 4 March
    assert (early, first, again) == (0, 1, 0)
    run = DistributionRun.objects.get()
    assert (run.mode, run.run_on) == ("applied", dt.date(2026, 3, 4))


def test_inactive_config_is_not_scheduled(org, floor, saved_config):
    saved_config.active = False
    saved_config.save(update_fields=["active"])
    assert scheduled_runs_enqueue(now=dt.datetime(2026, 3, 4, 6, 10, tzinfo=dt.UTC)) == 0
    assert JobRun.objects.count() == 0
