"""What a settings change would move, before it is saved: nothing is written.

The change is split the way the ledger alignment will split it (`ledger_align`): the accounts
holding an active link in a role the change touches (a role's default; the SI mode or fixed
percent for SI links; every role when the account cap changes) are loaded once and split under
the saved and the proposed settings, with the same rules. The deals and accounts whose shares
differ are those the alignment will post to: their revenue is split by the proposed shares
(the ledger's rounding) and compared with what the ledger holds now.

Bounded: at most `PREVIEW_ACCOUNTS_MAX` accounts are examined (the lowest ids); past that the
preview says it looked at part of the book. The save itself aligns every account it reaches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from attribution.credits import ShareInput, split_amounts
from attribution.engine import Scope, compute_splits
from attribution.models import (
    AccountPartner,
    AttributionEntry,
    AttributionSettings,
    LinkStatus,
    OpportunityPartner,
    RevenueEvent,
)
from attribution.selectors.alignment import settings_change_roles
from attribution.selectors.rule_sets import active_rule_specs
from attribution.selectors.settings import attribution_settings_of, engine_settings_from, settings_state
from attribution.selectors.splits import (
    LISTED_IDS_MAX,
    Share,
    SplitBook,
    load_facts,
    shares_from_results,
    split_book_changes,
)
from revops.models import Account, Opportunity, Organization, Partner

ZERO = Decimal("0.00")
# Accounts split twice for one preview: 2,000 accounts with 8,000 deals that all move and
# 32,000 revenue events take about 1.6 s on SQLite, about what a request may take; a bigger
# change is previewed on its first accounts (the save still aligns them all).
PREVIEW_ACCOUNTS_MAX = 2_000
TOP_TARGETS = 10  # deals (or accounts) listed with their shares, the biggest moves first

Key = tuple[int, str]  # (partner id, role)
Target = tuple[str, int]  # (scope, deal or account id)


@dataclass(frozen=True)
class ShareMove:
    """One partner's share of one deal or account: split and ledger credit, now and after."""

    partner_name: str
    role: str
    before_percent: Decimal
    after_percent: Decimal
    ledger_before: Decimal
    ledger_after: Decimal

    @property
    def change(self) -> Decimal:
        return self.ledger_after - self.ledger_before


@dataclass(frozen=True)
class TargetMove:
    """A deal (or an account's revenue booked without a deal) whose shares would change."""

    scope: str
    target_id: int
    name: str
    shares: tuple[ShareMove, ...]

    @property
    def ledger_before(self) -> Decimal:
        return sum((s.ledger_before for s in self.shares), ZERO)

    @property
    def ledger_after(self) -> Decimal:
        return sum((s.ledger_after for s in self.shares), ZERO)

    @property
    def change(self) -> Decimal:
        return self.ledger_after - self.ledger_before


@dataclass(frozen=True)
class PartnerRoleMove:
    """One partner's ledger total in one role, now and once the ledger is in line."""

    partner_name: str
    role: str
    ledger_before: Decimal
    ledger_after: Decimal

    @property
    def change(self) -> Decimal:
        return self.ledger_after - self.ledger_before


@dataclass(frozen=True)
class SettingsPreview:
    """What saving the proposed settings would move (see the module docstring)."""

    accounts_examined: int
    capped: bool
    deals_changed: int
    accounts_changed: int
    events: int
    moves: tuple[PartnerRoleMove, ...]
    top: tuple[TargetMove, ...]

    @property
    def ledger_before(self) -> Decimal:
        return sum((m.ledger_before for m in self.moves), ZERO)

    @property
    def ledger_after(self) -> Decimal:
        return sum((m.ledger_after for m in self.moves), ZERO)

    @property
    def change(self) -> Decimal:
        return self.ledger_after - self.ledger_before

    @property
    def moves_anything(self) -> bool:
        return bool(self.deals_changed or self.accounts_changed)


def _reached_accounts(organization: Organization, roles: set[str] | None, limit: int) -> list[int]:
    """The first `limit` + 1 accounts (by id) holding an active link in `roles` (None: any)."""
    accounts: set[int] = set()
    for model, account in ((OpportunityPartner, "opportunity__account_id"), (AccountPartner, "account_id")):
        links = model.objects.filter(organization=organization, status=LinkStatus.ACTIVE)
        if roles is not None:
            links = links.filter(role__in=sorted(roles))
        # Both lists ascend, so the first limit + 1 of their union are among these.
        accounts.update(links.order_by(account).values_list(account, flat=True).distinct()[: limit + 1])
    return sorted(accounts)[: limit + 1]


def _revenue_filter(deals: set[int], accounts: set[int], examined: list[int], prefix: str = "") -> Q:
    """Revenue of the changed deals, and of the changed accounts booked without a deal. Past
    the query-parameter limit the examined accounts' revenue is read (and sorted out after)."""
    if len(deals) + len(accounts) <= LISTED_IDS_MAX:
        return Q(**{f"{prefix}opportunity_id__in": sorted(deals)}) | Q(
            **{f"{prefix}opportunity__isnull": True, f"{prefix}account_id__in": sorted(accounts)}
        )
    return Q(**{f"{prefix}opportunity__account_id__in": examined}) | Q(
        **{f"{prefix}opportunity__isnull": True, f"{prefix}account_id__in": examined}
    )


def _target(opportunity_id: int | None, account_id: int | None) -> Target:
    if opportunity_id is not None:
        return (Scope.OPPORTUNITY.value, opportunity_id)
    return (Scope.ACCOUNT.value, account_id or 0)


def _ledger_after(
    organization: Organization, changed: set[Target], revenue: Q, book: SplitBook
) -> tuple[dict[Target, dict[Key, Decimal]], int]:
    """Per changed target, what the ledger holds once in line: each revenue event split by the
    proposed shares with the ledger's rounding; and how many events that is."""
    after: dict[Target, dict[Key, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    splits: dict[tuple[Target, Decimal], list[Decimal]] = {}
    events = 0
    rows = RevenueEvent.objects.filter(revenue, organization=organization).values_list(
        "opportunity_id", "account_id", "amount"
    )
    for opportunity_id, account_id, amount in rows.iterator(chunk_size=5_000):
        target = _target(opportunity_id, account_id)
        if target not in changed:
            continue
        events += 1
        shares = _shares(book, target)
        amounts = splits.get((target, amount))
        if amounts is None:
            inputs = [ShareInput(s.partner_id, s.role, s.percent) for s in shares]
            amounts = splits[(target, amount)] = split_amounts(amount, inputs)
        for share, credit in zip(shares, amounts, strict=True):
            after[target][(share.partner_id, share.role)] += credit
    return after, events


def _ledger_now(
    organization: Organization, changed: set[Target], revenue: Q
) -> dict[Target, dict[Key, Decimal]]:
    """Per changed target, what the ledger holds now per (partner, role), summed in SQL."""
    rows = (
        AttributionEntry.objects.filter(revenue, organization=organization)
        .values_list("revenue_event__opportunity_id", "revenue_event__account_id", "partner_id", "role")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    now: dict[Target, dict[Key, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for opportunity_id, account_id, partner_id, role, total in rows:
        target = _target(opportunity_id, account_id)
        if target in changed:
            now[target][(partner_id, role)] += total
    return now


def _shares(book: SplitBook, target: Target) -> tuple[Share, ...]:
    shares = book.deal_shares if target[0] == Scope.OPPORTUNITY.value else book.account_shares
    return shares.get(target[1], ())


def _names(organization: Organization, targets: list[Target]) -> dict[Target, str]:
    deal_ids = [t[1] for t in targets if t[0] == Scope.OPPORTUNITY.value]
    account_ids = [t[1] for t in targets if t[0] == Scope.ACCOUNT.value]
    names = {
        (Scope.OPPORTUNITY.value, pk): name
        for pk, name in Opportunity.objects.filter(organization=organization, pk__in=deal_ids).values_list(
            "pk", "name"
        )
    }
    for pk, name in Account.objects.filter(organization=organization, pk__in=account_ids).values_list(
        "pk", "name"
    ):
        names[(Scope.ACCOUNT.value, pk)] = name
    return names


def settings_change_preview(*, organization: Organization, data: dict[str, Any]) -> SettingsPreview:
    """What saving `data` (the settings service's input) would move; nothing is written."""
    saved = attribution_settings_of(organization=organization)
    fields = {name: getattr(saved, name) for name in ("enforce_account_cap", "si_mode", "si_fixed_percent")}
    proposed = AttributionSettings(
        organization=organization, **{**fields, "default_splits": saved.default_splits, **data}
    )
    roles = settings_change_roles(settings_state(saved), settings_state(proposed))
    examined = _reached_accounts(organization, roles, PREVIEW_ACCOUNTS_MAX) if roles != set() else []
    capped = len(examined) > PREVIEW_ACCOUNTS_MAX
    examined = examined[:PREVIEW_ACCOUNTS_MAX]
    if not examined:
        return SettingsPreview(0, False, 0, 0, 0, (), ())
    deals, accounts, links = load_facts(organization, examined)
    specs, version_ids = active_rule_specs(organization=organization)
    before, after = (
        shares_from_results(
            compute_splits(deals, accounts, links, specs, engine_settings_from(settings)), version_ids
        )
        for settings in (saved, proposed)
    )
    changed_deals, changed_accounts = split_book_changes(before, after)
    changed = {(Scope.OPPORTUNITY.value, d) for d in changed_deals} | {
        (Scope.ACCOUNT.value, a) for a in changed_accounts
    }
    revenue = _revenue_filter(changed_deals, changed_accounts, examined)
    ledger_after, events = _ledger_after(organization, changed, revenue, after)
    ledger_now = _ledger_now(
        organization, changed, _revenue_filter(changed_deals, changed_accounts, examined, "revenue_event__")
    )
    partner_names = {link.partner_id: link.partner_name for link in links}
    missing = {key[0] for t in ledger_now.values() for key in t} - partner_names.keys()
    partner_names.update(
        Partner.objects.filter(organization=organization, pk__in=sorted(missing)).values_list("pk", "name")
    )
    targets: list[tuple[Target, tuple[ShareMove, ...]]] = []
    totals: dict[Key, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for target in sorted(changed):
        percents_before = {(s.partner_id, s.role): s.percent for s in _shares(before, target)}
        percents_after = {(s.partner_id, s.role): s.percent for s in _shares(after, target)}
        keys = sorted(percents_before.keys() | percents_after.keys() | ledger_now[target].keys())
        shares = []
        for key in keys:
            now, then = ledger_now[target].get(key, ZERO), ledger_after[target].get(key, ZERO)
            totals[key][0] += now
            totals[key][1] += then
            shares.append(
                ShareMove(
                    partner_name=partner_names.get(key[0], ""),
                    role=key[1],
                    before_percent=percents_before.get(key, ZERO),
                    after_percent=percents_after.get(key, ZERO),
                    ledger_before=now,
                    ledger_after=then,
                )
            )
        targets.append((target, tuple(shares)))
    moves = sorted(
        (
            PartnerRoleMove(partner_names.get(key[0], ""), key[1], now, then)
            for key, (now, then) in totals.items()
        ),
        key=lambda m: (-abs(m.change), m.partner_name, m.role),
    )
    biggest = sorted(targets, key=lambda t: -abs(sum((s.change for s in t[1]), ZERO)))[:TOP_TARGETS]
    names = _names(organization, [target for target, _ in biggest])
    top = tuple(TargetMove(t[0], t[1], names.get(t, ""), shares) for t, shares in biggest)
    return SettingsPreview(
        accounts_examined=len(examined),
        capped=capped,
        deals_changed=len(changed_deals),
        accounts_changed=len(changed_accounts),
        events=events,
        moves=tuple(moves),
        top=top,
    )
