"""Scoring reads only the open deals and counts the closed ones in the database: the features,
probabilities, risk, bands and drivers it writes are those of the full dataset and LightGBM's
own contributions (the reference path kept here)."""

import datetime as dt
import json
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pytest

from forecasting.engine import (
    DealFacts,
    WinModel,
    actions,
    build_features,
    drivers,
    narrative,
    open_examples,
    risk_band,
    score,
    to_day,
    vocabulary,
)
from forecasting.models import DealScore
from forecasting.selectors.dataset import dataset_load, scoring_dataset_load
from forecasting.services.modelling import active_model, deals_score, features_json, win_model_train
from revops.models import Opportunity
from revops.models.crm import Stage
from tests.forecasting.conftest import TODAY

pytestmark = pytest.mark.django_db


def _closed_after(org, day: dt.date) -> Opportunity:
    """A deal won after ``day``: still open on it, so scored as of it."""
    deal = Opportunity.objects.filter(organization=org, stage=Stage.QUALIFICATION).order_by("id").first()
    Opportunity.objects.filter(pk=deal.pk).update(
        stage=Stage.CLOSED_WON, close_date=day + dt.timedelta(days=3)
    )
    return deal


@pytest.mark.parametrize("_case,days_back", [("today", 0), ("two months ago", 60)])
def test_scoring_dataset_gives_each_open_deal_the_features_the_full_dataset_gives(
    org, big_book, _case, days_back
):
    # given: a deal closed after the day (open on it) and one without an owner
    day = TODAY - dt.timedelta(days=days_back)
    late = _closed_after(org, day)
    Opportunity.objects.filter(pk=big_book[-1].pk).update(owner=None)
    full = dataset_load(org)
    vocab = vocabulary(full.table)
    # when
    part = scoring_dataset_load(org, day)
    # then: only the open deals are read, and their features are the full dataset's
    reference = open_examples(full.table, to_day(day))
    assert part.table.ids.tolist() == full.table.ids[reference.deal].tolist()
    assert late.pk in part.table.ids.tolist()
    expected = build_features(full.table, reference, vocab=vocab)
    got = build_features(
        part.table, open_examples(part.table, to_day(day)), vocab=vocab, history=part.history
    )
    assert got.names == expected.names
    np.testing.assert_array_equal(got.values, expected.values)
    assert part.team_rate == full.team_rate
    assert 0 < len(part.table) < len(full.table)


def test_closed_deal_counts_refuse_examples_of_another_day(org, big_book):
    part = scoring_dataset_load(org, TODAY)
    ex = open_examples(part.table, to_day(TODAY))
    shifted = type(ex)(ex.deal, ex.day - 1)
    with pytest.raises(ValueError, match=f"as of day {to_day(TODAY)}"):
        build_features(part.table, shifted, vocab={}, history=part.history)


def _reference_rows(org, day: dt.date) -> dict[int, dict]:
    """What the scoring path wrote before: the full dataset, LightGBM's ``pred_contrib`` for
    the drivers, the drivers' text, actions and analysis one deal at a time."""
    version = active_model(org)
    model = WinModel.from_json(version.artifact)
    data = dataset_load(org)
    ex = open_examples(data.table, to_day(day))
    batch = score(model, data.table, ex, touches=data.touches_for(org)(ex))
    fm = batch.features
    contrib = np.asarray(model._booster.predict(fm.values, pred_contrib=True))
    raw = contrib.sum(axis=1)
    feats = contrib[:, :-1]
    points = (
        model.calibrator(raw)[:, None] - model.calibrator((raw[:, None] - feats).ravel()).reshape(feats.shape)
    ) * 100
    out = {}
    for i, deal_id in enumerate(batch.deal_ids.tolist()):
        top = drivers(
            points[i],
            fm.values[i],
            names=fm.names,
            stages=model.stages,
            typical=model.typical_stage_days,
            vocab=model.vocab,
        )
        days = np.rint(batch.days_to_close[i]).astype(int).tolist()
        values = dict(zip(fm.names, fm.values[i].tolist(), strict=True))
        code = int(np.nan_to_num(values["stage"]))
        facts = DealFacts(
            name=data.names[deal_id],
            probability=float(batch.probability[i]),
            risk=int(batch.risk[i]),
            risk_band=risk_band(int(batch.risk[i])),
            stage=model.stages[code].replace("_", " ").capitalize(),
            days_in_stage=values["days_in_stage"],
            typical_days=model.typical_stage_days[code],
            pushes=int(np.nan_to_num(values["close_date_pushes"])),
            touch_count=values["touch_count"],
            days_since_touch=values["days_since_last_touch"],
            owner_rate=values["owner_win_rate"],
            team_rate=data.team_rate,
            days_to_close=tuple(float(d) for d in batch.days_to_close[i]),
            model_label=version.source_label,
        )
        steps = actions(facts)
        out[deal_id] = {
            "probability": Decimal(str(batch.probability[i])).quantize(
                Decimal("0.0001"), rounding=ROUND_HALF_EVEN
            ),
            "risk": int(batch.risk[i]),
            "risk_band": risk_band(int(batch.risk[i])),
            "days": days,
            "drivers": [{"feature": d.feature, "points": round(d.points, 1), "text": d.text} for d in top],
            "actions": list(steps),
            "narrative": narrative(facts, top, steps),
            "features": {
                n: None if np.isnan(v) else round(float(v), 4)
                for n, v in zip(fm.names, fm.values[i].tolist(), strict=True)
            },
        }
    return out


def test_deals_score_writes_the_reference_paths_probabilities_risk_bands_drivers_and_text(org, big_book):
    # given: a LightGBM model, and a deal closed after the day
    win_model_train(organization=org)
    assert active_model(org).kind == "lightgbm"
    _closed_after(org, TODAY)
    reference = _reference_rows(org, TODAY)
    # when
    counts = deals_score(organization=org, as_of=TODAY)
    # then
    rows = {
        s.opportunity_id: {
            "probability": s.probability,
            "risk": s.risk,
            "risk_band": s.risk_band,
            "days": [s.days_p10, s.days_p50, s.days_p90],
            "drivers": s.drivers,
            "actions": s.actions,
            "narrative": s.narrative,
            "features": s.features,
        }
        for s in DealScore.objects.filter(organization=org, as_of=TODAY)
    }
    assert counts["scored"] == len(reference) == len(rows)
    assert rows == reference
    assert sum(len(r["drivers"]) for r in rows.values()) > len(rows)
    assert sum(len(r["actions"]) for r in rows.values()) > 0


def test_features_json_is_the_text_json_writes_for_the_features():
    # given: unknown values, rounding, and names JSON and %-formatting must escape
    names = ("stage", 'say "hi"', "100% sure", "é")
    values = np.array([[1.0, np.nan, 0.123456, -2.5], [np.nan, 3.0, 1e-7, 12345.67891]])
    # when
    text = features_json(names, values)
    # then
    expected = [
        json.dumps(
            {n: None if np.isnan(v) else round(v, 4) for n, v in zip(names, row, strict=True)},
            ensure_ascii=False,
        )
        for row in values.tolist()
    ]
    assert text == expected
    assert json.loads(text[0]) == {"stage": 1.0, 'say "hi"': None, "100% sure": 0.1235, "é": -2.5}
