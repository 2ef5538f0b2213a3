"""Reads for the marketing pages, exports and API: runs, model comparison, channel performance,
run against run, and journeys (scoped to the member)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from attribution.marketing.models import (
    MODEL_LABELS,
    AttributionRun,
    CampaignSpend,
    ChannelResult,
    RunStatus,
    TouchCredit,
)
from attribution.marketing.permissions import MarketingKind
from revops.models import Membership, Opportunity, Organization
from revops.permissions import scoped

ZERO = Decimal("0")
# A channel touching fewer journeys, or fewer converting ones, is flagged rather than ranked.
THIN_JOURNEYS = 30
THIN_CONVERSIONS = 5
# Models disagreeing by this many percentage points of share on a channel get a note.
DISAGREEMENT_POINTS = Decimal("10")


def run_list(*, organization: Organization) -> QuerySet[AttributionRun]:
    return AttributionRun.objects.filter(organization=organization).select_related("config", "job")


def run_get(*, organization: Organization, pk: int | str) -> AttributionRun:
    try:
        return run_list(organization=organization).get(pk=int(pk))
    except (AttributionRun.DoesNotExist, ValueError):
        raise Http404 from None


def reporting_run(*, organization: Organization) -> AttributionRun | None:
    """The promoted run, else the latest finished one."""
    done = run_list(organization=organization).filter(status=RunStatus.DONE)
    return done.filter(promoted=True).first() or done.order_by("-finished_at", "-id").first()


def latest_runs_by_model(*, organization: Organization) -> list[AttributionRun]:
    """The latest finished run of every model, in the models' menu order."""
    latest: dict[str, AttributionRun] = {}
    for run in (
        run_list(organization=organization).filter(status=RunStatus.DONE).order_by("-finished_at", "-id")
    ):
        latest.setdefault(run.model, run)
    return [latest[m] for m in MODEL_LABELS if m in latest]


def _share(part: Decimal, total: Decimal) -> Decimal:
    return (part * 100 / total).quantize(Decimal("0.1")) if total else ZERO


@dataclass
class ComparisonCell:
    conversions: Decimal
    value: Decimal
    share: Decimal  # % of the run's value
    low: Decimal | None
    high: Decimal | None


@dataclass
class ComparisonRow:
    channel: str
    cells: list[ComparisonCell | None]
    note: str = ""


@dataclass
class Comparison:
    runs: list[AttributionRun]
    labels: list[str]
    rows: list[ComparisonRow]
    notes: list[str] = field(default_factory=list)


def model_comparison(*, organization: Organization) -> Comparison:
    """Every model's latest run side by side per channel, with a note where models disagree."""
    runs = latest_runs_by_model(organization=organization)
    results = ChannelResult.objects.filter(run__in=runs).select_related("channel")
    by_channel: dict[str, dict[int, ChannelResult]] = defaultdict(dict)
    for r in results:
        by_channel[r.channel.name][r.run_id] = r
    rows = []
    notes = []
    for channel in sorted(by_channel, key=lambda c: -sum(r.value for r in by_channel[c].values())):
        cells: list[ComparisonCell | None] = []
        for run in runs:
            r = by_channel[channel].get(run.pk)
            cells.append(
                None
                if r is None
                else ComparisonCell(
                    r.conversions, r.value, _share(r.value, run.value), r.value_low, r.value_high
                )
            )
        present = [(c.share, run) for c, run in zip(cells, runs, strict=True) if c is not None]
        note = ""
        if len(present) > 1:
            lo, hi = min(present, key=lambda p: p[0]), max(present, key=lambda p: p[0])
            if hi[0] - lo[0] >= DISAGREEMENT_POINTS:
                note = (
                    f"Models disagree on {channel}: {lo[0]} % of revenue under {lo[1].get_model_display()}, "
                    f"{hi[0]} % under {hi[1].get_model_display()}."
                )
                notes.append(note)
        rows.append(ComparisonRow(channel, cells, note))
    return Comparison(runs=runs, labels=[run.get_model_display() for run in runs], rows=rows, notes=notes)


@dataclass
class ChannelPerformance:
    channel: str
    grouping: str
    conversions: Decimal
    value: Decimal
    share: Decimal
    value_low: Decimal | None
    value_high: Decimal | None
    spend: Decimal
    cost_per_conversion: Decimal | None
    roas: Decimal | None
    journeys: int
    win_rate: Decimal | None  # % of closed journeys touching the channel that were won
    open_pipeline: Decimal
    expected_revenue: Decimal
    expected_roas: Decimal | None
    thin: bool
    recommendation: str
    reason: str


def _spend_by_channel(organization: Organization, start: dt.date, end: dt.date) -> dict[int, Decimal]:
    rows = (
        CampaignSpend.objects.filter(
            organization=organization, month__gte=start.replace(day=1), month__lte=end
        )
        .values("campaign__channel_id")
        .annotate(total=Sum("amount"))
    )
    return {r["campaign__channel_id"]: r["total"] for r in rows}


def _recommend(p: ChannelPerformance, median_win: Decimal | None) -> tuple[str, str]:
    """A rule-based recommendation and the reason, from ROAS and win rate (thin data: none)."""
    if p.thin:
        return "Too little data", f"touches {p.journeys} journeys ({THIN_JOURNEYS} needed) — not ranked"
    if not p.spend:
        return "Record spend", "no spend recorded for the window, so ROAS is unknown"
    assert p.roas is not None
    wins_well = p.win_rate is not None and median_win is not None and p.win_rate >= median_win
    if p.roas >= 3 and wins_well:
        return (
            "Increase investment",
            f"returns {p.roas}× its spend and wins {p.win_rate} % of closed journeys",
        )
    if p.roas < 1:
        return "Cut or rework", f"returns {p.roas}× its spend, less than it costs"
    if not wins_well and p.win_rate is not None:
        return (
            "Optimise targeting",
            f"wins {p.win_rate} % of closed journeys it touches, below the median {median_win} %",
        )
    return "Maintain", f"returns {p.roas}× its spend"


def channel_performance(*, run: AttributionRun) -> list[ChannelPerformance]:
    spend = _spend_by_channel(run.organization, run.window_start, run.window_end)
    out = []
    for r in (
        ChannelResult.objects.filter(run=run).select_related("channel").order_by("-value", "channel__name")
    ):
        s = spend.get(r.channel_id, ZERO)
        out.append(
            ChannelPerformance(
                channel=r.channel.name,
                grouping=r.channel.grouping,
                conversions=r.conversions,
                value=r.value,
                share=_share(r.value, run.value),
                value_low=r.value_low,
                value_high=r.value_high,
                spend=s,
                cost_per_conversion=(s / r.conversions).quantize(Decimal("0.01"))
                if s and r.conversions > 0
                else None,
                roas=(r.value / s).quantize(Decimal("0.01")) if s else None,
                journeys=r.journeys,
                win_rate=_share(Decimal(r.won_journeys), Decimal(r.closed_journeys))
                if r.closed_journeys
                else None,
                open_pipeline=r.open_pipeline,
                expected_revenue=r.expected_revenue,
                expected_roas=(r.expected_revenue / s).quantize(Decimal("0.01")) if s else None,
                thin=r.journeys < THIN_JOURNEYS or r.converting_journeys < THIN_CONVERSIONS,
                recommendation="",
                reason="",
            )
        )
    rates = sorted(p.win_rate for p in out if p.win_rate is not None and not p.thin)
    median = rates[len(rates) // 2] if rates else None
    for p in out:
        p.recommendation, p.reason = _recommend(p, median)
    return out


@dataclass
class RunDelta:
    channel: str
    value_a: Decimal
    value_b: Decimal
    share_a: Decimal
    share_b: Decimal
    journeys_a: int
    journeys_b: int

    @property
    def delta(self) -> Decimal:
        return self.value_b - self.value_a

    @property
    def share_delta(self) -> Decimal:
        return self.share_b - self.share_a


@dataclass
class RunComparison:
    a: AttributionRun
    b: AttributionRun
    rows: list[RunDelta]
    changes: list[str]  # what differs between the runs' set-ups and data, in words


def run_compare(*, a: AttributionRun, b: AttributionRun) -> RunComparison:
    """What moved between two runs, by how much, and the differences that explain it."""
    res: dict[str, list] = defaultdict(lambda: [None, None])
    for i, run in enumerate((a, b)):
        for r in ChannelResult.objects.filter(run=run).select_related("channel"):
            res[r.channel.name][i] = r
    rows = []
    for channel, (ra, rb) in res.items():
        rows.append(
            RunDelta(
                channel=channel,
                value_a=ra.value if ra else ZERO,
                value_b=rb.value if rb else ZERO,
                share_a=_share(ra.value, a.value) if ra else ZERO,
                share_b=_share(rb.value, b.value) if rb else ZERO,
                journeys_a=ra.journeys if ra else 0,
                journeys_b=rb.journeys if rb else 0,
            )
        )
    rows.sort(key=lambda d: -abs(d.delta))
    changes = []
    sa, sb = a.config_snapshot, b.config_snapshot
    for key in sorted(set(sa) | set(sb)):
        if sa.get(key) != sb.get(key):
            changes.append(f"{key.replace('_', ' ')}: {sa.get(key)!r} → {sb.get(key)!r}")
    if (a.window_start, a.window_end) != (b.window_start, b.window_end):
        changes.append(f"window: {a.window_start}–{a.window_end} → {b.window_start}–{b.window_end}")
    if a.journeys != b.journeys:
        changes.append(f"journeys: {a.journeys} → {b.journeys}; touches: {a.touches} → {b.touches}")
    if a.value != b.value:
        changes.append(f"converted revenue: {a.value} → {b.value}")
    for d in rows[:3]:
        if d.journeys_a != d.journeys_b:
            changes.append(f"{d.channel} touches {d.journeys_a} → {d.journeys_b} journeys")
    return RunComparison(a=a, b=b, rows=rows, changes=changes)


# -- journeys ----------------------------------------------------------------------------------


def credits_in_scope(*, membership: Membership) -> QuerySet[TouchCredit]:
    return scoped(TouchCredit.objects.all(), membership, kind=MarketingKind.CREDIT)


@dataclass
class JourneySummary:
    opportunity_id: int
    name: str
    account: str
    amount: Decimal
    touches: int


def journey_list(
    *, membership: Membership, run: AttributionRun | None, limit: int = 200
) -> list[JourneySummary]:
    """Converting journeys of ``run`` the member may see (rep: their own accounts' deals)."""
    if run is None:
        return []
    rows = (
        credits_in_scope(membership=membership)
        .filter(run=run)
        .values("opportunity_id", "opportunity__name", "opportunity__account__name", "opportunity__amount")
        .annotate(touches=Count("id"))
        .order_by("-opportunity__amount", "opportunity_id")[:limit]
    )
    return [
        JourneySummary(
            r["opportunity_id"],
            r["opportunity__name"],
            r["opportunity__account__name"],
            r["opportunity__amount"],
            r["touches"],
        )
        for r in rows
    ]


@dataclass
class JourneyTouch:
    touch_id: int
    occurred_at: dt.datetime
    channel: str
    campaign: str
    contact: str
    shares: list[float | None]  # per model in `JourneyDetail.labels` order, percent of the conversion


@dataclass
class JourneyDetail:
    opportunity: Opportunity
    labels: list[str]
    touches: list[JourneyTouch]


def journey_detail(*, membership: Membership, opportunity_id: int) -> JourneyDetail:
    """One journey's touches with each model's credit (latest run per model); 404 outside scope."""
    runs = latest_runs_by_model(organization=membership.organization)
    credits = list(
        credits_in_scope(membership=membership)
        .filter(opportunity_id=opportunity_id, run__in=runs)
        .select_related("touchpoint__channel", "touchpoint__campaign", "opportunity__account")
        .order_by("touchpoint__occurred_at", "touchpoint_id")
    )
    if not credits:
        raise Http404
    index = {run.pk: i for i, run in enumerate(runs)}
    touches: dict[int, JourneyTouch] = {}
    for c in credits:
        t = c.touchpoint
        row = touches.get(t.pk)
        if row is None:
            row = touches[t.pk] = JourneyTouch(
                t.pk,
                t.occurred_at,
                t.channel.name,
                t.campaign.name if t.campaign else "",
                t.contact_key,
                [None] * len(runs),
            )
        row.shares[index[c.run_id]] = c.share * 100  # percent, as the page shows it
    return JourneyDetail(
        opportunity=credits[0].opportunity,
        labels=[run.get_model_display() for run in runs],
        touches=list(touches.values()),
    )
