"""The management-command door: one base class, so every kind's command behaves the same.

The command stores the file and runs it as a JobRun like the page and the API do (same
errors, same audit row), only in the foreground. Problems end in a CommandError naming them.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from revops.imports.kinds import import_kind_get
from revops.models import JobRun, Membership, Organization
from revops.permissions import has_cap
from revops.services.imports import Mode, import_job_run, import_profile_spec, import_submit

REPORTED = ("rows", "create", "update", "unchanged", "errors")


class ImportCommand(BaseCommand):
    """Subclasses set `kind_name` and `help`."""

    kind_name = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The file to import (as the profile describes it).")
        parser.add_argument("--org", required=True, help="Slug of the organization to import into.")
        parser.add_argument("--profile", default="", help="Name of the organization's import profile.")
        parser.add_argument(
            "--as", dest="acting_email", default="", help="E-mail of the member recorded as the actor."
        )
        parser.add_argument("--dry-run", action="store_true", help="Preview only: report, write nothing.")
        parser.add_argument(
            "--year", type=int, help="Year of the rows, for a profile whose files have no dates."
        )
        parser.add_argument("--month", type=int, help="Month (1-12) of the rows, with --year.")

    def handle(
        self,
        *args,
        file: Path,
        org: str,
        profile: str,
        acting_email: str,
        dry_run: bool,
        year: int | None = None,
        month: int | None = None,
        **options,
    ):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        actor = self._actor(organization, acting_email)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            spec = import_profile_spec(
                organization=organization,
                kind=import_kind_get(self.kind_name),
                profile=profile,
                filename=file.name,
            )
            if (year is None) != (month is None):
                raise CommandError("Give both --year and --month, or neither.")
            if year is not None and month is not None:
                spec = spec.with_period(year, month)
            elif spec.period_at_upload:
                raise CommandError(
                    f"The files of profile {profile!r} have no dates: give --year and --month."
                )
            job, _ = import_submit(
                organization=organization,
                actor=actor,
                kind_name=self.kind_name,
                content=content,
                filename=file.name,
                profile=profile,
                spec=spec,
                mode=Mode.PREVIEW if dry_run else Mode.APPLY,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if job.status == JobRun.Status.QUEUED:
            job = import_job_run(job_run_id=job.pk)
        elif job.status == JobRun.Status.SUCCEEDED:
            self.stdout.write(f"This file was already imported as job #{job.pk}; nothing changed.")
            return
        self.report(job, dry_run=dry_run)

    def _actor(self, organization: Organization, email: str):
        if not email:
            return None
        membership = (
            Membership.objects.filter(organization=organization, user__email=email.lower(), is_active=True)
            .select_related("user", "organization")
            .first()
        )
        if membership is None:
            raise CommandError(f"{email} is not a member of {organization.slug}.")
        if not has_cap(membership, import_kind_get(self.kind_name).capability):
            raise CommandError(f"{email} may not import {self.kind_name}.")
        return membership.user

    def report(self, job: JobRun, *, dry_run: bool) -> None:
        if job.status != JobRun.Status.SUCCEEDED:
            errors = job.error.splitlines() or ["the import did not finish"]
            for line in errors:
                self.stderr.write(line)
            total = job.counts.get("errors", len(errors))
            raise CommandError(f"Job #{job.pk}: {total} problem(s); nothing was imported.")
        counts = job.counts
        verb = "would create" if dry_run else "created"
        line = (
            f"Job #{job.pk}: {counts.get('rows', 0)} rows; {verb} {counts.get('create', 0)}, "
            f"updated {counts.get('update', 0)}, unchanged {counts.get('unchanged', 0)}"
        )
        totals = [f"{k.removeprefix('total_')} {v}" for k, v in counts.items() if k.startswith("total_")]
        extras = [f"{k} {v}" for k, v in counts.items() if k not in REPORTED and not k.startswith("total_")]
        self.stdout.write("; ".join([line, *([f"total {', '.join(totals)}"] if totals else []), *extras]))
