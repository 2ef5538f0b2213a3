"""Notification e-mails to reps: a statement approved or paid, a dispute settled.

Sent after the change commits (`transaction.on_commit`), so a rolled-back approval mails
nobody; one message per rep and event, through Django's mail (console in development,
SMTP when EMAIL_URL is set, the locmem outbox in tests). Services call these for live
actions; loading history (the demo's back-dated months) passes `notify=False`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from commissions.models import CommissionStatement, StatementDispute
from revops.formatting import format_money

STATEMENT_EVENTS = {"approved": "approved", "paid": "paid"}


def _send(messages: list[EmailMessage]) -> None:
    if messages:
        transaction.on_commit(lambda: get_connection().send_messages(messages))


def _statement_message(statement: CommissionStatement, event: str) -> EmailMessage | None:
    rep = statement.rep
    if not rep.email:
        return None
    month = f"{statement.month:%B %Y}"
    what = "a correction of your" if statement.revision > 1 else "your"
    body = (
        f"Hello {rep.get_full_name() or rep.email},\n\n"
        f"{what.capitalize()} commission statement for {month} (revision {statement.revision}) was {event}.\n"
        f"Commission: {format_money(statement.total, statement.currency, exact=True)}.\n\n"
        "Open it in revops under Commission statements to follow every line down to its sales.\n"
    )
    return EmailMessage(
        subject=f"Commission statement {month} {event}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[rep.email],
    )


def statements_notify(*, statements: Iterable[CommissionStatement], event: str) -> None:
    """Mail each statement's rep that it was `event` ("approved" or "paid")."""
    if event not in STATEMENT_EVENTS:
        raise ValueError(f"unknown statement event {event!r}")
    found = [
        _statement_message(statement, event)
        for statement in CommissionStatement.objects.filter(pk__in=[s.pk for s in statements]).select_related(
            "rep"
        )
    ]
    _send([message for message in found if message is not None])


def dispute_notify(*, dispute: StatementDispute) -> None:
    """Mail the rep who raised a dispute how it was settled (the adjustment or the reason)."""
    dispute = StatementDispute.objects.select_related(
        "rep", "statement", "line__product_line", "adjustment"
    ).get(pk=dispute.pk)
    rep = dispute.rep
    if not rep.email:
        return
    month = f"{dispute.statement.month:%B %Y}"
    if dispute.adjustment is not None:
        outcome = (
            f"Finance adjusted your commission by "
            f"{format_money(dispute.adjustment.amount, dispute.statement.currency, exact=True)}; "
            "the month is computed again."
        )
    else:
        outcome = "Finance rejected it."
    body = (
        f"Hello {rep.get_full_name() or rep.email},\n\n"
        f"Your dispute on {dispute.line.product_line.name}, {month}, is settled. {outcome}\n"
        f"Reason: {dispute.resolution}\n"
    )
    _send(
        [
            EmailMessage(
                subject=f"Your commission dispute for {month} is settled",
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[rep.email],
            )
        ]
    )
