"""Fiscal periods: creation, close in order, reopen with a reason, audit rows."""

import datetime as dt

import pytest

from revops.exceptions import ApplicationError
from revops.models import AuditEvent, FiscalPeriod
from revops.services.periods import (
    first_open_period,
    fiscal_year_and_quarter,
    period_close,
    period_reopen,
    periods_ensure,
)
from tests.revops.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _periods(org):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 30))
    return list(FiscalPeriod.objects.filter(organization=org).order_by("start_date"))


@pytest.mark.parametrize(
    ("_case", "start_month", "month", "expected"),
    [
        ("calendar_q1", 1, dt.date(2026, 2, 1), (2026, 1)),
        ("calendar_q4", 1, dt.date(2026, 12, 1), (2026, 4)),
        ("april_start_before", 4, dt.date(2026, 3, 1), (2026, 4)),
        ("april_start_first_month", 4, dt.date(2026, 4, 1), (2027, 1)),
        ("april_start_q3", 4, dt.date(2026, 11, 1), (2027, 3)),
    ],
)
def test_fiscal_year_and_quarter(_case, start_month, month, expected):
    org = OrganizationFactory.build(fiscal_year_start_month=start_month)
    assert fiscal_year_and_quarter(org, month) == expected


def test_periods_ensure_is_idempotent(org):
    # given
    created = periods_ensure(organization=org, start=dt.date(2025, 11, 15), end=dt.date(2026, 2, 3))
    # when
    again = periods_ensure(organization=org, start=dt.date(2025, 11, 15), end=dt.date(2026, 2, 3))
    # then
    assert (created, again) == (4, 0)
    periods = FiscalPeriod.objects.filter(organization=org).order_by("start_date")
    assert [(p.start_date, p.end_date) for p in periods] == [
        (dt.date(2025, 11, 1), dt.date(2025, 11, 30)),
        (dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ]


def test_close_writes_audit_and_is_a_noop_twice(org, finance_admin):
    jan, *_ = _periods(org)
    # when
    period_close(period=jan, actor=finance_admin.user)
    period_close(period=jan, actor=finance_admin.user)
    # then
    jan.refresh_from_db()
    assert jan.status == "closed"
    assert jan.closed_by == finance_admin.user
    events = list(AuditEvent.objects.filter(organization=org, action="period.close"))
    assert len(events) == 1
    assert events[0].before == {"status": "open"}
    assert events[0].after["status"] == "closed"


def test_close_out_of_order_is_refused_and_changes_nothing(org, finance_admin):
    _jan, feb, *_ = _periods(org)
    # when
    with pytest.raises(ApplicationError, match="Close 2026-01 first"):
        period_close(period=feb, actor=finance_admin.user)
    # then
    feb.refresh_from_db()
    assert feb.status == "open"
    assert feb.closed_at is None
    assert AuditEvent.objects.filter(organization=org).count() == 0


def test_reopen_needs_a_reason_and_goes_in_reverse_order(org, finance_admin):
    jan, feb, *_ = _periods(org)
    period_close(period=jan, actor=finance_admin.user)
    period_close(period=feb, actor=finance_admin.user)
    audit_before = AuditEvent.objects.count()
    # when / then: no reason
    with pytest.raises(ApplicationError, match="reason is required"):
        period_reopen(period=feb, actor=finance_admin.user, reason="  ")
    # when / then: not the latest closed
    with pytest.raises(ApplicationError, match="Reopen 2026-02 first"):
        period_reopen(period=jan, actor=finance_admin.user, reason="late invoice")
    assert AuditEvent.objects.count() == audit_before
    jan.refresh_from_db()
    assert jan.status == "closed"
    # when: the right way
    period_reopen(period=feb, actor=finance_admin.user, reason="late invoice")
    # then
    feb.refresh_from_db()
    assert (feb.status, feb.closed_at, feb.closed_by) == ("open", None, None)
    event = AuditEvent.objects.get(action="period.reopen")
    assert event.reason == "late invoice"
    assert event.before["status"] == "closed"
    assert event.after == {"status": "open"}


def test_first_open_period_skips_closed_months(org, finance_admin):
    jan, feb, mar, _apr = _periods(org)
    period_close(period=jan, actor=finance_admin.user)
    period_close(period=feb, actor=finance_admin.user)
    assert first_open_period(organization=org, on_or_after=dt.date(2026, 1, 20)) == mar
