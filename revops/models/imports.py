"""Import profiles: an organization's saved descriptions of the files it imports."""

from django.core.exceptions import ValidationError
from django.db import models
from pydantic import ValidationError as PydanticError

from revops.imports.kinds import import_kind_list
from revops.imports.profiles import ProfileSpec
from revops.models.base import OrganizationOwnedModel


class ImportProfile(OrganizationOwnedModel):
    """How one source's files (a CRM export, a bank statement) map onto an import kind."""

    kind = models.CharField(max_length=60, db_index=True, help_text="The import kind, e.g. opportunities.")
    name = models.CharField(max_length=120)
    spec = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "format (csv/xlsx/pdf), delimiter, encoding, sheet, header_row, columns {field: header}, "
            'number {"decimal", "thousands", "symbols"}, date_formats, excel_serial_dates, '
            "constants {field: value}, value_maps {field: {file value: value}}."
        ),
    )

    class Meta:
        ordering = ["organization", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "name"], name="importprofile_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"

    def clean(self) -> None:
        known = [kind.name for kind in import_kind_list()]
        if self.kind not in known:
            raise ValidationError(
                {"kind": f"Unknown import kind {self.kind!r} (use one of: {', '.join(known)})."}
            )
        try:
            self.load()
        except PydanticError as exc:
            problems = [f"{'.'.join(str(p) for p in e['loc']) or 'spec'}: {e['msg']}" for e in exc.errors()]
            raise ValidationError({"spec": problems}) from exc

    def load(self) -> ProfileSpec:
        """The spec parsed and checked (raises pydantic's ValidationError when malformed)."""
        return ProfileSpec.model_validate(self.spec or {})
