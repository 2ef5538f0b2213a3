"""The alignment job's work: bring the ledger in line with the splits, recomputing only what
changed since the state the last alignment recorded (see `attribution.services.alignment`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from attribution.engine import compute_splits
from attribution.locks import lock_ledger
from attribution.selectors.alignment import (
    AlignmentState,
    alignment_reach,
    alignment_state_current,
    alignment_state_last,
)
from attribution.selectors.settings import engine_settings_from, engine_settings_of_state
from attribution.selectors.splits import load_facts, shares_from_results, split_book_changes
from attribution.services.recompute import RecomputeResult, attribution_recompute
from revops.models import Opportunity, Organization


@dataclass
class AlignmentResult:
    """What an alignment posted, how many accounts it recomputed (None: all) and the state
    the ledger now follows."""

    posting: RecomputeResult
    accounts: int | None
    state: AlignmentState

    def as_counts(self) -> dict:
        return {**self.posting.as_counts(), "accounts": self.accounts, "aligned": self.state.as_json()}


def ledger_align(
    *, organization: Organization, actor, account_ids: Iterable[int] | None = None, full: bool = False
) -> AlignmentResult:
    """Post the difference between the splits now and the ledger, narrowed to what can differ.

    `account_ids` are accounts whose links or splits changed (their whole revenue is compared
    with the ledger). Rule and settings changes since the last recorded state are found here:
    their accounts are split under the old and the new state from one load, and only the deals
    and accounts whose shares moved are compared with the ledger. Without a recorded state the
    whole book is compared, and so it is with `full` (a recompute asked for by a person or a
    schedule, which must also catch rows written around the services).
    """
    explicit = set(account_ids or ())
    with transaction.atomic():
        # The ledger lock first: the state read below must be the one the postings follow.
        lock_ledger(organization_id=organization.pk)
        current = alignment_state_current(organization=organization)
        last = None if full else alignment_state_last(organization=organization)
        if last is None:
            posting = attribution_recompute(organization=organization, actor=actor)
            return AlignmentResult(posting, None, current.state)
        reach = alignment_reach(organization=organization, last=last, current=current, account_ids=explicit)
        if reach.account_ids is None:
            posting = attribution_recompute(organization=organization, actor=actor)
            return AlignmentResult(posting, None, current.state)
        if not reach.account_ids:
            return AlignmentResult(RecomputeResult(dry_run=False), 0, current.state)
        deals, accounts, links = load_facts(organization, sorted(reach.account_ids))
        before_specs, before_versions = reach.before_rules
        after_specs, after_versions = current.rules
        before = shares_from_results(
            compute_splits(deals, accounts, links, before_specs, engine_settings_of_state(last.settings)),
            before_versions,
        )
        after = shares_from_results(
            compute_splits(deals, accounts, links, after_specs, engine_settings_from(current.settings)),
            after_versions,
        )
        changed_deals, changed_accounts = split_book_changes(before, after)
        posting = attribution_recompute(
            organization=organization,
            actor=actor,
            book=after,
            # A changed link's deal events are compared even when they carry no account.
            opportunity_ids=sorted(changed_deals | {d.id for d in deals if d.account_id in explicit}),
            account_ids=sorted(changed_accounts | explicit),
        )
        return AlignmentResult(posting, len(reach.account_ids), current.state)


def deal_ledger_align(
    *, organization: Organization, actor, opportunity_id: int, reference: dict
) -> RecomputeResult:
    """Post the difference between one deal's splits now and its ledger lines, at once, each
    entry citing `reference` in its explanation.

    For a change whose ledger effect must be posted with it and name its cause (an accepted
    partner dispute): only the deal's revenue events are compared, under its account's splits
    from the current rules and settings. A change already posted writes nothing; the alignment
    job the link change queued then finds the deal in line. Closed periods are never written:
    entries land in the revenue date's period when open, else the first open one after it.
    """
    with transaction.atomic():
        lock_ledger(organization_id=organization.pk)
        account_id = (
            Opportunity.objects.filter(pk=opportunity_id, organization=organization)
            .values_list("account_id", flat=True)
            .get()
        )
        current = alignment_state_current(organization=organization)
        deals, accounts, links = load_facts(organization, [account_id])
        specs, versions = current.rules
        book = shares_from_results(
            compute_splits(deals, accounts, links, specs, engine_settings_from(current.settings)), versions
        )
        return attribution_recompute(
            organization=organization,
            actor=actor,
            opportunity_ids=[opportunity_id],
            book=book,
            reference=reference,
        )
