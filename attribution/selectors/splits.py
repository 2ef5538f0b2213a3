"""Feed the split engine from the database and turn its answers into per-target shares."""

from __future__ import annotations

from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from attribution.conditions import LIST_CONDITIONS
from attribution.engine import (
    AccountFacts,
    DealFacts,
    Explanation,
    LinkFacts,
    Role,
    RuleSpec,
    Scope,
    SplitResult,
    compute_splits,
)
from attribution.models import AccountPartner, LinkStatus, OpportunityPartner
from attribution.selectors.rule_sets import RuleSet, active_rule_specs
from attribution.selectors.settings import engine_settings
from revops.bulk import ReadAlongside
from revops.models import Account, Opportunity, Organization, Partner

ZERO = Decimal("0.00")
# Ids listed as query parameters stay under SQLite's limit of 32,766.
LISTED_IDS_MAX = 30_000


@dataclass(frozen=True, slots=True)
class Share:
    """One partner's percent of a deal's or an account's revenue, and what produced it."""

    partner_id: int
    role: str
    percent: Decimal
    rule_version_id: int | None
    explanation: dict


@dataclass(frozen=True)
class SplitBook:
    """Current shares per deal and per account, ordered by (partner id, role)."""

    deal_shares: dict[int, tuple[Share, ...]]
    account_shares: dict[int, tuple[Share, ...]]


def explanation_json(explanation: Explanation) -> dict:
    """The ledger's copy of an explanation. Only the rules that matched are kept: the full
    list of rules considered is re-derivable from the rule versions and would dominate the
    row size on large books."""
    out: dict = {"source": str(explanation.source)}
    if explanation.rule_id is not None:
        out["rule"] = {
            "id": explanation.rule_id,
            "version": explanation.rule_version,
            "name": explanation.rule_name,
        }
    if explanation.caps_applied:
        out["caps"] = [
            {"what": c.what, "from": str(c.from_percent), "to": str(c.to_percent)}
            for c in explanation.caps_applied
        ]
    matched = [f"{c.rule_name} v{c.rule_version}" for c in explanation.considered if c.matched]
    if matched:
        out["matched"] = matched
    if explanation.notes:
        out["notes"] = list(explanation.notes)
    return out


def load_facts(
    organization: Organization, account_ids: list[int] | None = None
) -> tuple[list[DealFacts], list[AccountFacts], list[LinkFacts]]:
    """The one place engine facts are built from the database: the ledger, the deal page, the
    API, rule previews and the alignment all come through here, so they cannot disagree.

    Every deal, account and active link, or, given `account_ids`, only those accounts with all
    their deals and links (nothing the engine computes for a deal or an account looks beyond
    its account, so these come out as in the whole book)."""
    # Tuples (values_list), not dicts, and per-partner facts built once: on big books this
    # loading costs as much as the engine itself.
    narrow = account_ids is not None
    accounts = [
        AccountFacts(id=a_id, segment=segment, region=region)
        for a_id, segment, region in Account.objects.filter(
            Q(id__in=account_ids) if narrow else Q(), organization=organization
        ).values_list("id", "segment", "region")
    ]
    deals = [
        DealFacts(id=d_id, account_id=account_id, stage=stage, amount=amount, product_line=line)
        for d_id, account_id, stage, amount, line in Opportunity.objects.filter(
            Q(account_id__in=account_ids) if narrow else Q(), organization=organization
        ).values_list("id", "account_id", "stage", "amount", "product_line__code")
    ]
    roles = {str(role): role for role in Role}
    deal_ids = [d.id for d in deals]
    # A few accounts' deal links are read by deal id (the link's own index), not through a join.
    by_deal = narrow and len(deal_ids) <= LISTED_IDS_MAX
    link_rows = []
    for scope, model, target, account in (
        (Scope.OPPORTUNITY, OpportunityPartner, "opportunity_id", "opportunity__account_id"),
        (Scope.ACCOUNT, AccountPartner, "account_id", "account_id"),
    ):
        if not narrow:
            where = Q()
        elif by_deal and scope is Scope.OPPORTUNITY:
            where = Q(opportunity_id__in=deal_ids)
        else:
            where = Q(**{f"{account}__in": account_ids})
        rows = model.objects.filter(where, organization=organization, status=LinkStatus.ACTIVE).values_list(
            "id", target, "partner_id", "role", "split_percent", "source"
        )
        link_rows.append((scope, rows.order_by(target, "partner_id", "role")))
    link_rows = [(scope, list(rows)) for scope, rows in link_rows]
    partner_filter = Q(id__in={row[2] for _, rows in link_rows for row in rows}) if narrow else Q()
    partners = {
        p_id: (frozenset(types or ()), tier, name)
        for p_id, types, tier, name in Partner.objects.filter(
            partner_filter, organization=organization
        ).values_list("id", "types", "tier", "name")
    }
    links: list[LinkFacts] = []
    for scope, rows in link_rows:
        for link_id, target_id, partner_id, role, percent, source in rows:
            types, tier, name = partners[partner_id]
            links.append(
                LinkFacts(
                    scope=scope,
                    target_id=target_id,
                    partner_id=partner_id,
                    role=roles.get(role) or Role(role),
                    partner_types=types,
                    partner_tier=tier,
                    manual_percent=percent,
                    source=source,
                    partner_name=name,
                    link_id=link_id,
                )
            )
    return deals, accounts, links


def shares_from_results(results: list[SplitResult], version_ids: dict[tuple[int, int], int]) -> SplitBook:
    """Group allowed, non-zero results into shares per target."""
    json_cache: dict[int, dict] = {}
    deal_shares: dict[int, list[Share]] = defaultdict(list)
    account_shares: dict[int, list[Share]] = defaultdict(list)
    for r in results:
        if not r.allowed or r.percent <= ZERO:
            continue
        e = r.explanation
        explanation = json_cache.get(id(e))
        if explanation is None:
            explanation = json_cache[id(e)] = explanation_json(e)
        version_id = version_ids.get((e.rule_id, e.rule_version)) if e.rule_id is not None else None
        share = Share(r.partner_id, str(r.role), r.percent, version_id, explanation)
        (deal_shares if r.scope is Scope.OPPORTUNITY else account_shares)[r.target_id].append(share)
    return SplitBook(
        deal_shares={
            k: tuple(sorted(v, key=lambda s: (s.partner_id, s.role))) for k, v in deal_shares.items()
        },
        account_shares={
            k: tuple(sorted(v, key=lambda s: (s.partner_id, s.role))) for k, v in account_shares.items()
        },
    )


def split_book_load(*, organization: Organization, alongside: ReadAlongside | None = None) -> SplitBook:
    """Run the engine over the organization's deals, accounts, active links and current rules.

    `alongside` (a read not yet started) is started once the facts are read, so the server
    runs it while the engine computes; the caller takes its result.
    """
    deals, accounts, links = load_facts(organization)
    specs, version_ids = active_rule_specs(organization=organization)
    settings = engine_settings(organization)
    with alongside if alongside is not None else nullcontext():
        return shares_from_results(compute_splits(deals, accounts, links, specs, settings), version_ids)


def deal_split_results(*, deal: Opportunity) -> list[SplitResult]:
    """The engine's current answer for one deal's active links, computed exactly as the ledger
    computes it: the same facts (`load_facts` over the deal's account), rules and settings.
    The caller has scoped the deal to the member."""
    organization = deal.organization
    deals, accounts, links = load_facts(organization, [deal.account_id])
    specs, _ = active_rule_specs(organization=organization)
    results = compute_splits(deals, accounts, links, specs, engine_settings(organization))
    return [r for r in results if r.scope is Scope.OPPORTUNITY and r.target_id == deal.pk]


def split_book_changes(before: SplitBook, after: SplitBook) -> tuple[set[int], set[int]]:
    """The deals and the accounts whose shares (partner, role, percent) differ between books.

    Rule versions and explanations are left out: they do not change an amount, so a target
    whose percents stayed put has nothing to post.
    """

    def changed(old: dict[int, tuple[Share, ...]], new: dict[int, tuple[Share, ...]]) -> set[int]:
        def key(shares: tuple[Share, ...]) -> list[tuple]:
            return [(s.partner_id, s.role, s.percent) for s in shares]

        return {t for t in old.keys() | new.keys() if key(old.get(t, ())) != key(new.get(t, ()))}

    return changed(before.deal_shares, after.deal_shares), changed(
        before.account_shares, after.account_shares
    )


# Past this many accounts a rule change is split over the whole book (one load, two engine
# runs) rather than over the listed accounts: the list would outgrow a query's parameters.
NARROW_ACCOUNTS_MAX = 30_000


def changed_rules(before: list[RuleSpec], after: list[RuleSpec]) -> list[RuleSpec]:
    """Every version present in one rule set and not the other (added, removed, edited)."""
    old, new = set(before), set(after)
    return [*(old - new), *(new - old)]


def _link_match_filters(spec: RuleSpec) -> list[tuple[type, Q, str]]:
    """Per link model, a filter every link `spec` can match passes (it may pass more), and
    the path to the link's account, from the list conditions' database paths
    (`attribution.conditions`). Amounts are filtered inclusively on deals and not at all on
    accounts (their value is a total)."""
    c = spec.conditions
    where = Q()
    on_accounts = spec.scope is Scope.ACCOUNT
    for condition in LIST_CONDITIONS:
        values = getattr(c, condition.key)
        if not values:
            continue
        if on_accounts and condition.never_on_accounts:
            return []  # account links have no such value: the rule matches none
        path = condition.account_path if on_accounts else condition.deal_path
        if path is not None:
            where &= Q(**{f"{path}__in": sorted(str(v) for v in values)})
    if on_accounts:
        return [(AccountPartner, where, "account_id")]
    if c.min_amount is not None:
        where &= Q(opportunity__amount__gte=c.min_amount)
    if c.max_amount is not None:
        where &= Q(opportunity__amount__lte=c.max_amount)
    return [(OpportunityPartner, where, "opportunity__account_id")]


def rule_change_accounts(*, organization: Organization, rules: list[RuleSpec]) -> set[int] | None:
    """The accounts holding a link one of `rules` can match, or None for "too many to list".

    Only such a link's outcome can change when these rules change (a rule that does not match
    a link never alters its split), and a changed link moves the shares of its deal or account
    at most, which the engine computes from that account's deals and links alone.
    """
    accounts: set[int] = set()
    for spec in rules:
        for model, where, account in _link_match_filters(spec):
            accounts.update(
                model.objects.filter(where, organization=organization, status=LinkStatus.ACTIVE)
                .values_list(account, flat=True)
                .distinct()
                .order_by()
            )
            if len(accounts) > NARROW_ACCOUNTS_MAX:
                return None
    return accounts


def split_books_for_rule_change(
    *, organization: Organization, before: RuleSet
) -> tuple[SplitBook, SplitBook]:
    """The split books under the rule set `before` and under the current one, from one load.

    Both cover only the accounts (with all their deals) whose links a changed rule can match;
    every other deal and account has the same shares under both rule sets, so comparing the
    two books finds exactly what the change moved.
    """
    after = active_rule_specs(organization=organization)
    changed = changed_rules(before[0], after[0])
    account_ids = rule_change_accounts(organization=organization, rules=changed) if changed else set()
    if account_ids is not None and not account_ids:
        empty = SplitBook(deal_shares={}, account_shares={})
        return empty, empty
    deals, accounts, links = load_facts(
        organization, sorted(account_ids) if account_ids is not None else None
    )
    settings = engine_settings(organization)
    books = []
    for specs, version_ids in (before, after):
        books.append(
            shares_from_results(compute_splits(deals, accounts, links, specs, settings), version_ids)
        )
    return books[0], books[1]
