"""Attribution runs: queue one for a config version, compute it, store results, promote one.

A run reads its journeys (`selectors.journeys.journey_data`), asks the engine for the config's
model, and stores, in one transaction: channel credit (conversions to 4 places, value to cents
with largest-remainder rounding so the channels add up exactly to the run's value), bootstrap
intervals, campaign and month credit, per-touch credit of converting journeys, and per channel
the journeys it touches, their win rate and the expected revenue of its open pipeline
(attributed open pipeline × `revops.providers.win_probabilities`, whose source is stored).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from attribution.marketing.config_schema import ModelParams
from attribution.marketing.engine import attribute, bootstrap_intervals
from attribution.marketing.engine.types import FloatArray
from attribution.marketing.models import (
    AttributionRun,
    CampaignResult,
    ChannelResult,
    ModelConfig,
    PeriodResult,
    RunStatus,
    TouchCredit,
)
from attribution.marketing.selectors.journeys import JourneyData, journey_data
from attribution.marketing.services.partner_touches import partner_touches_sync
from revops.bulk import bulk_insert
from revops.exceptions import ApplicationError
from revops.models import JobRun, Organization
from revops.models.crm import OPEN_STAGES, Stage
from revops.providers import win_probabilities
from revops.services.audit import audit_record
from revops.services.jobs import job_enqueue

RUN_KIND = "marketing.run"
ERROR_NOT_DONE = "Only a finished run can be promoted."
ERROR_WINDOW = "The window must start on or before its end."
ERROR_NOT_CURRENT = "Run the current version of a configuration."

Progress = Callable[[int, int], None]


def split_units(total_units: int, weights: FloatArray) -> np.ndarray:
    """Largest remainder: integer parts of ``total_units`` in proportion to ``weights`` (any sign)."""
    s = float(weights.sum())
    if weights.size == 0 or s == 0:
        return np.zeros(weights.shape[0], dtype=np.int64)
    raw = total_units * weights / s
    floors = np.floor(raw).astype(np.int64)
    left = total_units - int(floors.sum())
    # remainders rounded so float noise does not break ties, which go to the earlier channel
    order = np.lexsort((np.arange(raw.shape[0]), -np.round(raw - floors, 9)))
    floors[order[:left]] += 1
    return floors


def _units(values: FloatArray, total: float, places: int) -> list[Decimal]:
    scale = 10**places
    units = split_units(round(total * scale), values)
    return [Decimal(int(u)).scaleb(-places) for u in units]


def run_prepare(
    *,
    organization: Organization,
    config: ModelConfig,
    actor,
    window_start: dt.date,
    window_end: dt.date,
) -> AttributionRun:
    """Record a queued run of the config's current version (computed by `run_execute`)."""
    if window_start > window_end:
        raise ApplicationError(ERROR_WINDOW)
    if not config.is_current or config.organization_id != organization.pk:
        raise ApplicationError(ERROR_NOT_CURRENT)
    run = AttributionRun(
        organization=organization,
        config=config,
        config_version=config.version,
        config_snapshot=config_snapshot(config),
        model=config.model,
        window_start=window_start,
        window_end=window_end,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    run.full_clean()
    run.save()
    return run


def run_create(
    *,
    organization: Organization,
    config: ModelConfig,
    actor,
    window_start: dt.date,
    window_end: dt.date,
) -> tuple[AttributionRun, JobRun]:
    """Record a queued run and queue its computation (a JobRun with progress) after commit."""
    with transaction.atomic():
        run = run_prepare(
            organization=organization,
            config=config,
            actor=actor,
            window_start=window_start,
            window_end=window_end,
        )
        job, _ = job_enqueue(
            organization=organization,
            kind=RUN_KIND,
            idempotency_key=f"{RUN_KIND}:{run.pk}",
            params={"run_id": run.pk},
            started_by=actor,
        )
        run.job = job
        run.save(update_fields=["job", "updated_at"])
    return run, job


def config_snapshot(config: ModelConfig) -> dict:
    return {
        "name": config.name,
        "version": config.version,
        "model": config.model,
        "journey_level": config.journey_level,
        "conversion_event": config.conversion_event,
        "lookback_days": config.lookback_days,
        "excluded_channels": list(config.excluded_channels or []),
        "params": ModelParams.load(config.params).model_dump(mode="json"),
        "bootstrap_resamples": config.bootstrap_resamples,
        "path_set": config.path_set.name if config.path_set_id else None,
    }


def run_execute(*, run_id: int, progress: Progress | None = None) -> AttributionRun:
    """Compute a queued run and store its results (all or nothing); a finished run is left as is."""
    run = AttributionRun.objects.select_related("config", "organization").get(pk=run_id)
    if run.status == RunStatus.DONE:
        return run
    report = progress or (lambda done, total: None)
    AttributionRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    organization = run.organization
    since = dt.datetime.combine(run.window_start, dt.time(), tzinfo=dt.UTC) - dt.timedelta(
        days=run.config.lookback_days
    )
    until = dt.datetime.combine(run.window_end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    try:
        partner_touches_sync(organization=organization, since=since, until=until)
        report(5, 100)
        data = journey_data(
            organization=organization,
            config=run.config,
            window_start=run.window_start,
            window_end=run.window_end,
        )
        report(20, 100)
        spec = ModelParams.load(run.config.params).spec(run.model)
        result = attribute(data.journeys, spec)
        report(40, 100)
        intervals = None
        resamples = run.config.bootstrap_resamples
        if resamples and data.journeys.total_conversions() > 0:
            intervals = bootstrap_intervals(
                data.journeys,
                spec,
                resamples=resamples,
                seed=spec.seed,
                progress=lambda done, total: report(40 + 40 * done // total, 100),
            )
        with transaction.atomic():
            _store(run, data, result, intervals)
    except Exception as exc:
        # The job records the failure too; the run row must not stay "running".
        run_fail(run_id=run.pk, error=f"{type(exc).__name__}: {exc}")
        raise
    report(100, 100)
    run.refresh_from_db()
    return run


def _store(run: AttributionRun, data: JourneyData, result, intervals) -> None:
    org = run.organization_id
    j = data.journeys
    jt = j.journey_of_touch
    n = j.n_channels
    total_conv = j.total_conversions()
    total_value = float(sum(Decimal(str(v)) for v in j.value[j.lengths > 0]))
    conv_parts = _units(result.conversions, total_conv, 4)
    value_parts = _units(result.value, total_value, 2)
    share = result.touch_share

    # journeys touching each channel, converting, won / closed, open pipeline × win probability
    touched = np.zeros((n,), dtype=np.int64)
    converting = np.zeros(n, dtype=np.int64)
    won = np.zeros(n, dtype=np.int64)
    closed = np.zeros(n, dtype=np.int64)
    pairs = np.unique(jt * n + j.channels)
    pj, pc = pairs // n, pairs % n
    touched += np.bincount(pc, minlength=n)
    converting += np.bincount(pc[data.journey_converted[pj]], minlength=n)
    stage = np.array([data.opportunity_stage.get(int(o), "") for o in data.journey_opportunity])
    won += np.bincount(pc[stage[pj] == Stage.CLOSED_WON], minlength=n)
    closed += np.bincount(pc[np.isin(stage[pj], [Stage.CLOSED_WON, Stage.CLOSED_LOST])], minlength=n)
    open_ids = sorted(
        {int(o) for o, s in zip(data.journey_opportunity, stage, strict=True) if o and s in OPEN_STAGES}
    )
    probs = win_probabilities(run.organization, open_ids)
    amount = np.array(
        [float(data.opportunity_amount.get(int(o), 0)) if o else 0.0 for o in data.journey_opportunity]
    )
    is_open = np.isin(stage, list(OPEN_STAGES)) & (data.journey_opportunity > 0)
    prob = np.array(
        [float(probs[int(o)].probability) if int(o) in probs else 0.0 for o in data.journey_opportunity]
    )
    open_pipe = np.bincount(j.channels, weights=share * (amount * is_open)[jt], minlength=n)
    expected = np.bincount(j.channels, weights=share * (amount * is_open * prob)[jt], minlength=n)
    sources = sorted({p.source for p in probs.values()})

    rows = []
    for c in range(n):
        lo = hi = vlo = vhi = None
        if intervals is not None:
            lo, hi = (
                Decimal(f"{intervals.conversions_low[c]:.4f}"),
                Decimal(f"{intervals.conversions_high[c]:.4f}"),
            )
            vlo, vhi = Decimal(f"{intervals.value_low[c]:.2f}"), Decimal(f"{intervals.value_high[c]:.2f}")
        rows.append(
            ChannelResult(
                organization_id=org,
                run=run,
                channel_id=data.channel_ids[c],
                conversions=conv_parts[c],
                value=value_parts[c],
                conversions_low=lo,
                conversions_high=hi,
                value_low=vlo,
                value_high=vhi,
                removal_effect=None if result.removal_effects is None else float(result.removal_effects[c]),
                journeys=int(touched[c]),
                converting_journeys=int(converting[c]),
                won_journeys=int(won[c]),
                closed_journeys=int(closed[c]),
                open_pipeline=Decimal(f"{open_pipe[c]:.2f}"),
                expected_revenue=Decimal(f"{expected[c]:.2f}"),
            )
        )
    ChannelResult.objects.bulk_create(rows)

    conv_touch = share * j.conversions[jt]
    value_touch = share * j.value[jt]
    by_campaign: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for camp, cv, vv in zip(
        data.touch_campaign_ids.tolist(), conv_touch.tolist(), value_touch.tolist(), strict=True
    ):
        if camp:
            by_campaign[camp][0] += cv
            by_campaign[camp][1] += vv
    CampaignResult.objects.bulk_create(
        CampaignResult(
            organization_id=org,
            run=run,
            campaign_id=camp,
            conversions=Decimal(f"{cv:.4f}"),
            value=Decimal(f"{vv:.2f}"),
        )
        for camp, (cv, vv) in sorted(by_campaign.items())
    )
    by_month: dict[tuple[int, dt.date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    months = data.journey_month
    for t_j, c, cv, vv in zip(
        jt.tolist(), j.channels.tolist(), conv_touch.tolist(), value_touch.tolist(), strict=True
    ):
        month = months[t_j]
        if month is not None:
            acc = by_month[(data.channel_ids[c], month)]
            acc[0] += cv
            acc[1] += vv
    PeriodResult.objects.bulk_create(
        PeriodResult(
            organization_id=org,
            run=run,
            channel_id=ch,
            month=month,
            conversions=Decimal(f"{cv:.4f}"),
            value=Decimal(f"{vv:.2f}"),
        )
        for (ch, month), (cv, vv) in sorted(by_month.items())
    )
    # aggregated paths have no touch rows behind them: nothing to drill down to
    conv_t = np.flatnonzero(data.journey_converted[jt] & (data.touch_ids > 0))
    bulk_insert(
        TouchCredit,
        ("organization_id", "run_id", "touchpoint_id", "opportunity_id", "account_id", "share", "value"),
        (
            (
                org,
                run.pk,
                int(data.touch_ids[t]),
                int(data.journey_opportunity[jt[t]]),
                int(data.journey_account[jt[t]]) or None,
                float(share[t]),
                Decimal(f"{value_touch[t]:.2f}"),
            )
            for t in conv_t.tolist()
        ),
    )
    AttributionRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        journeys=j.n_journeys,
        touches=j.n_touches,
        conversions=sum(conv_parts, Decimal(0)),
        value=sum(value_parts, Decimal(0)),
        order_used=result.order,
        exact=result.exact,
        has_intervals=intervals is not None,
        probability_source=", ".join(sources)[:60],
        finished_at=timezone.now(),
        error="",
    )


def run_fail(*, run_id: int, error: str) -> None:
    AttributionRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED, error=error[:2000]
    )


@transaction.atomic
def run_promote(*, run: AttributionRun, actor) -> AttributionRun:
    """Make ``run`` the one finance reports on (the previous promoted run steps down).

    Promoting the run that is already promoted changes nothing.
    """
    if run.status != RunStatus.DONE:
        raise ApplicationError(ERROR_NOT_DONE)
    if run.promoted:
        return run
    AttributionRun.objects.filter(organization_id=run.organization_id, promoted=True).update(promoted=False)
    AttributionRun.objects.filter(pk=run.pk).update(promoted=True)
    run.refresh_from_db()
    audit_record(
        organization=run.organization,
        actor=actor,
        action="marketing.run.promote",
        obj=run,
        after={"promoted": True},
    )
    return run
