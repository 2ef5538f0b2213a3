"""Take a forecast snapshot: Monte Carlo per month and quarter from the current deal scores.

The open deals' calibrated probabilities and time-to-close bands come from the current
`DealScore` rows (their bands shortened by the days since they were scored); deals not yet
created add the seasonal run-rate; revenue already won in a period counts as certain.
Per owner and per manager's team the quarter's simulated revenue is kept as percentiles, so
the page reads the probability of reaching any target without simulating again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db import transaction

from forecasting.engine import (
    WinModel,
    holt_forecast,
    monthly_bookings,
    pipeline_velocity,
    runrate,
    simulate,
    to_day,
)
from forecasting.engine.replay import Shock, pipeline_shock
from forecasting.models import DealScore, ForecastSnapshot
from forecasting.selectors.dataset import Dataset, dataset_load, organization_today
from forecasting.selectors.periods import Period, forecast_months, forecast_quarters, month_start
from forecasting.services.modelling import active_model
from revops.models import Membership, Organization, Role
from revops.models.crm import Stage
from revops.services.audit import audit_record

DEFAULT_SIMS = 10_000
TEAM_SIMS = 2_000  # per owner and team: percentiles only, a coarser run is enough
PERCENTILES = list(range(0, 101, 5))


def _summary(col: np.ndarray) -> dict:
    return {
        "mean": float(col.mean()),
        "p10": float(np.quantile(col, 0.1)),
        "p50": float(np.quantile(col, 0.5)),
        "p90": float(np.quantile(col, 0.9)),
        "percentiles": [float(v) for v in np.percentile(col, PERCENTILES)],
    }


def snapshot_take(
    *,
    organization: Organization,
    as_of: dt.date | None = None,
    kind: str = ForecastSnapshot.Kind.MANUAL,
    sims: int = DEFAULT_SIMS,
    seed: int = 0,
    actor=None,
    team_sims: int = TEAM_SIMS,
    data: Dataset | None = None,
) -> ForecastSnapshot:
    """Simulate and store the forecast as of ``as_of`` (replacing that day's snapshot of the kind)."""
    day = as_of or organization_today(organization)
    data = data or dataset_load(organization)
    t = data.table
    version = active_model(organization)
    # Deals move together: the active model replayed on the past quarters gives the shared
    # calibration shock of every simulation below (docs/forecasting.md).
    shock = (
        pipeline_shock(
            WinModel.from_json(version.artifact), t, to_day(day), touches_for=data.touches_for(organization)
        )
        if version is not None and len(t)
        else Shock()
    )
    scores = list(
        DealScore.objects.current()
        .filter(organization=organization)
        .select_related("opportunity")
        .order_by("opportunity_id")
    )
    scores = [s for s in scores if s.opportunity.stage not in (Stage.CLOSED_WON, Stage.CLOSED_LOST)]
    amount = np.array([float(s.opportunity.amount) for s in scores])
    p = np.array([float(s.probability) for s in scores])
    age = np.array([(day - s.as_of).days for s in scores], dtype=float)
    ttc = np.maximum(
        np.array([[s.days_p10, s.days_p50, s.days_p90] for s in scores], dtype=float) - age[:, None], 0
    )
    ttc = ttc.reshape(len(scores), 3)
    owners = np.array([s.opportunity.owner_id or 0 for s in scores])
    today = to_day(day)
    won = t.won == 1
    out_periods = []
    for periods in (forecast_months(organization, day, 6), forecast_quarters(organization, day, 2)):
        bounds = [(max(0, to_day(pr.start) - today), to_day(pr.end) - today) for pr in periods]
        rr = runrate(t.created, t.closed, t.won, t.amount, as_of=today, periods=bounds)
        forecasts, totals = simulate(
            amount, p, ttc, bounds, sims=sims, seed=seed, runrate=rr, shock_mean=shock.mean, shock_sd=shock.sd
        )
        for pr, f, j in zip(periods, forecasts, range(len(periods)), strict=True):
            so_far = float(t.amount[won & (t.closed >= to_day(pr.start)) & (t.closed < today)].sum())
            col = totals[:, j] + so_far
            out_periods.append(
                {
                    "label": pr.label,
                    "grain": pr.grain,
                    "start": pr.start.isoformat(),
                    "end": pr.end.isoformat(),
                    "won_to_date": so_far,
                    "open_pipeline_mean": f.open_pipeline_mean,
                    "runrate_mean": f.runrate_mean,
                    **_summary(col),
                }
            )
    # Fan chart: cumulative revenue over the next six months.
    months = forecast_months(organization, day, 6)
    bounds = [(max(0, to_day(pr.start) - today), to_day(pr.end) - today) for pr in months]
    rr = runrate(t.created, t.closed, t.won, t.amount, as_of=today, periods=bounds)
    _, totals = simulate(
        amount,
        p,
        ttc,
        bounds,
        sims=min(sims, 5_000),
        seed=seed,
        runrate=rr,
        shock_mean=shock.mean,
        shock_sd=shock.sd,
    )
    cum = np.cumsum(totals, axis=1)
    fan = [
        {
            "label": pr.label,
            "p10": float(np.quantile(cum[:, j], 0.1)),
            "p50": float(np.quantile(cum[:, j], 0.5)),
            "p90": float(np.quantile(cum[:, j], 0.9)),
        }
        for j, pr in enumerate(months)
    ]
    quarter = forecast_quarters(organization, day, 1)[0]
    q_bounds = [(max(0, to_day(quarter.start) - today), to_day(quarter.end) - today)]
    by_owner: dict[str, dict] = {}
    for owner in sorted(set(owners.tolist())):
        sel = owners == owner
        _, tot = simulate(
            amount[sel],
            p[sel],
            ttc[sel],
            q_bounds,
            sims=team_sims,
            seed=seed,
            shock_mean=shock.mean,
            shock_sd=shock.sd,
        )
        so_far = float(
            t.amount[
                won & (data.owners == owner) & (t.closed >= to_day(quarter.start)) & (t.closed < today)
            ].sum()
        )
        by_owner[str(owner)] = _summary(tot[:, 0] + so_far)
    by_team: dict[str, dict] = {}
    for manager_user, members in _teams(organization).items():
        sel = np.isin(owners, list(members))
        _, tot = simulate(
            amount[sel],
            p[sel],
            ttc[sel],
            q_bounds,
            sims=team_sims,
            seed=seed,
            shock_mean=shock.mean,
            shock_sd=shock.sd,
        )
        so_far = float(
            t.amount[
                won
                & np.isin(data.owners, list(members))
                & (t.closed >= to_day(quarter.start))
                & (t.closed < today)
            ].sum()
        )
        by_team[str(manager_user)] = _summary(tot[:, 0] + so_far)
    closed = t.won >= 0
    recent = closed & (t.closed >= today - 365)
    velocity = pipeline_velocity(
        len(scores), t.won[recent], t.amount[recent], (t.closed[recent] - t.created[recent]).astype(float)
    )
    start = month_start(day)
    edges = [to_day(_add_months(start, k)) for k in range(-24, 1)]
    history = monthly_bookings(t.closed[won], t.amount[won], np.array(edges))
    holt = holt_forecast(history, 6)
    snapshot_fields = {
        "model_version": version,
        "model_label": version.label if version else "no model",
        "sims": sims,
        "seed": seed,
        "periods": out_periods,
        "velocity": {
            "open_deals": velocity.open_deals,
            "win_rate": velocity.win_rate,
            "average_won_amount": velocity.average_won_amount,
            "cycle_days": velocity.cycle_days,
            "per_day": velocity.per_day,
            "per_quarter": velocity.over(91),
        },
        "baseline": {
            "method": "Holt linear exponential smoothing",
            "alpha": holt.alpha,
            "beta": holt.beta,
            "history": [float(v) for v in history],
            "forecast": list(holt.forecast),
            "fan": fan,
            "by_owner": by_owner,
            "by_team": by_team,
            "quarter": quarter.label,
            "shock": shock.as_dict(),
        },
        "pipeline": [
            {
                "id": s.opportunity_id,
                "name": s.opportunity.name,
                "owner": s.opportunity.owner_id,
                "amount": float(s.opportunity.amount),
                "stage": s.opportunity.stage,
                "expected_close": s.opportunity.expected_close_date.isoformat()
                if s.opportunity.expected_close_date
                else None,
                "probability": float(s.probability),
            }
            for s in scores
        ],
    }
    with transaction.atomic():
        snapshot, _ = ForecastSnapshot.objects.update_or_create(
            organization=organization, as_of=day, kind=kind, defaults=snapshot_fields
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="forecasting.snapshot",
            obj=snapshot,
            after={"as_of": day.isoformat(), "kind": kind, "deals": len(scores)},
        )
    return snapshot


def _add_months(day: dt.date, k: int) -> dt.date:
    m = day.month - 1 + k
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def _teams(organization: Organization) -> dict[int, set[int]]:
    """Manager user id → user ids of the manager and everyone below them (any depth)."""
    members = list(
        Membership.objects.filter(organization=organization, is_active=True).values_list(
            "id", "user_id", "manager_id", "role"
        )
    )
    children: dict[int, list[int]] = defaultdict(list)
    user_of = {}
    for mid, uid, manager_id, _role in members:
        user_of[mid] = uid
        if manager_id:
            children[manager_id].append(mid)
    teams = {}
    for mid, uid, _m, role in members:
        if role != Role.MANAGER:
            continue
        seen, stack = {mid}, [mid]
        while stack:
            for child in children[stack.pop()]:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        teams[uid] = {user_of[m] for m in seen}
    return teams


__all__ = ["DEFAULT_SIMS", "Period", "snapshot_take"]
