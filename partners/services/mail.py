"""E-mails of the partner program, sent once the transaction that decided them commits."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction


def mail_on_commit(*, to: list[str], subject: str, body: str) -> None:
    """Send a plain-text e-mail after commit (nothing is sent for a change rolled back)."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))
