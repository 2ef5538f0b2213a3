"""The compiled paths give the reference's numbers: Monte Carlo kernel, TreeSHAP, driver choice;
and the forecast's dependence: calibration shock, run-rate of a short history."""

import numba
import numpy as np
import pytest

from forecasting.engine import (
    ClosedHistory,
    Examples,
    build_features,
    drivers,
    open_examples,
    runrate,
    score_open,
    simulate,
    top_drivers,
    train_win_model,
)
from forecasting.engine.replay import pipeline_shock
from forecasting.engine.synthetic import synthetic_world
from forecasting.engine.treeshap import contributions, forest
from forecasting.engine.types import DealTable


def _inputs(n: int, seed: int):
    rng = np.random.default_rng(seed)
    amount = np.round(rng.lognormal(8, 1, n), 2)
    p = rng.random(n)
    p[:5] = [0.0, 1.0, 1.0, 0.0, 0.5]
    q50 = rng.uniform(5, 200, n)
    ttc = np.column_stack([q50 * 0.5, q50, q50 * 1.8])
    return amount, p, ttc


PERIODS = [(0, 30), (30, 91), (91, 182)]


def test_compiled_kernel_and_numpy_reference_give_identical_totals():
    # given: an odd number of deals (the last hash's high half unused), a shock and a run-rate
    amount, p, ttc = _inputs(1_001, seed=4)
    kwargs = {
        "sims": 700,
        "seed": 9,
        "runrate": [(5e4, 1e4), (0.0, 0.0), (2e4, 0.0)],
        "shock_mean": -0.2,
        "shock_sd": 0.4,
    }
    # when
    compiled, a = simulate(amount, p, ttc, PERIODS, **kwargs)
    reference, b = simulate(amount, p, ttc, PERIODS, kernel="numpy", **kwargs)
    # then
    np.testing.assert_array_equal(a, b)
    assert compiled == reference


def test_totals_do_not_depend_on_the_number_of_threads():
    amount, p, ttc = _inputs(3_000, seed=5)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        _, one = simulate(amount, p, ttc, PERIODS, sims=2_000, seed=3, shock_sd=0.3)
        numba.set_num_threads(max(2, threads))
        _, many = simulate(amount, p, ttc, PERIODS, sims=2_000, seed=3, shock_sd=0.3)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(one, many)
    # and another seed gives other draws
    _, other = simulate(amount, p, ttc, PERIODS, sims=2_000, seed=4, shock_sd=0.3)
    assert not np.array_equal(one, other)


@pytest.mark.parametrize("kernel", ["compiled", "numpy"])
def test_no_open_deals_simulates_the_runrate_alone(kernel):
    empty = np.zeros(0)
    out, totals = simulate(
        empty, empty, np.zeros((0, 3)), PERIODS, sims=50, seed=1, runrate=[(10.0, 0.0)] * 3, kernel=kernel
    )
    assert totals.shape == (50, 3)
    assert [(f.p10, f.p90, f.open_pipeline_mean) for f in out] == [(10.0, 10.0, 0.0)] * 3


def test_unknown_kernel_is_refused():
    amount, p, ttc = _inputs(10, seed=1)
    with pytest.raises(ValueError, match="Unknown Monte Carlo kernel 'gpu'"):
        simulate(amount, p, ttc, PERIODS, sims=10, kernel="gpu")


def test_certain_deals_stay_exact_under_the_shock():
    amount = np.array([100.0, 250.5, 1000.0, 77.0])
    p = np.array([1.0, 1.0, 0.0, 1.0])
    ttc = np.array([[10, 10, 10], [40, 40, 40], [20, 20, 20], [95, 95, 95]], dtype=float)
    # when: a strong shock on the odds
    out, _ = simulate(
        amount, p, ttc, [(0, 30), (30, 90), (90, 180)], sims=2_000, seed=1, shock_mean=-1.0, shock_sd=1.5
    )
    # then: won-for-sure and lost-for-sure deals do not move
    assert [(f.p10, f.p50, f.p90) for f in out] == [
        (100.0, 100.0, 100.0),
        (250.5, 250.5, 250.5),
        (77.0, 77.0, 77.0),
    ]


def test_a_shared_shock_widens_the_band_of_many_deals_far_beyond_coin_flips():
    rng = np.random.default_rng(0)
    n = 2_000
    amount = np.full(n, 1_000.0)
    p = rng.uniform(0.2, 0.8, n)
    ttc = np.ones((n, 3))
    independent, _ = simulate(amount, p, ttc, [(0, 90)], sims=4_000, seed=2)
    shared, _ = simulate(amount, p, ttc, [(0, 90)], sims=4_000, seed=2, shock_sd=0.5)
    width = independent[0].p90 - independent[0].p10
    # coin flips of 2,000 deals: ~2.56 · 1,000 · sqrt(Σ p(1 − p)) ≈ 53,000
    assert abs(width - 2.563 * 1_000 * np.sqrt((p * (1 - p)).sum())) / width < 0.1
    assert shared[0].p90 - shared[0].p10 > 5 * width
    # the shock is centred on the odds: the median stays near the expected value
    assert abs(shared[0].p50 - (p * amount).sum()) / (p * amount).sum() < 0.03


@pytest.fixture(scope="module")
def world_model():
    table, _ = synthetic_world(8_000, seed=13)
    return table, train_win_model(table, seed=0).model


def test_compiled_treeshap_equals_lightgbm_pred_contrib_with_missing_values(world_model):
    table, model = world_model
    pick = np.flatnonzero(table.won >= 0)[:3_000]
    fm = build_features(table, Examples(pick, (table.created[pick] + 5).astype(np.int32)), vocab=model.vocab)
    x = fm.values.copy()
    # unknown categories, unknown touches and zeros everywhere a split may see them
    x[::7, -1] = np.nan
    x[::5, -2] = np.nan
    x[::11, 3] = 0.0
    x[::13, 4] = np.nan
    booster = model._booster
    # when
    mine = contributions(forest(booster.dump_model(), x.shape[1]), x)
    # then
    reference = booster.predict(x, pred_contrib=True)
    np.testing.assert_allclose(mine, reference, rtol=0, atol=1e-9)
    np.testing.assert_allclose(mine.sum(axis=1), booster.predict(x, raw_score=True), rtol=0, atol=1e-9)


def test_treeshap_by_pattern_equals_the_path_kernel_and_pred_contrib_on_any_thread_count(world_model):
    # given: rows with unknown values and zeros where splits may see them
    table, model = world_model
    pick = np.flatnonzero(table.won >= 0)[:4_000]
    fm = build_features(table, Examples(pick, (table.created[pick] + 9).astype(np.int32)), vocab=model.vocab)
    x = fm.values.copy()
    x[::6, -1] = np.nan
    x[::9, 3] = 0.0
    x[::4, 4] = np.nan
    compiled = forest(model._booster.dump_model(), x.shape[1])
    threads = numba.get_num_threads()
    # when
    try:
        numba.set_num_threads(1)
        one = contributions(compiled, x)
        numba.set_num_threads(max(2, threads))
        many = contributions(compiled, x)
    finally:
        numba.set_num_threads(threads)
    paths = contributions(compiled, x, kernel="paths")
    # then
    np.testing.assert_array_equal(one, many)
    np.testing.assert_allclose(many, paths, rtol=0, atol=1e-12)
    np.testing.assert_allclose(many, model._booster.predict(x, pred_contrib=True), rtol=0, atol=1e-9)
    # and no rows give no contributions
    assert contributions(compiled, x[:0]).shape == (0, x.shape[1] + 1)


def test_unknown_treeshap_kernel_is_refused(world_model):
    _, model = world_model
    with pytest.raises(ValueError, match="Unknown TreeSHAP kernel 'gpu'"):
        contributions(model._forest, np.zeros((1, len(model.feature_names))), kernel="gpu")


def test_closed_deal_counts_give_the_features_the_whole_table_gives(world_model):
    # given: the open deals of a day alone, and the closed ones counted before it
    table, model = world_model
    day = int(table.created.max()) - 20
    ex = open_examples(table, day)
    counted = (table.won >= 0) & (table.closed < day)
    owners, accounts = int(table.owner.max()) + 1, int(table.account.max()) + 1
    history = ClosedHistory(
        day=day,
        owner_closed=np.bincount(table.owner[counted], minlength=owners).astype(float),
        owner_won=np.bincount(table.owner[counted], weights=table.won[counted], minlength=owners),
        account_closed=np.bincount(table.account[counted], minlength=accounts).astype(float),
        account_won=np.bincount(table.account[counted], weights=table.won[counted], minlength=accounts),
        closed=int(counted.sum()),
        won=int(table.won[counted].sum()),
    )
    only_open = _rows(table, ex.deal)
    # when
    whole = build_features(table, ex, vocab=model.vocab)
    alone = build_features(
        only_open,
        Examples(np.arange(len(ex), dtype=np.int64), ex.day),
        vocab=model.vocab,
        history=history,
    )
    # then
    np.testing.assert_array_equal(alone.values, whole.values)


def _rows(table: DealTable, idx: np.ndarray) -> DealTable:
    """The deals ``idx`` (ascending) of ``table`` with their own histories only."""
    keep = np.isin(table.hist_deal, idx)
    pushed = np.isin(table.push_deal, idx)
    partnered = np.isin(table.partner_deal, idx)
    position = np.full(len(table), -1)
    position[idx] = np.arange(len(idx))
    return DealTable(
        ids=table.ids[idx],
        owner=table.owner[idx],
        account=table.account[idx],
        created=table.created[idx],
        closed=table.closed[idx],
        won=table.won[idx],
        amount=table.amount[idx],
        stages=table.stages,
        hist_deal=position[table.hist_deal[keep]].astype(np.int32),
        hist_day=table.hist_day[keep],
        hist_stage=table.hist_stage[keep],
        categoricals={k: v[idx] for k, v in table.categoricals.items()},
        push_deal=position[table.push_deal[pushed]].astype(np.int32),
        push_day=table.push_day[pushed],
        partner_deal=position[table.partner_deal[partnered]].astype(np.int32),
        partner_day=table.partner_day[partnered],
    )


def test_driver_choice_for_all_deals_matches_one_deal_at_a_time(world_model):
    table, model = world_model
    batch = score_open(model, table, int(table.created.max()))
    chosen = top_drivers(batch.points)
    assert chosen.shape == (len(batch.deal_ids), 4)
    for i in range(0, len(batch.deal_ids), 37):
        order = np.argsort(-np.abs(batch.points[i]), kind="stable")[:4]
        np.testing.assert_array_equal(chosen[i], order)
        one = drivers(
            batch.points[i],
            batch.features.values[i],
            names=batch.features.names,
            stages=model.stages,
            typical=model.typical_stage_days,
            vocab=model.vocab,
        )
        assert one == batch.prediction(i, model).drivers
        assert [d.feature for d in one] == [
            batch.features.names[j] for j in order if abs(batch.points[i, j]) >= 0.5
        ]


def test_runrate_of_a_history_shorter_than_a_year_uses_the_trailing_windows():
    # given: 200 days of history; one deal won per 10 days, each closing 5 days after creation
    created = np.arange(1_000, 1_200, 10, dtype=np.int32)
    closed = created + 5
    won = np.ones(len(created), dtype=np.int8)
    amount = np.full(len(created), 100.0)
    # when: the next 50 days as of day 1,200
    ((mean, sd),) = runrate(created, closed, won, amount, as_of=1_200, periods=[(0, 50)])
    # then: windows [1150, 1200), [1100, 1150), [1050, 1100), [1000, 1050): five deals each
    assert (mean, sd) == (500.0, 0.0)


def _lost_in_the_past(table: DealTable, before: int) -> DealTable:
    """The same world where every deal that closed before ``before`` lost."""
    won = table.won.copy()
    won[(won >= 0) & (table.closed < before)] = 0
    return DealTable(**{**table.__dict__, "won": won})


def test_replay_finds_the_pipeline_converting_worse_than_the_model_says(world_model):
    table, model = world_model
    as_of = int(table.created.max()) - 30
    # when: the past windows as they happened, and a history where every past deal lost
    honest = pipeline_shock(model, table, as_of, window=60)
    worse = pipeline_shock(model, _lost_in_the_past(table, as_of), as_of, window=60)
    # then: the model is calibrated on its own world; against the losing history the odds fall
    assert len(honest.windows) == len(worse.windows) >= 2
    assert abs(honest.mean) < 0.5
    assert worse.mean < -3
    assert all(actual == 0 for _, _, actual in worse.windows)
    assert all(origin + 60 <= as_of for origin, _, _ in honest.windows)
