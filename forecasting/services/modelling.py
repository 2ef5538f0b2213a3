"""Train the organization's win model, promote it when it beats the active one, score deals.

Training and scoring run as JobRuns (`forecasting.tasks`); these services do the work and are
called by the tasks, the commands and the tests alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from forecasting.engine import (
    SMALL_DATA_THRESHOLD,
    DealFacts,
    WinModel,
    actions,
    build_features,
    evaluate,
    from_day,
    narrative,
    score_open,
    to_day,
    train_win_model,
)
from forecasting.models import DealScore, ModelKind, ModelVersion
from forecasting.selectors.dataset import Dataset, dataset_load, organization_today
from revops.exceptions import ApplicationError
from revops.models import Organization
from revops.services.audit import audit_record
from revops.services.jobs import job_enqueue

TRAIN_KIND = "forecasting.train"
SCORE_KIND = "forecasting.score"
SNAPSHOT_KIND = "forecasting.snapshot"
_FOUR = Decimal("0.0001")
# Scores are written in batches: a few hundred rows per INSERT keeps SQLite under its
# variable limit and the progress bar moving.
SCORE_BATCH = 500

Progress = Callable[[int, int], None]


def _noop(done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class TrainOutcome:
    version: ModelVersion
    promoted: bool

    def as_counts(self) -> dict:
        return {
            "model_version": self.version.number,
            "promoted": self.promoted,
            "closed_deals": self.version.counts.get("closed_deals", 0),
            **{k: v for k, v in self.version.metrics.items() if k in ("auc", "brier", "ece")},
        }


def win_model_train(
    *,
    organization: Organization,
    actor=None,
    job_run_id: int | None = None,
    progress: Progress = _noop,
    small_data: bool = False,
    data: Dataset | None = None,
) -> TrainOutcome:
    """Train a model on every closed deal and promote it if it beats the active one on the
    new model's holdout (lower Brier score on the same test examples); the first model is
    promoted. Small-data mode engages by itself below the engine's threshold, or when asked
    (``small_data``: the demo, where a few seconds matter more than the last point of AUC).
    ``data``: the organization's dataset when the caller has just loaded it."""
    data = data or dataset_load(organization)
    if data.table.closed_count == 0:
        raise ApplicationError("No closed deals yet: a win model needs won and lost deals to learn from.")
    progress(1, 4)
    touches_for = data.touches_for(organization)
    try:
        result = train_win_model(
            data.table,
            touches_for=touches_for,
            small_data_threshold=10**9 if small_data else SMALL_DATA_THRESHOLD,
        )
    except ValueError as exc:
        raise ApplicationError(str(exc)) from exc
    progress(3, 4)
    active = ModelVersion.objects.filter(organization=organization, status=ModelVersion.Status.ACTIVE).first()
    new_brier = result.metrics.brier if result.metrics else None
    promoted, note = True, "First model of the organization."
    if active is not None:
        old_brier = _holdout_brier(WinModel.from_json(active.artifact), data, result, touches_for)
        if new_brier is None or old_brier is None:
            promoted, note = False, "No holdout with both outcomes to compare on; the active model stays."
        elif new_brier < old_brier:
            note = (
                f"Holdout Brier {new_brier:.4f} beats v{active.number}'s {old_brier:.4f} on the same deals."
            )
        else:
            promoted = False
            note = f"Holdout Brier {new_brier:.4f} does not beat v{active.number}'s {old_brier:.4f}; not promoted."
    closed = data.table.won >= 0
    with transaction.atomic():
        number = (
            ModelVersion.objects.filter(organization=organization).aggregate(m=Max("number"))["m"] or 0
        ) + 1
        if promoted and active is not None:
            ModelVersion.objects.filter(pk=active.pk).update(status=ModelVersion.Status.RETIRED)
        metrics = result.metrics.as_dict() if result.metrics else {}
        version = ModelVersion(
            organization=organization,
            number=number,
            kind=ModelKind.LIGHTGBM if result.model.kind == "lightgbm" else ModelKind.BETA,
            label=result.model.label,
            status=ModelVersion.Status.ACTIVE if promoted else ModelVersion.Status.CANDIDATE,
            window_start=from_day(int(data.table.created[closed].min())),
            window_end=from_day(int(data.table.closed[closed].max())),
            features=list(result.model.feature_names),
            metrics={k: v for k, v in metrics.items() if k != "reliability"},
            reliability=metrics.get("reliability", []),
            importance=result.model.importance,
            counts=result.counts,
            calibration={"method": result.model.calibrator.method, "losses": result.calibration_losses},
            timing_coverage=None if np.isnan(result.timing_coverage) else result.timing_coverage,
            promotion_note=note,
            artifact=result.model.to_json(),
            job_run_id=job_run_id,
        )
        version.full_clean()
        version.save()
        audit_record(
            organization=organization,
            actor=actor,
            action="forecasting.model_train",
            obj=version,
            after={"number": number, "status": version.status, "label": version.label},
            reason=note,
        )
    progress(4, 4)
    return TrainOutcome(version, promoted)


def _holdout_brier(model: WinModel, data: Dataset, result, touches_for) -> float | None:
    ex = result.holdout
    if len(ex) == 0 or ex.label is None or not 0 < ex.label.sum() < len(ex):
        return None
    fm = build_features(data.table, ex, vocab=model.vocab, touches=touches_for(ex))
    return evaluate(model.probability(fm), ex.label.astype(float)).brier


def active_model(organization: Organization) -> ModelVersion | None:
    return ModelVersion.objects.filter(organization=organization, status=ModelVersion.Status.ACTIVE).first()


def deals_score(
    *,
    organization: Organization,
    as_of: dt.date | None = None,
    progress: Progress = _noop,
    data: Dataset | None = None,
) -> dict[str, int]:
    """Score every deal open on ``as_of`` (today) with the active model; one row per deal and
    day (a second run the same day changes nothing), the newest marked current."""
    version = active_model(organization)
    if version is None:
        raise ApplicationError("No active win model: train one first (manage.py train_win_model).")
    model = WinModel.from_json(version.artifact)
    day = as_of or organization_today(organization)
    data = data or dataset_load(organization)
    batch = score_open(model, data.table, to_day(day), touches_for=data.touches_for(organization))
    team_rate = float(np.mean(data.table.won[data.table.won >= 0])) if data.table.closed_count else 0.5
    names = batch.features.names
    col = names.index
    existing = set(
        DealScore.objects.filter(organization=organization, as_of=day, model_version=version).values_list(
            "opportunity_id", flat=True
        )
    )
    index = {int(pk): i for i, pk in enumerate(data.table.ids)}
    rows = []
    for i, deal_id in enumerate(batch.deal_ids.tolist()):
        if deal_id in existing:
            continue
        pred = batch.prediction(i, model)
        values = batch.features.values[i]
        stage_code = int(values[col("stage")])
        facts = DealFacts(
            name=data.names[deal_id],
            probability=pred.probability,
            risk=pred.risk,
            risk_band=pred.risk_band,
            stage=model.stages[stage_code].replace("_", " ").capitalize(),
            days_in_stage=float(values[col("days_in_stage")]),
            typical_days=model.typical_stage_days[stage_code],
            pushes=int(values[col("close_date_pushes")]),
            touch_count=float(values[col("touch_count")]),
            days_since_touch=float(values[col("days_since_last_touch")]),
            owner_rate=float(values[col("owner_win_rate")]),
            team_rate=team_rate,
            days_to_close=pred.days_to_close,
            model_label=version.source_label,
        )
        steps = actions(facts)
        amount = Decimal(str(data.table.amount[index[deal_id]])).quantize(Decimal("0.01"))
        rows.append(
            DealScore(
                organization=organization,
                opportunity_id=deal_id,
                model_version=version,
                as_of=day,
                probability=Decimal(str(pred.probability)).quantize(_FOUR, rounding=ROUND_HALF_EVEN),
                risk=pred.risk,
                risk_band=pred.risk_band,
                days_p10=round(pred.days_to_close[0]),
                days_p50=round(pred.days_to_close[1]),
                days_p90=round(pred.days_to_close[2]),
                amount=amount,
                stage=model.stages[stage_code],
                expected_close_date=data.expected_close.get(deal_id),
                drivers=[
                    {"feature": d.feature, "points": round(d.points, 1), "text": d.text} for d in pred.drivers
                ],
                actions=list(steps),
                narrative=narrative(facts, pred.drivers, steps),
                features={k: (None if np.isnan(v) else round(v, 4)) for k, v in pred.features.items()},
            )
        )
    total = len(rows)
    with transaction.atomic():
        scored = [r.opportunity_id for r in rows]
        for start in range(0, total, SCORE_BATCH):
            chunk = scored[start : start + SCORE_BATCH]
            DealScore.objects.filter(
                organization=organization, opportunity_id__in=chunk, is_current=True
            ).update(is_current=False)
            DealScore.objects.bulk_create(rows[start : start + SCORE_BATCH])
            progress(min(start + SCORE_BATCH, total), total)
        # Deals no longer open keep their history but are no longer current.
        DealScore.objects.filter(organization=organization, is_current=True).exclude(
            opportunity__stage__in=list(model.stages)
        ).update(is_current=False)
    return {"scored": total, "unchanged": len(existing), "model_version": version.number}


def train_enqueue(*, organization: Organization, actor, key: str) -> tuple:
    """Queue a training run (idempotent per key); the run queues scoring when it is done."""
    return job_enqueue(organization=organization, kind=TRAIN_KIND, idempotency_key=key, started_by=actor)


def score_enqueue(*, organization: Organization, actor, key: str) -> tuple:
    return job_enqueue(organization=organization, kind=SCORE_KIND, idempotency_key=key, started_by=actor)


def everywhere_enqueue(*, kind: str, key_prefix: str, params: dict | None = None) -> int:
    """Queue one job of ``kind`` per organization with an active model, keyed by the day."""
    day = timezone.now().date().isoformat()
    queued = 0
    for org in Organization.objects.filter(
        pk__in=ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values("organization_id")
    ):
        _, created = job_enqueue(
            organization=org, kind=kind, idempotency_key=f"{key_prefix}-{day}", params=params
        )
        queued += created
    return queued
