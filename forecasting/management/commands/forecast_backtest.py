"""Replay past quarters as of their first day and report P50 error and P10–P90 coverage."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forecasting.engine import backtest, to_day
from forecasting.management.commands._org import organization_by_slug
from forecasting.selectors.dataset import dataset_load, organization_today
from forecasting.selectors.periods import quarter_of


class Command(BaseCommand):
    help = "Backtest the forecast on the last N complete quarters of one organization."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Slug of the organization.")
        parser.add_argument(
            "--quarters", type=int, default=4, help="Complete quarters to replay (default 4)."
        )
        parser.add_argument("--sims", type=int, default=5000, help="Simulations per quarter.")
        parser.add_argument("--as-of", default="", help="Replay the quarters before this day (YYYY-MM-DD).")

    def handle(self, *args, org: str, quarters: int, sims: int, as_of: str, **options) -> None:
        organization = organization_by_slug(org)
        day = dt.date.fromisoformat(as_of) if as_of else organization_today(organization)
        q = quarter_of(organization, day)
        periods = []
        for _ in range(quarters):
            q = quarter_of(organization, q.start - dt.timedelta(days=1))
            periods.append(q)
        periods.reverse()
        data = dataset_load(organization)
        if data.table.closed_count == 0:
            raise CommandError("No closed deals: nothing to backtest.")
        try:
            results = backtest(
                data.table,
                [(to_day(p.start), to_day(p.end)) for p in periods],
                sims=sims,
                touches_for=data.touches_for(organization),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{'quarter':<10} {'P10':>12} {'P50':>12} {'P90':>12} {'actual':>12} {'P50 err':>8} band  timing"
            f"        {'open mean':>12} {'run-rate':>12} {'shock μ':>7} {'σ':>5}"
        )
        by_start = {r.start: r for r in results}
        if not results:
            raise CommandError("No quarter could be replayed: no deal had closed before any of them.")
        for p in periods:
            r = by_start.get(to_day(p.start))
            if r is None:
                self.stdout.write(f"{p.label:<10} skipped: no deal had closed before it")
                continue
            cov = f"{r.timing_coverage:.0%}" if r.won_deals else "n/a"
            self.stdout.write(
                f"{p.label:<10} {r.p10:>12,.0f} {r.p50:>12,.0f} {r.p90:>12,.0f} {r.actual:>12,.0f} "
                f"{r.p50_error:>+8.1%} {'in ' if r.in_band else 'out'}   {cov + ' of ' + str(r.won_deals):<12} "
                f"{r.open_mean:>12,.0f} {r.runrate_mean:>12,.0f} {r.shock_mean:>+7.2f} {r.shock_sd:>5.2f}"
            )
        inside = sum(r.in_band for r in results)
        won = sum(r.won_deals for r in results)
        timed = sum(r.won_in_time_band for r in results)
        mape = sum(abs(r.p50_error) for r in results) / len(results)
        self.stdout.write(
            f"Revenue in P10–P90: {inside}/{len(results)} quarters; mean |P50 error| {mape:.1%}; "
            f"close days in P10–P90: {timed}/{won} ({(timed / won if won else 0):.0%})."
        )
