"""manage.py dailydist: run (or preview) a daily lead distribution from a configuration."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from distribution.engine import (
    ConfigError,
    DistributionConfigDoc,
    Plan,
    load_file,
    load_text,
    render_template,
)
from distribution.engine.templates import TEMPLATES
from distribution.models import DistributionConfig
from distribution.reports import FORMATS, run_report
from distribution.selectors.inputs import Prepared, RunOptions, distribution_plan, distribution_prepare
from distribution.services.runs import distribution_run
from revops.connectors.errors import ConnectorError
from revops.exceptions import ApplicationError
from revops.models import Organization

# Exit codes: scripts and schedulers tell these apart.
EXIT_OK = 0
EXIT_BAD_CONFIG = 2  # the configuration or an option is wrong; nothing was written
EXIT_NOTHING = 3  # no lead to distribute (or no rep could take any); a dry run still records
EXIT_STOPPED = 4  # step mode: the operator answered "n"; nothing was written
EXIT_REFUSED = 5  # the run was refused while applying (leads taken meanwhile); nothing was written
EXIT_CRM_FAILED = 6  # the CRM could not be read or written (after retries); nothing local was written
EXIT_PARTIAL = 7  # applied, but the CRM refused some leads (listed on the run); the others are applied

TABLE_ROWS = 20  # rows of a step's table shown on screen


class Stopped(Exception):
    pass


class Command(BaseCommand):
    help = "Distribute the day's leads to salespeople from a configuration (or preview it with --dry-run)."
    # Tests hand step mode a pseudo-terminal as its input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--config", type=Path, help="A YAML or JSON configuration file.")
        parser.add_argument("--config-name", help="A configuration saved in revops (with --org).")
        parser.add_argument("--org", help="The organization's slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Plan and record the preview; assign nothing."
        )
        parser.add_argument(
            "--max-leads", type=int, help="Distribute at most N leads (overrides the config)."
        )
        parser.add_argument(
            "--override-date-range", help="START,END (YYYY-MM-DD): leads received in this range."
        )
        parser.add_argument(
            "--force-round-robin", action="store_true", help="Use round robin whatever the config says."
        )
        parser.add_argument("--generate-report", action="store_true", help="Write a report of the run.")
        parser.add_argument("--report-format", choices=FORMATS, default="html", help="Report format.")
        parser.add_argument("--report-output", type=Path, help="Report file (default: standard output).")
        parser.add_argument("--step-mode", action="store_true", help="Show each step as a table and ask Y/n.")
        parser.add_argument(
            "--auto-accept", action="store_true", help="In step mode, answer yes to every step."
        )
        parser.add_argument(
            "--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="Logging level."
        )
        parser.add_argument("--generate-config", action="store_true", help="Write a starting configuration.")
        parser.add_argument(
            "--template", choices=sorted(TEMPLATES), default="basic", help="Template to start from."
        )
        parser.add_argument("--campaign", default="Default", help="Campaign name for the template.")
        parser.add_argument("--output", type=Path, help="Where --generate-config writes.")
        parser.add_argument(
            "--today", type=date.fromisoformat, help="The day to distribute for (tests, replays)."
        )

    def handle(self, *args, **options) -> None:
        if options["generate_config"]:
            self._generate_config(options)
            return
        org = self._organization(options)
        doc, config, base_dir = self._load(options, org)
        level = options["log_level"] or doc.execution.log_level
        logging.getLogger("distribution").setLevel(level)
        run_options = RunOptions(
            dry_run=options["dry_run"],
            max_leads=options["max_leads"],
            force_round_robin=options["force_round_robin"],
            **self._date_range(options["override_date_range"]),
        )
        try:
            prepared = distribution_prepare(
                org,
                doc,
                state_json=config.state if config else None,
                options=run_options,
                base_dir=base_dir,
                today=options["today"],
            )
            if options["step_mode"]:
                self._steps(prepared, auto=options["auto_accept"])
            else:
                distribution_plan(prepared)
            run = distribution_run(
                organization=org, prepared=prepared, config=config, config_name=doc.campaign.name
            )
        except ConfigError as exc:
            raise CommandError(f"Bad configuration: {exc}", returncode=EXIT_BAD_CONFIG) from None
        except Stopped as exc:
            raise CommandError(f"Stopped at {exc}: nothing was written.", returncode=EXIT_STOPPED) from None
        except (ApplicationError, ValidationError) as exc:
            raise CommandError(str(getattr(exc, "message", exc)), returncode=EXIT_REFUSED) from None
        except ConnectorError as exc:
            raise CommandError(
                f"The CRM failed: {exc}. Nothing was written in revops.", returncode=EXIT_CRM_FAILED
            ) from None
        plan = prepared.plan
        assert plan is not None
        counts = run.counts
        mode = "Dry run" if run.mode == "dry_run" else "Applied"
        self.stdout.write(
            f"{mode} {run.pk} of {run.config_name}: {counts['assigned']} assigned, {counts['excluded']} excluded, "
            f"{counts['unassigned']} with no eligible rep."
        )
        if options["generate_report"]:
            text = run_report(run, plan, fmt=options["report_format"], names=prepared.names)
            if options["report_output"]:
                options["report_output"].write_text(text, encoding="utf-8")
                self.stdout.write(f"Report written to {options['report_output']}.")
            else:
                self.stdout.write(text)
        if run.failures:
            for failure in run.failures[:TABLE_ROWS]:
                self.stdout.write(f"  refused by the CRM: {failure['external_id']}: {failure['message']}")
            raise CommandError(
                f"Partially applied: the CRM refused {len(run.failures)} lead(s); the others are applied.",
                returncode=EXIT_PARTIAL,
            )
        if not plan.assignments:
            raise CommandError("Nothing to do: no lead was assigned.", returncode=EXIT_NOTHING)

    # --- options ------------------------------------------------------------------------------

    def _generate_config(self, options) -> None:
        if not options["output"]:
            raise CommandError("--generate-config needs --output FILE.", returncode=EXIT_BAD_CONFIG)
        text = render_template(options["template"], campaign=options["campaign"])
        options["output"].write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote the {options['template']} template to {options['output']}.")

    def _organization(self, options) -> Organization:
        if not options["org"]:
            raise CommandError("--org SLUG is required.", returncode=EXIT_BAD_CONFIG)
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"--org: no organization {options['org']!r}.", returncode=EXIT_BAD_CONFIG)
        return org

    def _load(
        self, options, org: Organization
    ) -> tuple[DistributionConfigDoc, DistributionConfig | None, Path | None]:
        if bool(options["config"]) == bool(options["config_name"]):
            raise CommandError("Give either --config FILE or --config-name NAME.", returncode=EXIT_BAD_CONFIG)
        try:
            if options["config"]:
                path: Path = options["config"]
                return load_file(path), None, path.parent
            config = DistributionConfig.objects.filter(organization=org, name=options["config_name"]).first()
            if config is None:
                raise CommandError(
                    f"--config-name: no configuration {options['config_name']!r} in {org.slug}.",
                    returncode=EXIT_BAD_CONFIG,
                )
            return load_text(config.document), config, None
        except ConfigError as exc:
            raise CommandError(f"Bad configuration: {exc}", returncode=EXIT_BAD_CONFIG) from None

    def _date_range(self, value: str | None) -> dict:
        if not value:
            return {}
        try:
            start_text, end_text = value.split(",")
            start, end = date.fromisoformat(start_text.strip()), date.fromisoformat(end_text.strip())
        except ValueError:
            raise CommandError(
                f"--override-date-range: expected START,END as YYYY-MM-DD, got {value!r}.",
                returncode=EXIT_BAD_CONFIG,
            ) from None
        if start > end:
            raise CommandError("--override-date-range: END is before START.", returncode=EXIT_BAD_CONFIG)
        return {"start": start, "end": end}

    # --- step mode ----------------------------------------------------------------------------

    def _table(self, headers: list[str], rows: list[list], total: int | None = None) -> None:
        cells = [[str(c) for c in row] for row in rows[:TABLE_ROWS]]
        widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
        self.stdout.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in cells:
            self.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        total = len(rows) if total is None else total
        if total > TABLE_ROWS:
            self.stdout.write(f"... {total - TABLE_ROWS} more")

    def _ask(self, step: str, auto: bool) -> None:
        if auto:
            self.stdout.write(f"{step}: accepted (--auto-accept)")
            return
        self.stdout.write(f"Continue after {step}? [Y/n] ", ending="")
        self.stdout.flush()
        answer = self.stdin.readline()
        if answer.strip().lower() in ("n", "no"):
            raise Stopped(step)

    @property
    def stdin(self):
        import sys

        return getattr(self, "_stdin", None) or sys.stdin

    def execute(self, *args, **options):
        self._stdin = options.pop("stdin", None)
        return super().execute(*args, **options)

    def _steps(self, prepared: Prepared, *, auto: bool) -> Plan:
        self.stdout.write("\nStep 1/5: salesperson selection")
        self._table(
            ["rep", "level", "team", "active", "load", "target", "capacity"],
            [
                [r.name, r.level, r.team, r.active, r.current_load, r.target_leads, r.capacity]
                for r in prepared.reps
            ],
        )
        self._ask("salesperson selection", auto)
        plan = distribution_plan(prepared)
        self.stdout.write("\nStep 2/5: lead discovery")
        excluded: dict[str, int] = {}
        for e in plan.excluded:
            excluded[e.reason] = excluded.get(e.reason, 0) + 1
        kept = len(plan.assignments) + len(plan.unassigned)
        self._table(
            ["leads", "count"],
            [["to distribute", kept], *[[f"excluded: {k}", v] for k, v in excluded.items()]],
        )
        self._ask("lead discovery", auto)
        self.stdout.write("\nStep 3/5: workload analysis")
        self._table(
            ["rep", "open leads", "target", "capacity", "ineligible because"],
            [
                [
                    s.name,
                    s.before,
                    s.target,
                    s.capacity,
                    next((k for k, ids in plan.ineligible_reps.items() if s.rep_id in ids), ""),
                ]
                for s in plan.reps
            ],
        )
        self._ask("workload analysis", auto)
        self.stdout.write("\nStep 4/5: distribution plan")
        self._table(
            ["rep", "before", "assigned", "after"],
            [[s.name, s.before, s.assigned, s.after] for s in plan.reps],
        )
        self._table(
            ["lead", "rep", "reason"],
            [
                [a.lead_id, prepared.names.get(a.rep_id, a.rep_id), a.explanation.reason]
                for a in plan.assignments
            ],
        )
        self._ask("distribution plan", auto)
        self.stdout.write("\nStep 5/5: application")
        self.stdout.write(
            "dry run: the plan is recorded, nothing assigned"
            if prepared.options.dry_run
            else f"{len(plan.assignments)} leads will be assigned"
        )
        self._ask("application", auto)
        return plan
