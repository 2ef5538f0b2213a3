"""Ledger alignment: the one path by which a change that moves splits reaches the ledger.

Every write that can move a split — rules, settings, partner links, account splits — calls one
of the `ledger_alignment_*` requests below inside its transaction. The request records a
JobRun and queues it on commit; the job (`ledger_align`) posts the difference. Each job records
the rule set and settings the ledger was brought in line with, and the next one recomputes only
the accounts a change since then can reach (`attribution.selectors.alignment`). A recompute
queued without these requests (the API's recompute, a schedule) compares the whole book.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Max

from attribution.models import AttributionRuleVersion
from attribution.services.jobs import attribution_recompute_enqueue
from revops.models import JobRun, Organization

# A job with these params recomputes only what changed since the last recorded alignment; a
# job without them (a recompute a person or a schedule asks for) compares the whole book.
NARROW = {"narrow": True}


def ledger_alignment_for_rules(*, organization: Organization, actor) -> JobRun:
    """Queue the alignment after rules changed. Keyed by the newest rule version, so one rule
    set is aligned once however often it is saved."""
    newest = AttributionRuleVersion.objects.filter(organization=organization).aggregate(newest=Max("id"))
    job, _ = attribution_recompute_enqueue(
        organization=organization,
        actor=actor,
        idempotency_key=f"attribution.recompute:rules-{newest['newest'] or 0}",
        params=NARROW,
    )
    return job


def ledger_alignment_for_settings(*, organization: Organization, actor) -> JobRun:
    """Queue the alignment after the attribution settings changed."""
    job, _ = attribution_recompute_enqueue(
        organization=organization,
        actor=actor,
        idempotency_key=f"attribution.recompute:settings-{uuid.uuid4().hex}",
        params=NARROW,
    )
    return job


def ledger_alignment_for_accounts(*, organization: Organization, actor, account_ids: Iterable[int]) -> JobRun:
    """Queue the alignment of a few accounts whose links or splits changed (a deal's split
    change names its account): only their revenue is compared with the ledger."""
    job, _ = attribution_recompute_enqueue(
        organization=organization,
        actor=actor,
        idempotency_key=f"attribution.recompute:accounts-{uuid.uuid4().hex}",
        params={**NARROW, "accounts": sorted(set(account_ids))},
    )
    return job
