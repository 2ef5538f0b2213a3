"""The drivers', actions' and analyses' text made for many deals at once is, deal by deal, the
text `drivers_at`, `actions` and `narrative` write for one; the JSON text written for COPY reads
back as the lists it stands for."""

import json

import numpy as np

from forecasting.engine import DealFacts, actions, drivers_at, narrative, top_drivers
from forecasting.engine.texts import DealColumns, deal_texts
from forecasting.services.modelling import actions_json, drivers_json

NAMES = (
    "stage",
    "days_in_stage",
    "age_days",
    "log_amount",
    "owner_win_rate",
    "owner_closed_deals",
    "close_date_pushes",
    "partner_involved",
    "touch_count",
    "days_since_last_touch",
    "segment",
)
STAGES = ("prospecting", "qualification", "proposal", "negotiation")
TYPICAL = (12.0, 20.0, 30.0, float("nan"))
VOCAB = {"segment": ['Mid "market"', "Back\\slash", "Tab\there"]}
LABEL = "LightGBM (calibrated) v3"
TEAM = 0.31


def _world(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    values = np.column_stack(
        [
            rng.integers(0, len(STAGES), n),
            rng.choice([0.0, -0.0, 3.0, 12.5, 45.0, 200.0, np.nan], n),
            rng.integers(0, 400, n).astype(float),
            np.log1p(rng.uniform(100, 2e6, n)),
            rng.choice([0.125, 0.2, 0.005, 0.9, np.nan], n),
            rng.integers(0, 50, n).astype(float),
            rng.choice([0.0, 1.0, 2.0, 5.0, np.nan], n),
            rng.integers(0, 2, n).astype(float),
            rng.choice([0.0, 1.0, 4.0, np.nan], n),
            rng.choice([2.0, 30.0, 31.0, 90.5, np.nan], n),
            rng.integers(-1, 4, n).astype(float),
        ]
    )
    points = rng.normal(0, 4, (n, len(NAMES)))
    points[rng.random((n, len(NAMES))) < 0.2] = 0.49
    probability = rng.uniform(0, 1, n)
    probability[:5] = [0.125, 0.195, 0.5, 0.005, 0.0]
    risk = rng.integers(0, 101, n)
    ttc = np.sort(rng.uniform(0, 200, (n, 3)), axis=1)
    ttc[0] = [2.5, 3.5, 10.5]
    return values, points, probability, risk, ttc


def test_texts_made_at_once_are_the_texts_made_one_deal_at_a_time():
    # given: deals with unknown values, -0.0, rates on rounding edges, stages without a
    # typical time, small drivers left out, categories with quotes, backslashes and tabs
    n = 600
    values, points, probability, risk, ttc = _world(n)
    chosen = top_drivers(points)
    chosen_points = np.take_along_axis(points, chosen, axis=1)
    chosen_values = np.take_along_axis(values, chosen, axis=1)
    stage = np.nan_to_num(values[:, 0]).astype(int)
    pushes = np.nan_to_num(values[:, 6]).astype(int)
    bands = ["high" if r >= 60 else "medium" if r >= 35 else "low" for r in risk.tolist()]
    names = [f"Deal {i}" for i in range(n)]
    # when
    texts = deal_texts(
        DealColumns(
            names=names,
            probability=probability,
            risk=risk,
            risk_band=bands,
            stage=stage,
            days_in_stage=values[:, 1],
            pushes=pushes,
            touch_count=values[:, 8],
            days_since_touch=values[:, 9],
            owner_rate=values[:, 4],
            days_to_close=ttc,
            chosen=chosen,
            points=chosen_points,
            values=chosen_values,
        ),
        features=NAMES,
        stages=STAGES,
        typical=TYPICAL,
        vocab=VOCAB,
        team_rate=TEAM,
        model_label=LABEL,
    )
    # then: each deal's drivers, actions and analysis as the one-deal functions write them
    for i in range(n):
        top = drivers_at(
            chosen[i].tolist(),
            chosen_points[i].tolist(),
            chosen_values[i].tolist(),
            int(stage[i]),
            names=NAMES,
            stages=STAGES,
            typical=TYPICAL,
            vocab=VOCAB,
        )
        facts = DealFacts(
            name=names[i],
            probability=float(probability[i]),
            risk=int(risk[i]),
            risk_band=bands[i],
            stage=STAGES[stage[i]].capitalize(),
            days_in_stage=float(values[i, 1]),
            typical_days=TYPICAL[stage[i]],
            pushes=int(pushes[i]),
            touch_count=float(values[i, 8]),
            days_since_touch=float(values[i, 9]),
            owner_rate=float(values[i, 4]),
            team_rate=TEAM,
            days_to_close=(float(ttc[i, 0]), float(ttc[i, 1]), float(ttc[i, 2])),
            model_label=LABEL,
        )
        steps = actions(facts)
        assert texts.drivers[i] == [(d.feature, round(d.points, 1), d.text) for d in top], i
        assert texts.actions[i] == list(steps), i
        assert texts.narratives[i] == narrative(facts, top, steps), i
    # and the cases this world is made of do occur
    assert any(len(d) < 4 for d in texts.drivers)
    assert any("unknown" in t for d in texts.drivers for _, _, t in d)
    assert any('"market"' in t for d in texts.drivers for _, _, t in d)
    assert sum(len(a) >= 2 for a in texts.actions) > 10


def test_json_text_for_copy_reads_back_as_the_lists():
    # given: text JSON must escape (quotes, backslashes, control characters) and text it need not
    drivers = [
        [("segment", 4.5, 'Segment: Mid "market": +4 pts'), ("stage", -0.5, "In Proposal: −0 pts")],
        [],
        [("segment", 1.0, "Segment: Back\\slash\tand\nline: +1 pts")],
    ]
    steps = [["Re-engage: no activity for 31 days.", 'Say "hi"\\now'], [], ["Tab\there"]]
    # when
    drivers_text, actions_text = drivers_json(drivers), actions_json(steps)
    # then
    assert [json.loads(t) for t in drivers_text] == [
        [{"feature": f, "points": p, "text": t} for f, p, t in deal] for deal in drivers
    ]
    assert [json.loads(t) for t in actions_text] == steps
    # and text that needs no escaping anywhere is written as it is
    plain = [[("stage", 2.0, "In Proposal: +2 pts"), ("age_days", -1.5, "Deal is 3 days old: −2 pts")]]
    assert json.loads(drivers_json(plain)[0]) == [
        {"feature": f, "points": p, "text": t} for f, p, t in plain[0]
    ]
    assert json.loads(actions_json([["Re-engage: no activity for 31 days."]])[0]) == [
        "Re-engage: no activity for 31 days."
    ]
