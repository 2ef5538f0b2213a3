"""Optimistic concurrency for the editable core records: a version token and the stale-write refusal.

A record's version is its `updated_at` in microseconds (hex): every save through the services
moves it. An edit carries the version it started from (a hidden field on the page form,
`If-Match` on the API); the service locks the row and compares. A different version means
someone saved in between: the write is refused with `StaleRecordError`, which carries the row as
it is now and who saved it last (from the audit trail), and nothing is written. The page shows
the current values that differ from what was submitted (a second Save, knowing it, goes
through); the API answers 409 with the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from revops.exceptions import ApplicationError
from revops.models import AuditEvent

NEW_RECORD = "new"  # the version an edit names when it saw no such row (an add, not a change)
STALE_MESSAGE = "{label} was changed by someone else after you opened it; nothing was saved."


def record_version(instance: models.Model) -> str:
    """The version token of a saved row (the same until it is saved again)."""
    updated_at: dt.datetime = instance.updated_at  # type: ignore[attr-defined]
    return format(int(updated_at.timestamp() * 1_000_000), "x")


@dataclass(frozen=True)
class LastSave:
    """Who saved the row last and when (from the audit trail)."""

    by: str
    at: dt.datetime


class StaleRecordError(ApplicationError):
    """A write that started from an older version of the row; nothing was written.

    `instance` is the row as it is now (locked when the error was raised), `last_save` who
    saved it last; the page and the API compare it with what the caller sent.
    """

    def __init__(self, instance: models.Model, last_save: LastSave | None):
        label = str(instance._meta.verbose_name).capitalize()
        self.instance = instance
        self.last_save = last_save
        self.current_version = record_version(instance)
        super().__init__(STALE_MESSAGE.format(label=label), extra={"current_version": self.current_version})


def _actor(event: AuditEvent) -> str:
    user = event.actor
    if user is None:
        return "an automatic process"
    return user.get_full_name() or user.email


def last_save(instance: models.Model) -> LastSave | None:
    """The newest audited create or update of the row."""
    event = (
        AuditEvent.objects.filter(
            organization_id=instance.organization_id,  # type: ignore[attr-defined]
            object_type=instance._meta.label_lower,
            object_id=str(instance.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return None if event is None else LastSave(by=_actor(event), at=event.created_at)


def check_version(*, current: models.Model, expected_version: str | None) -> None:
    """Refuse the write when `expected_version` is given ("*" matches any) and differs from the
    locked row's version."""
    if expected_version is None or expected_version == "*":
        return
    if expected_version != record_version(current):
        raise StaleRecordError(current, last_save(current))


def stale_form_message(exc: StaleRecordError) -> str:
    """The page error for a stale save: what happened, and who saved last and when."""
    who = ""
    if exc.last_save is not None:
        when = timezone.localtime(exc.last_save.at).strftime("%Y-%m-%d %H:%M")
        who = f" Last saved by {exc.last_save.by} at {when}."
    return f"{exc.message}{who} Check the current values and save again to keep yours."
