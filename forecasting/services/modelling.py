"""Train the organization's win model, promote it when it beats the active one, score deals.

Training and scoring run as JobRuns (`forecasting.tasks`); these services do the work and are
called by the tasks, the commands and the tests alike.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from forecasting.engine import (
    SMALL_DATA_THRESHOLD,
    DealFacts,
    WinModel,
    actions,
    build_features,
    drivers_at,
    evaluate,
    from_day,
    narrative,
    risk_band,
    score_open,
    to_day,
    top_drivers,
    train_win_model,
)
from forecasting.models import DealScore, ModelKind, ModelVersion
from forecasting.selectors.dataset import Dataset, dataset_load, organization_today, scoring_dataset_load
from revops.bulk import bulk_insert
from revops.exceptions import ApplicationError
from revops.models import Organization
from revops.services.audit import audit_record
from revops.services.jobs import job_enqueue

TRAIN_KIND = "forecasting.train"
SCORE_KIND = "forecasting.score"
SNAPSHOT_KIND = "forecasting.snapshot"
_FOUR = Decimal("0.0001")
_CENT = Decimal("0.01")
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
    # Only the open deals and the closed ones' counts are read (``scoring_dataset_load``);
    # a caller holding the whole dataset passes it, and gets the same features.
    data = data or scoring_dataset_load(organization, day)
    batch = score_open(
        model, data.table, to_day(day), touches_for=data.touches_for(organization), history=data.history
    )
    team_rate = data.team_rate
    existing = set(
        DealScore.objects.filter(organization=organization, as_of=day, model_version=version).values_list(
            "opportunity_id", flat=True
        )
    )
    keep = np.array([int(pk) not in existing for pk in batch.deal_ids.tolist()], dtype=bool)
    copy = connection.vendor == "postgresql"
    rows = list(_score_rows(organization, version, model, data, batch, keep, day, team_rate, copy))
    total = len(rows)
    progress(0, total)
    with transaction.atomic():
        # The rows written now become current: every other current row of the organization
        # steps down in one statement, except today's rows by this model (deals already scored).
        DealScore.objects.filter(organization=organization, is_current=True).exclude(
            as_of=day, model_version=version
        ).update(is_current=False)
        if copy:
            # One COPY (jsonb read from its text form; the features' text is already rendered);
            # nothing else uses the connection meanwhile.
            bulk_insert(
                DealScore,
                _SCORE_FIELDS,
                (
                    (
                        *r[:_JSON_AT],
                        json.dumps(r[_JSON_AT], ensure_ascii=False),
                        json.dumps(r[_JSON_AT + 1], ensure_ascii=False),
                        *r[_FEATURES_AT:],
                    )
                    for r in rows
                ),
            )
            progress(total, total)
        else:
            for start in range(0, total, SCORE_BATCH):
                DealScore.objects.bulk_create(
                    [
                        DealScore(**dict(zip(_SCORE_FIELDS, r, strict=True)))
                        for r in rows[start : start + SCORE_BATCH]
                    ]
                )
                progress(min(start + SCORE_BATCH, total), total)
        # Deals no longer open keep their history but are no longer current.
        DealScore.objects.filter(organization=organization, is_current=True).exclude(
            opportunity__stage__in=list(model.stages)
        ).update(is_current=False)
    return {"scored": total, "unchanged": len(existing), "model_version": version.number}


# Column order of a score row (``_score_rows``); the JSON columns sit together.
_SCORE_FIELDS = (
    "organization_id",
    "opportunity_id",
    "model_version_id",
    "as_of",
    "is_current",
    "probability",
    "risk",
    "risk_band",
    "days_p10",
    "days_p50",
    "days_p90",
    "amount",
    "stage",
    "expected_close_date",
    "drivers",
    "actions",
    "features",
    "narrative",
)
_JSON_AT = _SCORE_FIELDS.index("drivers")
_FEATURES_AT = _SCORE_FIELDS.index("features")


def features_json(names: tuple[str, ...], values: np.ndarray) -> list[str]:
    """Each row's features as the JSON text of ``{name: value rounded to 4 places}`` (null
    when unknown), rendered column by column: the text ``json.dumps`` writes for that dict."""
    rounded = np.round(values, 4)
    columns = []
    for j in range(values.shape[1]):
        text = list(map(repr, rounded[:, j].tolist()))
        for i in np.flatnonzero(~np.isfinite(values[:, j])).tolist():
            text[i] = "null" if np.isnan(values[i, j]) else json.dumps(float(values[i, j]))
        columns.append(text)
    # Names are escaped for %-formatting; each value is one %s.
    keys = [json.dumps(n, ensure_ascii=False).replace("%", "%%") for n in names]
    template = "{" + ", ".join(f"{k}: %s" for k in keys) + "}"
    return [template % row for row in zip(*columns, strict=True)]


def _score_rows(organization, version, model: WinModel, data: Dataset, batch, keep, day, team_rate, as_text):
    """One tuple per deal to write, in ``_SCORE_FIELDS`` order. Column work is done on whole
    arrays (drivers chosen by ``argpartition``, risk bands, rounding, the features' JSON text
    when ``as_text``, for COPY); what is left per deal is the text: drivers, actions and the
    analysis."""
    fm = batch.features
    names = fm.names
    col = names.index
    values = fm.values
    chosen = top_drivers(batch.points)
    chosen_points = np.take_along_axis(batch.points, chosen, axis=1).tolist()
    chosen_values = np.take_along_axis(values, chosen, axis=1).tolist()
    chosen = chosen.tolist()
    stage_codes = np.nan_to_num(values[:, col("stage")]).astype(int).tolist()
    days_in_stage = values[:, col("days_in_stage")].tolist()
    pushes = np.nan_to_num(values[:, col("close_date_pushes")]).astype(int).tolist()
    touches = values[:, col("touch_count")].tolist()
    since_touch = values[:, col("days_since_last_touch")].tolist()
    owner_rate = values[:, col("owner_win_rate")].tolist()
    if as_text:
        feature_values: list = features_json(names, values)
    else:
        rounded = np.round(values, 4).astype(object)
        rounded[np.isnan(values)] = None
        feature_values = [dict(zip(names, row, strict=True)) for row in rounded.tolist()]
    ttc = batch.days_to_close
    days = np.rint(ttc).astype(int).tolist()
    bands = [risk_band(r) for r in batch.risk.tolist()]
    index = np.searchsorted(data.table.ids, batch.deal_ids)
    amounts = data.table.amount[index].tolist()
    stage_names = [s.replace("_", " ").capitalize() for s in model.stages]
    label = version.source_label
    org_id, version_id = organization.pk, version.pk
    probability = batch.probability.tolist()
    risk = batch.risk.tolist()
    for i, deal_id in enumerate(batch.deal_ids.tolist()):
        if not keep[i]:
            continue
        code = stage_codes[i]
        top = drivers_at(
            chosen[i],
            chosen_points[i],
            chosen_values[i],
            code,
            names=names,
            stages=model.stages,
            typical=model.typical_stage_days,
            vocab=model.vocab,
        )
        band = (float(ttc[i, 0]), float(ttc[i, 1]), float(ttc[i, 2]))
        facts = DealFacts(
            name=data.names[deal_id],
            probability=probability[i],
            risk=risk[i],
            risk_band=bands[i],
            stage=stage_names[code],
            days_in_stage=days_in_stage[i],
            typical_days=model.typical_stage_days[code],
            pushes=pushes[i],
            touch_count=touches[i],
            days_since_touch=since_touch[i],
            owner_rate=owner_rate[i],
            team_rate=team_rate,
            days_to_close=band,
            model_label=label,
        )
        steps = actions(facts)
        yield (
            org_id,
            deal_id,
            version_id,
            day,
            True,
            Decimal(str(probability[i])).quantize(_FOUR, rounding=ROUND_HALF_EVEN),
            risk[i],
            bands[i],
            days[i][0],
            days[i][1],
            days[i][2],
            Decimal(str(amounts[i])).quantize(_CENT),
            model.stages[code],
            data.expected_close.get(deal_id),
            [{"feature": d.feature, "points": round(d.points, 1), "text": d.text} for d in top],
            list(steps),
            feature_values[i],
            narrative(facts, top, steps),
        )


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
