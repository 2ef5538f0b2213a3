"""The forecasting engine: leakage, calibration, small data, Monte Carlo, backtest coverage."""

import numpy as np
import pytest

from forecasting.engine import (
    BETA,
    LIGHTGBM,
    DealTable,
    Examples,
    actions,
    backtest,
    build_features,
    holt_forecast,
    pipeline_velocity,
    risk_scores,
    score_open,
    simulate,
    train_win_model,
    vocabulary,
)
from forecasting.engine.explain import DealFacts, narrative
from forecasting.engine.features import training_examples
from forecasting.engine.synthetic import STAGES, synthetic_world
from forecasting.engine.winmodel import WinModel


def _concat(table: DealTable, extra: DealTable) -> DealTable:
    """``table`` plus the deals and events of ``extra`` (indices shifted)."""
    n = len(table)
    cat = {k: np.concatenate([table.categoricals[k], extra.categoricals[k]]) for k in table.categoricals}
    hist_deal = np.concatenate([table.hist_deal, extra.hist_deal + n])
    hist_day = np.concatenate([table.hist_day, extra.hist_day])
    order = np.lexsort((hist_day, hist_deal))
    return DealTable(
        ids=np.concatenate([table.ids, extra.ids + table.ids.max()]),
        owner=np.concatenate([table.owner, extra.owner]),
        account=np.concatenate([table.account, extra.account]),
        created=np.concatenate([table.created, extra.created]),
        closed=np.concatenate([table.closed, extra.closed]),
        won=np.concatenate([table.won, extra.won]),
        amount=np.concatenate([table.amount, extra.amount]),
        stages=table.stages,
        hist_deal=hist_deal[order],
        hist_day=hist_day[order],
        hist_stage=np.concatenate([table.hist_stage, extra.hist_stage])[order],
        categoricals=cat,
        push_deal=np.concatenate([table.push_deal, extra.push_deal + n]),
        push_day=np.concatenate([table.push_day, extra.push_day]),
        partner_deal=np.concatenate([table.partner_deal, extra.partner_deal + n]),
        partner_day=np.concatenate([table.partner_day, extra.partner_day]),
    )


def test_features_as_of_a_day_do_not_change_when_later_data_is_added():
    # given: a world seen on day D, and the same world after more deals closed and moved later
    day = 18_400
    before, _ = synthetic_world(3_000, seed=3, today=day)
    after, _ = synthetic_world(3_000, seed=3, today=day + 400)
    later, _ = synthetic_world(500, seed=4, start_day=day + 1, span_days=200, today=day + 400)
    grown = _concat(after, later)
    open_then = np.flatnonzero((before.created <= day) & (before.won < 0))
    examples = Examples(open_then.astype(np.int64), np.full(len(open_then), day, np.int32))
    vocab = vocabulary(before)
    # when
    seen_then = build_features(before, examples, vocab=vocab)
    seen_later = build_features(grown, examples, vocab=vocab)
    # then: every feature as of D is identical, and the later outcomes are really there
    assert len(open_then) == 221
    assert int((grown.won[open_then] >= 0).sum()) == 221
    np.testing.assert_array_equal(seen_then.values, seen_later.values)


def test_owner_win_rate_counts_only_deals_closed_before_the_day():
    # given: one owner with a deal won on day 100 and a deal lost on day 200
    table = DealTable(
        ids=np.array([1, 2, 3]),
        owner=np.array([0, 0, 0], np.int32),
        account=np.array([-1, -1, -1], np.int32),
        created=np.array([10, 20, 30], np.int32),
        closed=np.array([100, 200, -1], np.int32),
        won=np.array([1, 0, -1], np.int8),
        amount=np.array([1.0, 1.0, 1.0]),
        stages=STAGES,
        hist_deal=np.zeros(0, np.int32),
        hist_day=np.zeros(0, np.int32),
        hist_stage=np.zeros(0, np.int16),
    )
    ex = Examples(np.array([2, 2, 2]), np.array([100, 150, 250], np.int32))
    # when
    fm = build_features(table, ex, vocab={})
    col = fm.names.index
    # then: on day 100 nothing had closed before; on 150 one win; on 250 a win and a loss
    np.testing.assert_array_equal(fm.values[:, col("owner_closed_deals")], [0, 1, 2])
    np.testing.assert_allclose(fm.values[:, col("owner_win_rate")], [0.5, 11 / 11, (1 + 5) / 12])


@pytest.fixture(scope="module")
def calibrated_world():
    table, p = synthetic_world(40_000, seed=11, today=18_000 + 900 + 400)
    return table, p, train_win_model(table, seed=0)


def test_calibrated_model_on_a_known_world_is_calibrated_and_near_the_optimal_brier(calibrated_world):
    # given: a world whose true probabilities are known
    table, p, result = calibrated_world
    ex = training_examples(table, seed=0)
    # the optimum: the Brier score the true probabilities get on the same test examples
    from forecasting.engine.winmodel import _split

    test = _split(table, ex) == 2
    y = ex.label[test].astype(float)
    optimum = float(np.mean((p[ex.deal[test]] - y) ** 2))
    # then
    assert result.model.kind == LIGHTGBM
    assert result.metrics is not None
    assert result.metrics.examples == int(test.sum())
    assert result.metrics.ece <= 0.03
    assert result.metrics.brier <= optimum * 1.05
    assert result.model.calibrator.method in {"isotonic", "sigmoid"}
    assert set(result.calibration_losses) == {"isotonic", "sigmoid"}


def test_model_round_trips_through_json_with_identical_predictions(calibrated_world):
    table, _, result = calibrated_world
    day = int(table.created.max())
    # when
    again = WinModel.from_json(result.model.to_json())
    a = score_open(result.model, table, day)
    b = score_open(again, table, day)
    # then
    np.testing.assert_array_equal(a.probability, b.probability)
    np.testing.assert_array_equal(a.days_to_close, b.days_to_close)


def test_drivers_are_plain_language_and_sum_close_to_the_probability_gap(calibrated_world):
    table, _, result = calibrated_world
    batch = score_open(result.model, table, int(table.created.max()))
    prediction = batch.prediction(0, result.model)
    assert 1 <= len(prediction.drivers) <= 4
    assert all(d.text.endswith("pts") for d in prediction.drivers)
    ranked = [abs(d.points) for d in prediction.drivers]
    assert ranked == sorted(ranked, reverse=True)
    assert 0 <= prediction.risk <= 100


def test_small_data_mode_engages_below_the_threshold_and_is_labelled():
    # given: 150 closed deals
    table, _ = synthetic_world(150, seed=5)
    # when
    result = train_win_model(table, seed=0)
    # then
    assert result.model.kind == BETA
    assert result.model.label == (
        f"Stage × segment win rate (small data: {result.counts['closed_deals']} closed deals)"
    )
    assert result.counts["closed_deals"] < 300
    batch = score_open(result.model, table, int(table.created.max()) - 30)
    assert np.all((batch.probability > 0) & (batch.probability < 1))
    assert result.model.timing.kind == "stage quantiles"


def test_large_world_uses_lightgbm_not_small_data():
    table, _ = synthetic_world(2_000, seed=5)
    assert train_win_model(table, seed=0).model.kind == LIGHTGBM


def test_monte_carlo_with_certain_deals_gives_the_exact_sum_at_every_quantile():
    # given: won-for-sure deals at fixed days and lost-for-sure ones
    amount = np.array([100.0, 250.5, 1000.0, 77.0])
    p = np.array([1.0, 1.0, 0.0, 1.0])
    ttc = np.array([[10, 10, 10], [40, 40, 40], [20, 20, 20], [95, 95, 95]], dtype=float)
    # when
    out, _ = simulate(amount, p, ttc, [(0, 30), (30, 90), (90, 180)], sims=2_000, seed=1)
    # then
    assert [(f.p10, f.p50, f.p90) for f in out] == [
        (100.0, 100.0, 100.0),
        (250.5, 250.5, 250.5),
        (77.0, 77.0, 77.0),
    ]


def test_monte_carlo_mean_matches_expected_value_and_is_seeded():
    rng = np.random.default_rng(0)
    amount = rng.lognormal(9, 1, 3_000)
    p = rng.random(3_000)
    ttc = np.column_stack([np.full(3_000, 1.0), np.full(3_000, 2.0), np.full(3_000, 3.0)])
    # when: every deal that wins closes within the period
    out, totals = simulate(amount, p, ttc, [(0, 90)], sims=5_000, seed=7)
    _, totals2 = simulate(amount, p, ttc, [(0, 90)], sims=5_000, seed=7)
    # then
    expected = float((p * amount).sum())
    assert abs(out[0].mean - expected) / expected < 0.01
    np.testing.assert_array_equal(totals, totals2)
    assert out[0].p10 < out[0].p50 < out[0].p90


def test_probability_of_reaching_a_target():
    amount = np.array([100.0, 100.0])
    p = np.array([0.5, 0.5])
    ttc = np.ones((2, 3))
    out, _ = simulate(amount, p, ttc, [(0, 30)], sims=20_000, seed=3, targets=[150.0])
    assert abs(out[0].probability_of_target - 0.25) < 0.02


def test_backtest_on_a_seeded_world_covers_about_80_percent_of_close_days():
    table, _ = synthetic_world(20_000, seed=21, span_days=1000)
    last = int(table.created.max())
    quarters = [(last - 91 * q, last - 91 * (q - 1)) for q in (4, 3, 2)]
    # when
    results = backtest(table, quarters, sims=2_000, seed=0)
    # then
    won = sum(r.won_deals for r in results)
    inside = sum(r.won_in_time_band for r in results)
    assert won > 1_000
    assert abs(inside / won - 0.80) <= 0.05
    assert all(r.p10 <= r.p50 <= r.p90 for r in results)


def test_risk_rises_with_loss_stagnation_slippage_and_size():
    base = risk_scores(
        np.array([0.8, 0.2]),
        np.array([10.0, 10.0]),
        np.array([20.0, 20.0]),
        np.zeros(2),
        np.array([5.0, 5.0]),
        np.array([1.0, 1.0]),
    )
    assert base[1] > base[0]
    stalled = risk_scores(
        np.array([0.5]),
        np.array([60.0]),
        np.array([20.0]),
        np.array([3.0]),
        np.array([90.0]),
        np.array([1.0]),
    )
    assert stalled[0] == round(100 * (0.45 * 0.5 + 0.20 + 0.15 + 0.10))


def test_actions_and_narrative_follow_the_rule_table():
    facts = DealFacts(
        name="Big deal",
        probability=0.12,
        risk=72,
        risk_band="high",
        stage="Qualification",
        days_in_stage=60,
        typical_days=20,
        pushes=2,
        touch_count=1,
        days_since_touch=45,
        owner_rate=0.2,
        team_rate=0.4,
        days_to_close=(10, 30, 80),
        model_label="LightGBM",
    )
    steps = actions(facts)
    assert [s.split(":")[0] for s in steps] == [
        "Stalled",
        "Re-qualify the close date",
        "Multi-thread",
        "Re-engage",
        "Schedule a discovery call to confirm need, budget and timing.",
        "Pair with a senior rep (or reassign)",
    ]
    text = narrative(facts, (), steps)
    assert text.startswith("Big deal: 12% chance to win (LightGBM); high risk (72/100).")
    assert "Recommendation: Stalled" in text


def test_velocity_and_holt_baseline():
    v = pipeline_velocity(
        10, np.array([1, 0, 1, 0]), np.array([100.0, 50.0, 300.0, 10.0]), np.array([20, 5, 60, 5])
    )
    assert (v.win_rate, v.average_won_amount, v.cycle_days) == (0.5, 200.0, 40.0)
    assert v.per_day == 10 * 0.5 * 200 / 40
    trend = holt_forecast(np.arange(1, 25, dtype=float) * 10, 3)
    np.testing.assert_allclose(trend.forecast, [250.0, 260.0, 270.0], rtol=1e-6)
