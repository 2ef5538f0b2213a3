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

from django.db import models
from django.db.models import Max

from attribution.models import AccountPartner, AttributionRuleVersion, LinkStatus, OpportunityPartner
from attribution.selectors.alignment import SETTINGS_ALIGNMENT_KEY
from attribution.services.jobs import attribution_recompute_enqueue
from revops.models import Account, JobRun, Opportunity, Organization, Partner

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
        idempotency_key=f"{SETTINGS_ALIGNMENT_KEY}{uuid.uuid4().hex}",
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


# Fields of core rows the split engine reads: a change to one can move a split.
SPLIT_FACT_FIELDS = {
    Partner: {"tier", "types"},
    Opportunity: {"stage", "amount", "product_line", "account"},
    Account: {"segment", "region"},
}


def _accounts_of_links(*, partner_id: int | None = None, account_id: int | None = None) -> set[int]:
    """Accounts holding an active link of the partner, or the account itself when it holds one."""
    deal_links = OpportunityPartner.objects.filter(status=LinkStatus.ACTIVE)
    account_links = AccountPartner.objects.filter(status=LinkStatus.ACTIVE)
    if partner_id is not None:
        deal_links, account_links = (
            deal_links.filter(partner_id=partner_id),
            account_links.filter(partner_id=partner_id),
        )
    if account_id is not None:
        deal_links = deal_links.filter(opportunity__account_id=account_id)
        account_links = account_links.filter(account_id=account_id)
    accounts = set(deal_links.values_list("opportunity__account_id", flat=True).distinct().order_by())
    return accounts | set(account_links.values_list("account_id", flat=True).distinct().order_by())


def ledger_alignment_for_record_change(instance: models.Model, changed: list[str], actor) -> None:
    """Hook for core record changes: a partner's tier or types, a deal's stage, amount, product
    line or account, an account's segment or region can move splits; align the accounts whose
    active links see the row (nothing is queued when none does)."""
    fields = SPLIT_FACT_FIELDS.get(type(instance))
    if not fields or not fields.intersection(changed):
        return
    if isinstance(instance, Partner):
        accounts = _accounts_of_links(partner_id=instance.pk)
    elif isinstance(instance, Opportunity):
        # The deal's own links, and the account's (an account share weighs its deals' values).
        accounts = _accounts_of_links(account_id=instance.account_id)
    else:
        accounts = _accounts_of_links(account_id=instance.pk)
    if accounts:
        ledger_alignment_for_accounts(organization=instance.organization, actor=actor, account_ids=accounts)
