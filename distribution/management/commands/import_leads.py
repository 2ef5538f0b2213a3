"""manage.py import_leads FILE --org SLUG [--mapping MAPPING.yaml | --profile NAME] [--dry-run]."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from pydantic import ValidationError as SchemaError

from revops.imports.command import ImportCommand
from revops.imports.profiles import ProfileSpec
from revops.models import JobRun, Organization
from revops.services.imports import Mode, import_job_run, import_submit


class Command(ImportCommand):
    help = "Import leads from a file described by a mapping (YAML import profile) or a saved profile; all or none."
    kind_name = "leads"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--mapping", type=Path, help="A YAML import profile: columns, value maps, constants."
        )

    def handle(self, *args, **options):
        mapping: Path | None = options.pop("mapping", None)
        if mapping is None:
            return super().handle(*args, **options)
        spec = self._mapping(mapping)
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        actor = self._actor(organization, options["acting_email"])
        file: Path = options["file"]
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            job, _ = import_submit(
                organization=organization,
                actor=actor,
                kind_name=self.kind_name,
                content=content,
                filename=file.name,
                spec=spec,
                mode=Mode.PREVIEW if options["dry_run"] else Mode.APPLY,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if job.status == JobRun.Status.QUEUED:
            job = import_job_run(job_run_id=job.pk)
        elif job.status == JobRun.Status.SUCCEEDED:
            self.stdout.write(f"This file was already imported as job #{job.pk}; nothing changed.")
            return None
        self.report(job, dry_run=options["dry_run"])
        return None

    def _mapping(self, path: Path) -> ProfileSpec:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"--mapping: cannot read {path}: {exc.strerror}.") from exc
        except yaml.YAMLError as exc:
            raise CommandError(f"--mapping: not valid YAML: {exc}") from exc
        try:
            return ProfileSpec.model_validate(data or {})
        except SchemaError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"])
            raise CommandError(f"--mapping: {where}: {err['msg']}") from exc
