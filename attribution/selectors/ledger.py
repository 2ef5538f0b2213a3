"""Ledger explorer reads: filtered entries, their totals, filter choices, the chain head."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from attribution.filters import AttributionEntryFilterSet
from attribution.models import AttributionEntry, AttributionPeriodSeal
from attribution.selectors.visible import entry_list
from revops.models import Account, FiscalPeriod, Membership, Partner
from revops.money import quantize_money

ZERO = Decimal("0.00")
HASH_PREFIX = 12
SOURCE_LABELS = {
    "manual": "manual split",
    "rule": "rule",
    "default": "role default",
    "si_live_share": "SI live share of the account",
    "si_fixed": "fixed SI percent",
    "denied": "denied by a rule",
    "removed": "partner removed",
}


def explanation_summary(explanation: Mapping | None) -> str:
    """The stored explanation of an entry as one line of text."""
    explanation = explanation or {}
    parts = [SOURCE_LABELS.get(explanation.get("source", ""), explanation.get("source", "") or "—")]
    rule = explanation.get("rule")
    if rule:
        parts[0] = f"rule '{rule.get('name')}' (v{rule.get('version')})"
    parts += [f"capped {c['from']} % → {c['to']} % by {c['what']}" for c in explanation.get("caps", ())]
    parts += list(explanation.get("notes", ()))
    return "; ".join(parts)


def ledger_list(
    *, membership: Membership, filters: Mapping
) -> tuple[AttributionEntryFilterSet, QuerySet[AttributionEntry]]:
    """The member's ledger entries matching `filters`, newest first."""
    base = entry_list(membership=membership).select_related(
        "partner",
        "period",
        "revenue_period",
        "revenue_event__account",
        "revenue_event__opportunity__account",
        "rule_version__rule",
    )
    filterset = AttributionEntryFilterSet(filters, queryset=base)
    return filterset, filterset.qs.order_by("-sequence")


@dataclass(frozen=True)
class LedgerTotals:
    count: int
    amount: Decimal


def ledger_totals(qs: QuerySet[AttributionEntry]) -> LedgerTotals:
    row = qs.order_by().aggregate(count=Count("id"), amount=Sum("amount"))
    return LedgerTotals(row["count"], quantize_money(row["amount"] or ZERO))


@dataclass(frozen=True)
class ChainHead:
    sequence: int
    hash: str


def chain_head(*, membership: Membership) -> ChainHead | None:
    """The organization's latest ledger entry (its hash covers every entry before it)."""
    row = (
        AttributionEntry.objects.filter(organization_id=membership.organization_id)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    return ChainHead(*row) if row else None


def ledger_filter_choices(*, membership: Membership) -> dict:
    """Partners, accounts and periods for the filter selects (three small queries)."""
    org = membership.organization_id
    entries = entry_list(membership=membership)
    return {
        "partners": Partner.objects.visible_to(membership)
        .filter(pk__in=entries.values("partner_id"))
        .values_list("pk", "name"),
        "accounts": Account.objects.visible_to(membership)
        .filter(
            pk__in=entries.exclude(revenue_event__account__isnull=True).values("revenue_event__account_id")
        )
        .values_list("pk", "name"),
        "periods": FiscalPeriod.objects.filter(organization_id=org, pk__in=entries.values("period_id")),
    }


LEDGER_EXPORT_HEADERS = (
    "Sequence",
    "Posted at",
    "Revenue date",
    "Partner",
    "Role",
    "Kind",
    "Scope",
    "Split %",
    "Amount",
    "Period",
    "Revenue period",
    "Account",
    "Deal",
    "Rule version",
    "Explanation",
    "Hash",
)


def rule_version_label(entry: AttributionEntry) -> str:
    version = entry.rule_version
    return f"{version.rule.name} v{version.number}" if version else ""


def entry_account(entry: AttributionEntry) -> Account | None:
    event = entry.revenue_event
    return event.account or (event.opportunity.account if event.opportunity else None)


def ledger_export_rows(qs: QuerySet[AttributionEntry]) -> Iterator[tuple]:
    for e in qs.order_by("sequence"):
        account = entry_account(e)
        yield (
            e.sequence,
            e.created_at,
            e.revenue_event.date,
            e.partner.name,
            e.get_role_display(),
            e.get_kind_display(),
            e.get_scope_display(),
            e.split_percent,
            e.amount,
            str(e.period),
            str(e.revenue_period),
            account.name if account else "",
            e.revenue_event.opportunity.name if e.revenue_event.opportunity else "",
            rule_version_label(e),
            explanation_summary(e.explanation),
            e.hash,
        )


def period_seals(*, membership: Membership, period_ids: list[int]) -> dict[int, AttributionPeriodSeal]:
    """The latest seal (chain head at close) of each of the given periods."""
    seals: dict[int, AttributionPeriodSeal] = {}
    for seal in AttributionPeriodSeal.objects.filter(
        organization_id=membership.organization_id, period_id__in=period_ids
    ).order_by("period_id", "-sealed_at", "-id"):
        seals.setdefault(seal.period_id, seal)
    return seals


def entry_rows(entries) -> list[dict]:
    """Entries with what the pages and the audit report show next to them."""
    return [
        {
            "entry": e,
            "account": entry_account(e),
            "hash_prefix": e.hash[:HASH_PREFIX],
            "rule_version": rule_version_label(e) or "—",
            "explanation": explanation_summary(e.explanation),
        }
        for e in entries
    ]
