"""The admin: fiscal period close and reopen actions."""

import datetime as dt

import pytest
from django.urls import reverse

from revops.models import (
    AuditEvent,
    FiscalPeriod,
)
from revops.services.periods import PERIOD_EARLIER_OPEN
from tests.revops.factories import FiscalPeriodFactory

pytestmark = pytest.mark.django_db


def _changelist_url(model) -> str:
    return reverse(f"admin:revops_{model._meta.model_name}_changelist")


@pytest.fixture
def periods(admin):
    jan = FiscalPeriodFactory(organization=admin.organization)
    feb = FiscalPeriodFactory(
        organization=admin.organization, start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 2, 28)
    )
    return jan, feb


def _action(client, action, pks, **extra):
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0", **extra}
    return client.post(_changelist_url(FiscalPeriod), data, follow=True)


def _errors(response) -> list[str]:
    return [m.message for m in response.context["messages"] if m.level_tag == "error"]


def test_close_action_closes_periods_in_order_with_audit(admin, periods, client_for):
    # given
    jan, feb = periods
    # when
    response = _action(client_for(admin), "close_periods", [feb.pk, jan.pk])
    # then
    assert _errors(response) == []
    jan.refresh_from_db()
    feb.refresh_from_db()
    assert (jan.status, feb.status) == ("closed", "closed")
    assert (jan.closed_by_id, feb.closed_by_id) == (admin.user_id, admin.user_id)
    events = AuditEvent.objects.filter(action="period.close").order_by("id")
    assert [(e.object_id, e.before, e.after, e.actor_id) for e in events] == [
        (
            str(jan.pk),
            {"status": "open"},
            {"status": "closed", "closed_at": jan.closed_at.isoformat()},
            admin.user_id,
        ),
        (
            str(feb.pk),
            {"status": "open"},
            {"status": "closed", "closed_at": feb.closed_at.isoformat()},
            admin.user_id,
        ),
    ]


def test_close_action_refuses_out_of_order_and_changes_nothing(admin, periods, client_for):
    # given
    jan, feb = periods
    # when
    response = _action(client_for(admin), "close_periods", [feb.pk])
    # then
    assert _errors(response) == [PERIOD_EARLIER_OPEN.format(earlier=jan)]
    feb.refresh_from_db()
    assert (feb.status, feb.closed_at, feb.closed_by_id) == ("open", None, None)
    assert AuditEvent.objects.count() == 0


def test_reopen_action_asks_for_a_reason_then_reopens_with_audit(admin, periods, client_for):
    # given
    jan, feb = periods
    client = client_for(admin)
    _action(client, "close_periods", [jan.pk, feb.pk])
    feb.refresh_from_db()
    closed_at = feb.closed_at
    # when
    confirm = _action(client, "reopen_periods", [feb.pk])
    response = _action(client, "reopen_periods", [feb.pk], apply="1", reason="Late invoice from Globex")
    # then
    assert confirm.templates[0].name == "admin/revops/fiscalperiod/reopen_confirmation.html"
    assert _errors(response) == []
    feb.refresh_from_db()
    assert (feb.status, feb.closed_at, feb.closed_by_id) == ("open", None, None)
    event = AuditEvent.objects.get(action="period.reopen")
    assert event.object_id == str(feb.pk)
    assert event.before == {
        "status": "closed",
        "closed_at": closed_at.isoformat(),
        "closed_by": admin.user_id,
    }
    assert event.after == {"status": "open"}
    assert event.reason == "Late invoice from Globex"


def test_reopen_without_reason_changes_nothing(admin, periods, client_for):
    # given
    jan, feb = periods
    client = client_for(admin)
    _action(client, "close_periods", [jan.pk, feb.pk])
    feb.refresh_from_db()
    before = (feb.status, feb.closed_at, feb.closed_by_id)
    audit_rows = AuditEvent.objects.count()
    # when
    response = _action(client, "reopen_periods", [feb.pk], apply="1", reason="   ")
    # then
    assert response.templates[0].name == "admin/revops/fiscalperiod/reopen_confirmation.html"
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    feb.refresh_from_db()
    assert (feb.status, feb.closed_at, feb.closed_by_id) == before
    assert AuditEvent.objects.count() == audit_rows


def test_reopen_out_of_order_is_refused_and_changes_nothing(admin, periods, client_for):
    # given
    jan, feb = periods
    client = client_for(admin)
    _action(client, "close_periods", [jan.pk, feb.pk])
    audit_rows = AuditEvent.objects.count()
    # when
    response = _action(client, "reopen_periods", [jan.pk], apply="1", reason="Mistake")
    # then
    assert _errors(response) == [f"Reopen {feb} first: periods reopen in reverse order."]
    jan.refresh_from_db()
    assert jan.status == "closed"
    assert AuditEvent.objects.count() == audit_rows


def test_period_status_is_readonly_in_the_change_form(admin, periods, client_for):
    # given
    jan, _ = periods
    url = reverse("admin:revops_fiscalperiod_change", args=[jan.pk])
    data = {
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
        "fiscal_year": "2026",
        "fiscal_quarter": "1",
    }
    # when
    response = client_for(admin).post(url, {**data, "status": "closed", "closed_at": "2026-02-01 00:00"})
    # then
    assert response.status_code == 302
    jan.refresh_from_db()
    assert (jan.status, jan.closed_at) == ("open", None)
