"""Time forecasting: training, scoring through the nightly job's service, Monte Carlo.

Run: .venv/bin/python bench/forecasting.py [--closed 200000] [--score 100000] [--sims 10000]
     [--deals 50000] [--threads 1] [--database-url postgres://…/revops_bench_forecasting]
     [--skip-train] [--skip-score] [--skip-montecarlo] [--skip-parts] [--profile]

On the engine's seeded synthetic world (known probabilities), prints for each figure the wall
time, the process's CPU time, the peak resident memory so far (LightGBM allocates outside
Python, so tracemalloc would miss it) and a baseline measured in the same run:

- train on ``--closed`` closed deals (engine only: as-of features on a 14-day grid, LightGBM
  with early stopping, isotonic/sigmoid chosen on held-out deals, three quantile models for
  time to close): target ≤ 120 s. Baseline: a logistic regression on the same feature matrix;
- score ``--score`` open deals through ``deals_score`` — what ``manage.py score_deals`` and the
  nightly job run: read the deals open on the day with their history and the closed deals'
  counts per owner, account and organization (GROUP BY), features as of the day, calibrated
  probability, TreeSHAP drivers, risk, time-to-close band, actions, the analysis text, and the
  DealScore rows written. A fresh database (SQLite file ``var/bench/forecasting.sqlite3``, or
  ``--database-url``, dropped and created: its name must contain ``bench``) is seeded with a
  synthetic organization holding ``--score`` open deals among its closed ones, and a model is
  trained on it through ``win_model_train``. Target ≤ 10 s. Baselines: the calibrated
  probability alone, LightGBM's own ``pred_contrib`` and the per-leaf path kernel on the
  same rows, and reading every deal (``dataset_load``, what scoring read before);
- Monte Carlo of ``--sims`` simulations over ``--deals`` open deals for 4 quarters: target
  ≤ 3 s. Baselines: the pure-numpy reference of the same simulation (identical figures, at
  1/20 of the simulations and scaled up) and the simulation written the obvious way (a
  Bernoulli draw and a close day per deal and simulation, then a histogram per period), at
  1/20 of the simulations and scaled up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from sklearn.linear_model import LogisticRegression  # noqa: E402

from forecasting.engine import build_features, simulate, train_win_model, training_examples  # noqa: E402
from forecasting.engine.montecarlo import knots  # noqa: E402
from forecasting.engine.synthetic import synthetic_world  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func):
    start, cpu = time.perf_counter(), time.process_time()
    out = func()
    seconds = time.perf_counter() - start
    print(
        f"{label:<62} {seconds:8.2f} s  (CPU {time.process_time() - cpu:6.2f} s)  peak RSS {peak_mb():6.0f} MB",
        flush=True,
    )
    return out, seconds


def naive_monte_carlo(amount, p, ttc, periods, sims, seed):
    rng = np.random.default_rng(seed)
    k = knots(ttc)
    totals = np.zeros((sims, len(periods)))
    for s in range(sims):
        won = rng.random(len(amount)) < p
        u = rng.random(len(amount))
        # piecewise-linear quantile function per deal
        days = np.empty(len(amount))
        for j, (lo, hi) in enumerate(((0.0, 0.1), (0.1, 0.5), (0.5, 0.9), (0.9, 1.0))):
            sel = (u >= lo) & (u < hi)
            days[sel] = k[sel, j] + (u[sel] - lo) / (hi - lo) * (k[sel, j + 1] - k[sel, j])
        for j, (start, end) in enumerate(periods):
            totals[s, j] = amount[won & (days >= start) & (days < end)].sum()
    return totals


def bench_train(args) -> None:
    world_n = int(args.closed * 1.03)  # the newest ~3 % are still open
    (table, _), _ = timed(
        f"synthetic world of {world_n:,} deals", lambda: synthetic_world(world_n, seed=1, span_days=1500)
    )
    print(f"  closed deals: {table.closed_count:,}")
    result, train_s = timed(
        "train (features, LightGBM, calibration, time to close)",
        lambda: train_win_model(table, seed=0, threads=args.threads),
    )
    m = result.metrics
    print(
        f"  {result.model.label}; {result.counts['examples']:,} examples; holdout AUC {m.auc:.3f}, "
        f"Brier {m.brier:.4f}, ECE {m.ece:.4f}; time-to-close coverage {result.timing_coverage:.1%}"
    )
    ex = training_examples(table, seed=0)
    vocab = result.model.vocab
    fm, feat_s = timed(
        "  baseline part 1: the feature matrix alone", lambda: build_features(table, ex, vocab=vocab)
    )
    x = np.nan_to_num(fm.values)
    _, lr_s = timed(
        "  baseline part 2: logistic regression on it",
        lambda: LogisticRegression(max_iter=200).fit(x, ex.label),
    )
    print(f"  ratio train ÷ (features + logistic regression): {train_s / (feat_s + lr_s):.1f}×")


def prepare_database(database_url: str) -> str:
    """Point the test settings at a fresh database; return a label for it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "revops.settings.test"
    if not database_url:
        path = BASE_DIR / "var" / "bench" / "forecasting.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["TEST_DATABASE_URL"] = f"sqlite:///{path}"
        return f"SQLite {os.path.relpath(path, BASE_DIR)}"
    import environ
    import psycopg

    name = environ.Env.db_url_config(database_url)["NAME"]
    if "bench" not in name:
        sys.exit(f"Refusing to drop and create database {name!r}: its name must contain 'bench'.")
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["TEST_DATABASE_URL"] = database_url
    return f"PostgreSQL {name}"


def seed_organization(open_deals: int):
    """A new organization holding a synthetic world with about ``open_deals`` open deals (a
    150-day window, so ~40 % of its deals are still open) and its stage history; returns the
    organization and the world's "today"."""
    from django.db import transaction

    from forecasting.engine import from_day
    from revops.bulk import bulk_insert
    from revops.models import (
        Account,
        Membership,
        Opportunity,
        OpportunityStageChange,
        Organization,
        Role,
        User,
    )
    from revops.models.crm import Stage

    table, _ = synthetic_world(int(open_deals * 2.37), seed=3, span_days=150, owners=40)
    today = from_day(int(table.created.max()) + 1)
    org = Organization.objects.create(name="Bench forecasting", slug="bench-forecasting")
    with transaction.atomic():
        users = User.objects.bulk_create(User(email=f"rep{i}@forecasting.bench") for i in range(40))
        Membership.objects.bulk_create(Membership(organization=org, user=u, role=Role.REP) for u in users)
        segments = table.categoricals["segment"]
        n_accounts = int(table.account.max()) + 1
        # An account's segment: that of its first deal (the dataset reads the account's).
        account_segment = np.full(n_accounts, "", dtype=object)
        first = np.unique(table.account, return_index=True)
        account_segment[first[0]] = segments[first[1]]
        bulk_insert(
            Account,
            (
                "organization_id",
                "name",
                "domain",
                "industry",
                "segment",
                "region",
                "external_id",
                "name_key",
                "name_prefix",
                "domain_key",
            ),
            (
                (
                    org.pk,
                    f"Account {a}",
                    "",
                    "",
                    account_segment[a],
                    "",
                    f"a{a}",
                    f"account {a}",
                    "account",
                    "",
                )
                for a in range(n_accounts)
            ),
        )
        account_ids = dict(Account.objects.filter(organization=org).values_list("external_id", "id"))
        open_stage = [str(s) for s in Stage][: len(table.stages)]
        last_stage = np.full(len(table), 0)
        np.maximum.at(last_stage, table.hist_deal, table.hist_stage)
        won = table.won
        stages = np.where(
            won == 1,
            "closed_won",
            np.where(won == 0, "closed_lost", np.array(open_stage, dtype=object)[last_stage]),
        )
        bulk_insert(
            Opportunity,
            (
                "organization_id",
                "account_id",
                "owner_id",
                "name",
                "stage",
                "amount",
                "currency",
                "created_date",
                "expected_close_date",
                "close_date",
                "product_line_id",
                "lead_source",
                "external_id",
            ),
            (
                (
                    org.pk,
                    account_ids[f"a{int(table.account[i])}"],
                    users[int(table.owner[i])].pk,
                    f"Deal {i}",
                    stages[i],
                    Decimal(f"{table.amount[i]:.2f}"),
                    "USD",
                    from_day(int(table.created[i])),
                    None,
                    from_day(int(table.closed[i])) if won[i] >= 0 else None,
                    None,
                    table.categoricals["lead_source"][i],
                    f"d{i}",
                )
                for i in range(len(table))
            ),
        )
        opp_ids = dict(Opportunity.objects.filter(organization=org).values_list("external_id", "id"))
        ids = np.array([opp_ids[f"d{i}"] for i in range(len(table))])

        def changes():
            previous = {}
            for d, day, st in zip(
                table.hist_deal.tolist(), table.hist_day.tolist(), table.hist_stage.tolist(), strict=True
            ):
                at = dt.datetime.combine(from_day(day), dt.time(12), tzinfo=dt.UTC)
                yield (
                    org.pk,
                    int(ids[d]),
                    previous.get(d, ""),
                    open_stage[st],
                    Decimal(f"{table.amount[d]:.2f}"),
                    at,
                    None,
                )
                previous[d] = open_stage[st]
            for d in np.flatnonzero(won >= 0).tolist():
                at = dt.datetime.combine(from_day(int(table.closed[d])), dt.time(12), tzinfo=dt.UTC)
                yield (
                    org.pk,
                    int(ids[d]),
                    previous.get(d, ""),
                    str(stages[d]),
                    Decimal(f"{table.amount[d]:.2f}"),
                    at,
                    None,
                )

        bulk_insert(
            OpportunityStageChange,
            (
                "organization_id",
                "opportunity_id",
                "from_stage",
                "to_stage",
                "amount",
                "changed_at",
                "changed_by_id",
            ),
            changes(),
        )
    return org, today, int((won < 0).sum()), int((won >= 0).sum())


def bench_score(args) -> None:
    label = prepare_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from forecasting.engine import score_open, to_day
    from forecasting.engine.winmodel import WinModel
    from forecasting.models import DealScore
    from forecasting.selectors.dataset import dataset_load, scoring_dataset_load
    from forecasting.services.modelling import active_model, deals_score, win_model_train

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Database: {label}; migrated in {time.perf_counter() - started:.1f} s")
    (org, today, n_open, n_closed), _ = timed(
        "seed the organization (deals, stage history)", lambda: seed_organization(args.score)
    )
    print(f"  {n_open:,} open and {n_closed:,} closed deals; today {today}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    outcome, _ = timed(
        "train through win_model_train (not timed against a target)",
        lambda: win_model_train(organization=org),
    )
    m = outcome.version.metrics
    print(
        f"  {outcome.version.label}; holdout AUC {m['auc']:.3f}, Brier {m['brier']:.4f}, ECE {m['ece']:.4f}"
    )
    counts, score_s = timed(
        "deals_score: score the open deals as the nightly job does",
        lambda: deals_score(organization=org, as_of=today),
    )
    print(f"  {counts}; {DealScore.objects.current().filter(organization=org).count():,} current scores")
    counts2, _ = timed(
        "deals_score again the next day (history kept, current moved)",
        lambda: deals_score(organization=org, as_of=today + dt.timedelta(days=1)),
    )
    print(f"  {counts2}")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(deals_score, organization=org, as_of=today + dt.timedelta(days=2))
        print(f"  profile of a third day's run ({time.perf_counter() - started:.2f} s under the profiler):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    if args.skip_parts:
        return
    # Where the time goes, each part again on its own.
    data, _ = timed(
        "  part: scoring_dataset_load (open deals, their history, closed-deal counts)",
        lambda: scoring_dataset_load(org, today),
    )
    print(f"  {len(data.table):,} deals read")
    timed("  baseline: dataset_load of every deal (what scoring read before)", lambda: dataset_load(org))
    model = WinModel.from_json(active_model(org).artifact)
    batch, _ = timed(
        "  part: engine score_open (features, p, TreeSHAP, risk, time to close)",
        lambda: score_open(model, data.table, to_day(today), history=data.history),
    )
    fm = batch.features
    _, p_s = timed("  baseline: calibrated probability alone", lambda: model.probability(fm))
    _, lgb_s = timed(
        "  baseline: LightGBM's own pred_contrib on the same rows (1 thread)",
        lambda: model._booster.predict(fm.values, pred_contrib=True, num_threads=1),
    )
    from forecasting.engine.treeshap import contributions

    _, shap_s = timed("  compiled TreeSHAP on the same rows", lambda: contributions(model._forest, fm.values))
    _, paths_s = timed(
        "  baseline: the per-leaf path kernel on the same rows",
        lambda: contributions(model._forest, fm.values, kernel="paths"),
    )
    print(
        f"  ratio deals_score ÷ probability alone: {score_s / p_s:.1f}×; "
        f"TreeSHAP compiled vs LightGBM pred_contrib: {lgb_s / shap_s:.1f}× faster, "
        f"vs the path kernel: {paths_s / shap_s:.1f}× faster"
    )


def bench_montecarlo(args) -> None:
    import numba

    rng = np.random.default_rng(2)
    amount = rng.lognormal(9.5, 1.0, args.deals)
    p = rng.random(args.deals)
    q50 = rng.uniform(10, 300, args.deals)
    ttc = np.column_stack([q50 * 0.4, q50, q50 * 2.0])
    quarters = [(0, 91), (91, 182), (182, 273), (273, 365)]
    timed(
        "Monte Carlo: first call (loads or compiles the kernel)",
        lambda: simulate(amount[:100], p[:100], ttc[:100], quarters, sims=10, seed=0),
    )
    (forecast, totals), mc_s = timed(
        f"Monte Carlo {args.sims:,} sims × {args.deals:,} deals × 4 quarters",
        lambda: simulate(amount, p, ttc, quarters, sims=args.sims, seed=0),
    )
    print(
        "  "
        + "; ".join(
            f"Q{j + 1} P10 {f.p10:,.0f} P50 {f.p50:,.0f} P90 {f.p90:,.0f}" for j, f in enumerate(forecast)
        )
    )
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    (_, one), one_s = timed(
        "  the same on one thread", lambda: simulate(amount, p, ttc, quarters, sims=args.sims, seed=0)
    )
    numba.set_num_threads(threads)
    print(
        f"  identical to the {threads}-thread run: {np.array_equal(one, totals)}; "
        f"{one_s / mc_s:.1f}× from {threads} threads"
    )
    timed(
        "  with a calibration shock σ = 0.3",
        lambda: simulate(amount, p, ttc, quarters, sims=args.sims, seed=0, shock_sd=0.3),
    )
    small = max(1, args.sims // 20)
    (_, ref), ref_s = timed(
        f"  baseline: numpy reference, {small:,} sims",
        lambda: simulate(amount, p, ttc, quarters, sims=small, seed=0, kernel="numpy"),
    )
    print(
        f"  numpy reference identical to the kernel's first {small:,} sims: {np.array_equal(ref, totals[:small])}"
    )
    print(
        f"  numpy scaled to {args.sims:,} sims: {ref_s * args.sims / small:.1f} s; "
        f"ratio {ref_s * args.sims / small / mc_s:.1f}× faster"
    )
    _, naive_s = timed(
        f"  baseline: naive loop, {small:,} sims",
        lambda: naive_monte_carlo(amount, p, ttc, quarters, small, 0),
    )
    print(
        f"  naive scaled to {args.sims:,} sims: {naive_s * args.sims / small:.1f} s; ratio {naive_s * args.sims / small / mc_s:.1f}× faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--closed", type=int, default=200_000)
    parser.add_argument("--score", type=int, default=100_000)
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("--deals", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-score", action="store_true")
    parser.add_argument("--skip-montecarlo", action="store_true")
    parser.add_argument(
        "--skip-parts", action="store_true", help="scoring: only the runs, not each part and its baselines"
    )
    parser.add_argument("--profile", action="store_true", help="scoring: a third day's run under cProfile")
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, LightGBM threads {args.threads}")
    if not args.skip_train:
        bench_train(args)
    if not args.skip_montecarlo:
        bench_montecarlo(args)
    if not args.skip_score:
        bench_score(args)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
