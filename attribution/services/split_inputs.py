"""Feed the split engine from the database and turn its answers into per-target shares."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from attribution.engine import (
    AccountFacts,
    DealFacts,
    EngineSettings,
    Explanation,
    LinkFacts,
    Role,
    Scope,
    SiMode,
    SplitResult,
    compute_splits,
)
from attribution.models import AccountPartner, LinkStatus, OpportunityPartner
from attribution.services.rules import active_rule_specs
from attribution.services.settings import attribution_settings_get
from revops.models import Account, Opportunity, Organization, Partner

ZERO = Decimal("0.00")


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


def engine_settings(organization: Organization) -> EngineSettings:
    settings = attribution_settings_get(organization=organization)
    defaults = settings.defaults
    return EngineSettings(
        enforce_account_cap=settings.enforce_account_cap,
        si_mode=SiMode(settings.si_mode),
        si_fixed_percent=settings.si_fixed_percent,
        default_percent_by_role={role: getattr(defaults, role) for role in Role},
    )


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


def _load_facts(organization: Organization) -> tuple[list[DealFacts], list[AccountFacts], list[LinkFacts]]:
    # Tuples (values_list), not dicts, and per-partner facts built once: on big books this
    # loading costs as much as the engine itself.
    accounts = [
        AccountFacts(id=a_id, segment=segment, region=region)
        for a_id, segment, region in Account.objects.filter(organization=organization).values_list(
            "id", "segment", "region"
        )
    ]
    deals = [
        DealFacts(id=d_id, account_id=account_id, stage=stage, amount=amount, product_line=line)
        for d_id, account_id, stage, amount, line in Opportunity.objects.filter(
            organization=organization
        ).values_list("id", "account_id", "stage", "amount", "product_line__code")
    ]
    partners = {
        p_id: (frozenset(types or ()), tier, name)
        for p_id, types, tier, name in Partner.objects.filter(organization=organization).values_list(
            "id", "types", "tier", "name"
        )
    }
    roles = {str(role): role for role in Role}
    links: list[LinkFacts] = []
    for scope, model, target in (
        (Scope.OPPORTUNITY, OpportunityPartner, "opportunity_id"),
        (Scope.ACCOUNT, AccountPartner, "account_id"),
    ):
        rows = model.objects.filter(organization=organization, status=LinkStatus.ACTIVE).values_list(
            "id", target, "partner_id", "role", "split_percent", "source"
        )
        for link_id, target_id, partner_id, role, percent, source in rows.order_by(
            target, "partner_id", "role"
        ):
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


def split_book_load(*, organization: Organization) -> SplitBook:
    """Run the engine over the organization's deals, accounts, active links and current rules."""
    deals, accounts, links = _load_facts(organization)
    specs, version_ids = active_rule_specs(organization=organization)
    results = compute_splits(deals, accounts, links, specs, engine_settings(organization))
    return shares_from_results(results, version_ids)


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
