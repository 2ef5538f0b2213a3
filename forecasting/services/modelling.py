"""Train the organization's win model, promote it when it beats the active one, score deals.

Training and scoring run as JobRuns (`forecasting.tasks`); these services do the work and are
called by the tasks, the commands and the tests alike.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import islice

import numpy as np
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from forecasting.engine import (
    SMALL_DATA_THRESHOLD,
    WinModel,
    build_features,
    evaluate,
    from_day,
    risk_band,
    score_open,
    to_day,
    top_drivers,
    train_win_model,
)
from forecasting.engine.texts import DealColumns, deal_texts
from forecasting.models import CurrentScores, DealScore, ModelKind, ModelVersion
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
    day (a second run the same day changes nothing); the run's rows become the current ones
    (``CurrentScores``)."""
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
    rows = _score_rows(organization, version, model, data, batch, keep, day, team_rate, copy)
    total = int(keep.sum())
    progress(0, total)
    with transaction.atomic():
        if copy:
            # One COPY fed while the rows are made (chunk by chunk), so the server parses and
            # indexes one chunk while the next is computed; nothing else uses the connection
            # meanwhile.
            bulk_insert(DealScore, _SCORE_FIELDS, rows)
            progress(total, total)
        else:
            done = 0
            while chunk := list(islice(rows, SCORE_BATCH)):
                DealScore.objects.bulk_create(
                    [DealScore(**dict(zip(_SCORE_FIELDS, r, strict=True))) for r in chunk]
                )
                done += len(chunk)
                progress(done, total)
        # The day's rows become current by moving the organization's pointer to them: one row
        # changes, yesterday's scores stay as they are (history). Deals closed since are left
        # out by the readers (``DealScore.objects.current()``).
        CurrentScores.objects.update_or_create(
            organization=organization, defaults={"as_of": day, "model_version": version}
        )
    return {"scored": total, "unchanged": len(existing), "model_version": version.number}


# Column order of a score row (``_score_rows``).
_SCORE_FIELDS = (
    "organization_id",
    "opportunity_id",
    "model_version_id",
    "as_of",
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
# Deals whose text is made at once before their rows go to the database: small enough that
# the COPY starts early and overlaps the rest, large enough that the per-column work is not
# repeated often.
TEXT_CHUNK = 10_000
# Text that JSON (and so PostgreSQL's jsonb parser) takes between quotes as it is.
_JSON_PLAIN = re.compile(r'[^"\\\x00-\x1f]*').fullmatch


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


def _json_string(text: str) -> str:
    return f'"{text}"' if _JSON_PLAIN(text) else json.dumps(text, ensure_ascii=False)


def _plain_string(text: str) -> str:
    return f'"{text}"'


def drivers_json(drivers: list[list[tuple[str, float, str]]]) -> list[str]:
    """Each deal's drivers as the JSON text of ``[{"feature", "points", "text"}, ...]``."""
    # One look at all the text decides whether any of it needs escaping (rarely: a category
    # with a quote or a backslash).
    plain = _JSON_PLAIN("".join(t for top in drivers for _, _, t in top))
    quote = _plain_string if plain else _json_string
    names: dict[str, str] = {}
    out = []
    for top in drivers:
        parts = []
        for feature, points, text in top:
            name = names.get(feature)
            if name is None:
                name = names[feature] = json.dumps(feature, ensure_ascii=False)
            parts.append(f'{{"feature": {name}, "points": {points!r}, "text": {quote(text)}}}')
        out.append("[" + ", ".join(parts) + "]")
    return out


def actions_json(actions: list[list[str]]) -> list[str]:
    """Each deal's actions as the JSON text of a list of strings."""
    plain = _JSON_PLAIN("".join(t for steps in actions for t in steps))
    quote = _plain_string if plain else _json_string
    return ["[" + ", ".join(map(quote, steps)) + "]" for steps in actions]


def _score_rows(organization, version, model: WinModel, data: Dataset, batch, keep, day, team_rate, as_text):
    """One tuple per deal to write, in ``_SCORE_FIELDS`` order, made ``TEXT_CHUNK`` deals at a
    time. Column work is done on whole arrays (drivers chosen by ``argpartition``, risk
    bands, rounding, the drivers', actions' and analyses' text (``engine.texts``), and the JSON
    text of drivers, actions and features when ``as_text``, for COPY); what is left per deal
    is the row's tuple."""
    fm = batch.features
    names = fm.names
    col = names.index
    chosen = top_drivers(batch.points)
    org_id, version_id = organization.pk, version.pk
    index = np.searchsorted(data.table.ids, batch.deal_ids)
    for start in range(0, len(batch.deal_ids), TEXT_CHUNK):
        part = slice(start, start + TEXT_CHUNK)
        rows = np.flatnonzero(keep[part]) + start
        if len(rows) == 0:
            continue
        values = fm.values[rows]
        deal_ids = batch.deal_ids[rows].tolist()
        stage_codes = np.nan_to_num(values[:, col("stage")]).astype(int)
        ttc = batch.days_to_close[rows]
        risk = batch.risk[rows]
        bands = [risk_band(r) for r in risk.tolist()]
        probability = batch.probability[rows]
        top = chosen[rows]
        texts = deal_texts(
            DealColumns(
                names=[data.names[d] for d in deal_ids],
                probability=probability,
                risk=risk,
                risk_band=bands,
                stage=stage_codes,
                days_in_stage=values[:, col("days_in_stage")],
                pushes=np.nan_to_num(values[:, col("close_date_pushes")]).astype(int),
                touch_count=values[:, col("touch_count")],
                days_since_touch=values[:, col("days_since_last_touch")],
                owner_rate=values[:, col("owner_win_rate")],
                days_to_close=ttc,
                chosen=top,
                points=np.take_along_axis(batch.points[rows], top, axis=1),
                values=np.take_along_axis(values, top, axis=1),
            ),
            features=names,
            stages=model.stages,
            typical=model.typical_stage_days,
            vocab=model.vocab,
            team_rate=team_rate,
            model_label=version.source_label,
        )
        if as_text:
            drivers: list = drivers_json(texts.drivers)
            actions_out: list = actions_json(texts.actions)
            feature_values: list = features_json(names, values)
        else:
            drivers = [[{"feature": f, "points": p, "text": t} for f, p, t in deal] for deal in texts.drivers]
            actions_out = texts.actions
            rounded = np.round(values, 4).astype(object)
            rounded[np.isnan(values)] = None
            feature_values = [dict(zip(names, row, strict=True)) for row in rounded.tolist()]
        days = np.rint(ttc).astype(int).tolist()
        amounts = data.table.amount[index[rows]].tolist()
        stages = [model.stages[c] for c in stage_codes.tolist()]
        expected = data.expected_close
        for i, (deal_id, p, r) in enumerate(zip(deal_ids, probability.tolist(), risk.tolist(), strict=True)):
            yield (
                org_id,
                deal_id,
                version_id,
                day,
                Decimal(str(p)).quantize(_FOUR, rounding=ROUND_HALF_EVEN),
                r,
                bands[i],
                days[i][0],
                days[i][1],
                days[i][2],
                Decimal(str(amounts[i])).quantize(_CENT),
                stages[i],
                expected.get(deal_id),
                drivers[i],
                actions_out[i],
                feature_values[i],
                texts.narratives[i],
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
