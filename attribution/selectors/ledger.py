"""Ledger explorer reads: filtered entries, their totals, filter choices, the chain head."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.functional import cached_property

from attribution.filters import AttributionEntryFilterSet
from attribution.models import (
    AttributionEntry,
    AttributionExplanation,
    AttributionLedgerTotal,
    AttributionPartnerDeal,
    AttributionPeriodSeal,
    RevenueEvent,
)
from attribution.models.ledger import LEDGER_NAME
from attribution.permissions import AttributionKind
from attribution.selectors.visible import entry_list
from revops.models import Account, FiscalPeriod, LedgerHead, Membership, Opportunity, Partner
from revops.money import quantize_money
from revops.permissions import Scope, scope_for
from revops.selectors.periods import add_months

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


LEDGER_RELATED = (
    "partner",
    "period",
    "revenue_period",
    "revenue_event__account",
    "revenue_event__opportunity__account",
    "rule_version__rule",
    "explanation_ref",
)


def explanation_summary(explanation: Mapping | None) -> str:
    """The stored explanation of an entry as one line of text."""
    explanation = explanation or {}
    parts = [SOURCE_LABELS.get(explanation.get("source", ""), explanation.get("source", "") or "—")]
    rule = explanation.get("rule")
    if rule:
        parts[0] = f"rule '{rule.get('name')}' (v{rule.get('version')})"
    parts += [f"capped {c['from']} % → {c['to']} % by {c['what']}" for c in explanation.get("caps", ())]
    parts += list(explanation.get("notes", ()))
    reference = explanation.get("reference")
    if reference:
        parts.append(str(reference.get("label") or f"{reference.get('kind')} {reference.get('id')}"))
    return "; ".join(parts)


def ledger_list(
    *, membership: Membership, filters: Mapping
) -> tuple[AttributionEntryFilterSet, QuerySet[AttributionEntry]]:
    """The member's ledger entries matching `filters`, newest first."""
    base = entry_list(membership=membership).select_related(*LEDGER_RELATED)
    filterset = AttributionEntryFilterSet(filters, queryset=base)
    return filterset, filterset.qs.order_by("-sequence")


@dataclass(frozen=True)
class LedgerTotals:
    count: int
    amount: Decimal


def totals_scope(membership: Membership | None) -> Q | None:
    """The totals-table rows a member sees in full, or None when their scope is finer.

    The totals table (AttributionLedgerTotal) is keyed by partner, not by deal: it can answer
    for a member who sees whole partners — a partner user (their partner) or an organization-
    wide role (every partner) — and never for a rep or team manager, whose entries are those of
    their deals: they read the entries (`entry_list`). Mirrors `entry_list`'s rules.
    """
    scope = scope_for(membership, AttributionKind.ENTRY)
    if scope is Scope.PARTNER and membership is not None:
        return Q(partner_id=membership.partner_id)
    if scope is Scope.ORGANIZATION:
        return Q()
    return None


# Explorer filters the totals table can answer (its keys); any other filter reads the entries.
TOTALS_FILTERS = {
    "partner": "partner_id",
    "kind": "kind",
    "role": "role",
    "scope": "scope",
    "period": "period_id",
}


def _totals_filter(membership: Membership, filterset: AttributionEntryFilterSet) -> Q | None:
    """The explorer's filters as a filter on the totals table, or None when it cannot answer."""
    scope = totals_scope(membership)
    if scope is None or not filterset.is_valid():
        return None
    data = filterset.form.cleaned_data
    q = scope & Q(organization_id=membership.organization_id)
    for name, value in data.items():
        if value in (None, ""):
            continue
        if name in TOTALS_FILTERS:
            q &= Q(**{TOTALS_FILTERS[name]: value})
        elif name == "date_from" and value.day == 1:
            q &= Q(revenue_period__start_date__gte=value)
        elif name == "date_to" and _month_closes(membership, value):
            q &= Q(revenue_period__start_date__lte=value)
        else:
            return None
    return q


def _month_closes(membership: Membership, day: dt.date) -> bool:
    """Whether no revenue is dated after `day` in its month (so the whole month is in range)."""
    month_end = add_months(day, 1) - dt.timedelta(days=1)
    return day == month_end or not (
        RevenueEvent.objects.filter(
            organization_id=membership.organization_id, date__gt=day, date__lte=month_end
        ).exists()
    )


def ledger_totals(
    qs: QuerySet[AttributionEntry],
    *,
    membership: Membership | None = None,
    filterset: AttributionEntryFilterSet | None = None,
) -> LedgerTotals:
    """Entry count and amount of the filtered entries.

    From the totals table when `membership` and `filterset` are given and the table can answer
    (`_totals_filter`): one small aggregate instead of a pass over the ledger; else over `qs`.
    """
    totals_q = _totals_filter(membership, filterset) if membership and filterset is not None else None
    if totals_q is not None:
        row = AttributionLedgerTotal.objects.filter(totals_q).aggregate(
            count=Sum("entries"), cents=Sum("amount_cents")
        )
        return LedgerTotals(row["count"] or 0, quantize_money(Decimal(row["cents"] or 0).scaleb(-2)))
    row = qs.order_by().aggregate(count=Count("id"), amount=Sum("amount"))
    return LedgerTotals(row["count"], quantize_money(row["amount"] or ZERO))


class _CountedPaginator(Paginator):
    """A paginator told its count (from the totals) instead of counting the entries."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def ledger_page(qs: QuerySet[AttributionEntry], number, *, per_page: int, totals: LedgerTotals) -> Page:
    """One page of entries, newest first, without counting or joining the whole ledger.

    The count is the totals' (already read for the page); the page's ids come from the entry
    table alone (the organization + sequence index read backwards, stopping after one page),
    then those rows are loaded with their relations. A page past the end shows the last one.
    """
    page = _CountedPaginator(qs, per_page, count=totals.count).get_page(number)
    if not totals.count:
        page.object_list = []
        return page
    ids = list(
        qs.order_by("-sequence").values_list("id", flat=True)[page.start_index() - 1 : page.end_index()]
    )
    rows = {e.pk: e for e in qs.model.objects.filter(pk__in=ids).select_related(*LEDGER_RELATED)}
    page.object_list = [rows[pk] for pk in ids]
    return page


@dataclass(frozen=True)
class ChainHead:
    sequence: int
    hash: str


def chain_head(*, membership: Membership) -> ChainHead | None:
    """The ledger's head (its hash covers every entry before it), from the kit's head row."""
    row = (
        LedgerHead.objects.filter(organization_id=membership.organization_id, ledger=LEDGER_NAME)
        .exclude(last_sequence=0)
        .values_list("last_sequence", "last_hash")
        .first()
    )
    return ChainHead(*row) if row else None


# The account filter lists at most this many accounts; past it the page offers a name search.
ACCOUNT_CHOICES_MAX = 200


class CappedChoices:
    """(pk, name) rows of a query, read once and at most `cap`: `too_many` when there are more."""

    def __init__(self, rows: QuerySet, cap: int):
        self._query, self._cap = rows, cap

    @cached_property
    def _rows(self) -> list:
        return list(self._query[: self._cap + 1])

    @property
    def too_many(self) -> bool:
        return len(self._rows) > self._cap

    def __iter__(self):
        return iter(self._rows[: self._cap])


def ledger_filter_choices(*, membership: Membership, account: str | None = None) -> dict:
    """Partners, accounts and periods for the filter selects (small queries, read on use).

    Partners and periods come from the totals table when it can answer for the member. The
    accounts are capped at ACCOUNT_CHOICES_MAX (a big book credits tens of thousands); past it
    the page shows a name search, and `account_selected` names the account of an `account`
    filter (a link from an account page) so it can still be shown and cleared.
    """
    org = membership.organization_id
    entries = entry_list(membership=membership)
    scope = totals_scope(membership)
    if scope is not None:
        totals = AttributionLedgerTotal.objects.filter(scope, organization_id=org)
        partner_ids, period_ids = totals.values("partner_id"), totals.values("period_id")
        # Accounts of the credited deals (partner-deal table), and of account-level revenue
        # when the totals hold account-scope entries.
        deals = AttributionPartnerDeal.objects.filter(scope, organization_id=org).values("opportunity_id")
        account_filter = Q(pk__in=Opportunity.objects.filter(pk__in=deals).values("account_id"))
        if totals.filter(scope="account").exists():
            account_filter |= Q(pk__in=entries.filter(scope="account").values("revenue_event__account_id"))
    else:
        partner_ids, period_ids = entries.values("partner_id"), entries.values("period_id")
        account_filter = Q(
            pk__in=entries.exclude(revenue_event__account__isnull=True).values("revenue_event__account_id")
        )
    return {
        "partners": Partner.objects.visible_to(membership)
        .filter(pk__in=partner_ids)
        .values_list("pk", "name"),
        "accounts": CappedChoices(
            Account.objects.visible_to(membership)
            .filter(account_filter)
            .order_by("name", "pk")
            .values_list("pk", "name"),
            ACCOUNT_CHOICES_MAX,
        ),
        "account_selected": (
            Account.objects.visible_to(membership).filter(pk=int(account)).values_list("pk", "name").first()
            if account and account.isdigit()
            else None
        ),
        "periods": FiscalPeriod.objects.filter(organization_id=org, pk__in=period_ids),
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


# Entries read per round trip when a file streams every line (a server-side cursor on
# PostgreSQL): memory stays flat whatever the ledger's size.
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class LedgerSummaryRow:
    """The lines of one period, partner and role, and what they credit."""

    period: str
    partner: str
    role: str
    lines: int
    amount: Decimal


def ledger_summary(qs: QuerySet[AttributionEntry]) -> list[LedgerSummaryRow]:
    """`qs`'s lines grouped by ledger period, partner and role (one query, by period then partner)."""
    grouped = (
        qs.order_by()
        .values("period__start_date", "partner__name", "role")
        .annotate(lines=Count("id"), amount=Sum("amount"))
        .order_by("period__start_date", "partner__name", "role")
    )
    labels = dict(AttributionEntry._meta.get_field("role").flatchoices)
    return [
        LedgerSummaryRow(
            period=row["period__start_date"].strftime("%Y-%m"),
            partner=row["partner__name"],
            role=str(labels.get(row["role"], row["role"])),
            lines=row["lines"],
            amount=quantize_money(row["amount"] or ZERO),
        )
        for row in grouped
    ]


# What one exported line reads: the entry's own columns and the names on its joins, as plain
# values (no model instances: a 100,000-line export builds no 800,000 objects), with the period
# labels and explanation summaries looked up once per distinct id.
_EXPORT_COLUMNS = (
    "sequence",
    "created_at",
    "revenue_event__date",
    "partner__name",
    "role",
    "kind",
    "scope",
    "split_percent",
    "amount",
    "period_id",
    "revenue_period_id",
    "revenue_event__account__name",
    "revenue_event__opportunity__account__name",
    "revenue_event__opportunity__name",
    "rule_version__rule__name",
    "rule_version__number",
    "explanation_ref_id",
    "hash",
)


def _labels(field: str) -> dict[str, str]:
    return {key: str(label) for key, label in AttributionEntry._meta.get_field(field).flatchoices}


def ledger_export_rows(qs: QuerySet[AttributionEntry]) -> Iterator[tuple]:
    """Every line of `qs` in sequence order, as the ledger's exports and reports list it
    (LEDGER_EXPORT_HEADERS); read EXPORT_CHUNK lines at a time."""
    roles, kinds, scopes = _labels("role"), _labels("kind"), _labels("scope")
    periods: dict[int, str] = {}
    summaries: dict[int, str] = {}
    rows = qs.order_by("sequence").values_list(*_EXPORT_COLUMNS).iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        new_periods = {r[9] for r in chunk} | {r[10] for r in chunk}
        new_periods -= periods.keys()
        if new_periods:
            periods.update(
                (pk, start.strftime("%Y-%m"))
                for pk, start in FiscalPeriod.objects.filter(pk__in=new_periods).values_list(
                    "pk", "start_date"
                )
            )
        new_explanations = {r[16] for r in chunk} - summaries.keys()
        if new_explanations:
            summaries.update(
                (pk, explanation_summary(content))
                for pk, content in AttributionExplanation.objects.filter(pk__in=new_explanations).values_list(
                    "pk", "content"
                )
            )
        for (
            sequence,
            created_at,
            revenue_date,
            partner,
            role,
            kind,
            scope,
            split_percent,
            amount,
            period_id,
            revenue_period_id,
            event_account,
            deal_account,
            deal,
            rule,
            version,
            explanation_id,
            digest,
        ) in chunk:
            yield (
                sequence,
                created_at,
                revenue_date,
                partner,
                roles.get(role, role),
                kinds.get(kind, kind),
                scopes.get(scope, scope),
                split_percent,
                amount,
                periods[period_id],
                periods[revenue_period_id],
                event_account or deal_account or "",
                deal or "",
                f"{rule} v{version}" if version is not None else "",
                summaries.get(explanation_id, explanation_summary(None)),
                digest,
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
