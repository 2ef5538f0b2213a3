"""Run attribution models directly on a path or long-format file (no database)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from attribution.marketing.config_schema import ModelParams
from attribution.marketing.engine import InvalidJourneys, ModelKind, attribute, bootstrap_intervals
from attribution.marketing.paths_io import read_journeys

MODELS = {
    "first": ModelKind.FIRST,
    "last": ModelKind.LAST,
    "last_non_direct": ModelKind.LAST_NON_DIRECT,
    "linear": ModelKind.LINEAR,
    "time_decay": ModelKind.TIME_DECAY,
    "position": ModelKind.POSITION,
    "w_shaped": ModelKind.W_SHAPED,
    "markov": ModelKind.MARKOV,
    "shapley": ModelKind.SHAPLEY,
}


class Command(BaseCommand):
    help = "Attribute conversions in a path (ChannelAttribution) or long-format file to channels."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "file", type=Path, help="CSV: path;total_conversions;... or journey,timestamp,channel,..."
        )
        parser.add_argument("--model", default="all", choices=[*MODELS, "all"], help="Model to run, or all")
        parser.add_argument(
            "--order", type=int, default=1, help="Markov order k (0: choose by held-out likelihood)"
        )
        parser.add_argument("--sep", default=">", help="Separator between channels in a path (default >)")
        parser.add_argument("--delimiter", default=None, help="CSV delimiter (default: guessed, ; or ,)")
        parser.add_argument(
            "--ci", type=int, default=0, metavar="N", help="Bootstrap intervals from N resamples"
        )
        parser.add_argument("--seed", type=int, default=0, help="Seed for bootstrap and sampling")
        parser.add_argument("--output", type=Path, required=True, help="Where to write the CSV")

    def handle(self, *args, **options) -> None:
        try:
            journeys = read_journeys(options["file"], delimiter=options["delimiter"], path_sep=options["sep"])
        except (OSError, InvalidJourneys) as exc:
            raise CommandError(str(exc)) from exc
        names = list(MODELS) if options["model"] == "all" else [options["model"]]
        params = ModelParams(order=options["order"], seed=options["seed"])
        header = ["channel", "model", "conversions", "value"]
        if options["ci"]:
            header += ["conversions_low", "conversions_high", "value_low", "value_high"]
        with options["output"].open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for name in names:
                spec = params.spec(MODELS[name])
                result = attribute(journeys, spec)
                ci = (
                    bootstrap_intervals(journeys, spec, resamples=options["ci"], seed=options["seed"])
                    if options["ci"]
                    else None
                )
                for c, channel in enumerate(journeys.channel_names):
                    row = [channel, name, f"{result.conversions[c]:.6f}", f"{result.value[c]:.6f}"]
                    if ci is not None:
                        row += [
                            f"{ci.conversions_low[c]:.6f}",
                            f"{ci.conversions_high[c]:.6f}",
                            f"{ci.value_low[c]:.6f}",
                            f"{ci.value_high[c]:.6f}",
                        ]
                    writer.writerow(row)
                if result.order_scores:
                    self.stdout.write(
                        f"markov: order {result.order} chosen ({', '.join(f'{k}: {s:.4f}' for k, s in result.order_scores)})"
                    )
        self.stdout.write(
            f"{len(names)} model(s), {journeys.n_journeys} journeys, {journeys.total_conversions():g} conversions → {options['output']}"
        )
