"""Objectives from a file, through the core import framework (import kind `objectives`).

One row per rep × product line × month: `rep` (e-mail, "First Last", "Last, First" or an
alias), `product_line` (code or name), `month` (`YYYY-MM`, or any day of the month in the
profile's date format) and `amount`. The built-in profile reads the columns the grid's export
writes (Rep, Product line, Month, Objective), so an exported grid edited in a spreadsheet
comes back as it is. A row in a closed month is refused (its objectives are read-only); a
row equal to the stored objective is unchanged; the rest create or update, audited as the
grid's edits are. All rows or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from commissions.models import BusinessObjective
from commissions.permissions import CommissionCap
from commissions.selectors.objectives import closed_months
from commissions.services.objectives import objectives_write
from commissions.services.sales_import import key, rep_names
from revops.imports.fields import TEXT, ImportRow, Money
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.imports.profiles import ProfileSpec
from revops.models import Organization, ProductLine

IMPORT_KIND = "objectives"
EXPORT_HEADERS = ("Rep", "Rep name", "Product line", "Product line name", "Month", "Objective")
ERROR_MONTH = "must be a month written YYYY-MM"


class ObjectiveRow(ImportRow):
    # Rep, product line and month together: one row per cell (a repeated cell is refused).
    cell: Annotated[str, TEXT, Field(max_length=400)] | None = None
    rep: Annotated[str, TEXT, Field(max_length=160)]
    product_line: Annotated[str, TEXT, Field(max_length=120)]
    month: Annotated[str, TEXT, Field(max_length=10)]
    amount: Money

    @model_validator(mode="before")
    @classmethod
    def _cell(cls, data: Any) -> Any:
        if isinstance(data, dict):
            parts = (str(data.get(name) or "") for name in ("rep", "product_line", "month"))
            data = {**data, "cell": "|".join(key(part) for part in parts)}
        return data

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        try:
            day = dt.date.fromisoformat(value if len(value) == 10 else f"{value}-01")
        except ValueError:
            raise ValueError(ERROR_MONTH) from None
        return f"{day:%Y-%m}"

    @field_validator("amount")
    @classmethod
    def _not_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("must not be negative")
        return value


@dataclass
class _Lookups:
    reps: dict[str, int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    closed: frozenset[dt.date] = frozenset()
    existing: dict[tuple[int, int, dt.date], Decimal] = field(default_factory=dict)


class ObjectivesImport(ImportKind):
    name = IMPORT_KIND
    label = "Business objectives"
    capability = CommissionCap.PLAN_EDIT
    audit_action = "objectives.import"
    schema = ObjectiveRow
    key_field = "cell"
    total_fields = ("amount",)
    default_profile = ProfileSpec(
        columns={"rep": "Rep", "product_line": "Product line", "month": "Month", "amount": "Objective"}
    )
    preview_fields = ("rep_id", "product_line_id", "month", "amount")
    requires = ("rep_aliases", "product_lines")
    example: ClassVar[dict[str, str]] = {
        "rep": "J. Rep",
        "product_line": "analytics",
        "month": "2026-01",
        "amount": "50000.00",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "cell": "Leave blank: filled from rep, product line and month.",
        "rep": "E-mail, 'First Last', 'Last, First' or an alias of a rep.",
        "product_line": "Code or name of a product line.",
        "month": "YYYY-MM (or a day of the month); a closed month is refused.",
    }

    def load(self, *, organization: Organization, rows: list[ObjectiveRow]) -> _Lookups:  # type: ignore[override]
        lookups = _Lookups(reps=rep_names(organization))
        for line_id, code, name in ProductLine.objects.filter(organization=organization).values_list(
            "id", "code", "name"
        ):
            lookups.lines.setdefault(key(code), line_id)
            lookups.lines.setdefault(key(name), line_id)
        months = sorted({dt.date.fromisoformat(f"{row.month}-01") for row in rows})
        if months:
            lookups.closed = closed_months(organization=organization, start=months[0], end=months[-1])
            lookups.existing = {
                (rep, line, month): amount
                for rep, line, month, amount in BusinessObjective.objects.filter(
                    organization=organization, month__in=months
                ).values_list("rep_id", "product_line_id", "month", "amount")
            }
        return lookups

    def resolve(self, row: ObjectiveRow, context: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        rep_id = context.reps.get(key(row.rep))
        if rep_id is None:
            errors.append(("rep", f"no rep named {row.rep!r} (add an alias for this name)"))
        line_id = context.lines.get(key(row.product_line))
        if line_id is None:
            errors.append(("product_line", f"no product line named {row.product_line!r}"))
        month = dt.date.fromisoformat(f"{row.month}-01")
        if month in context.closed:
            errors.append(("month", f"{month:%B %Y} is closed: its objectives are read-only"))
        values = {"rep_id": rep_id, "product_line_id": line_id, "month": month, "amount": row.amount}
        return values, errors

    def plan(self, values: dict[str, Any], context: _Lookups) -> Action:  # type: ignore[override]
        found = context.existing.get((values["rep_id"], values["product_line_id"], values["month"]))
        if found is None:
            return Action.CREATE
        return Action.UNCHANGED if found == values["amount"] else Action.UPDATE

    def write(  # type: ignore[override]
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Lookups,
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> dict[str, int]:
        values = {
            (r.values["rep_id"], r.values["product_line_id"], r.values["month"]): r.values["amount"]
            for r in rows
            if r.action != Action.UNCHANGED
        }
        changed, _ = objectives_write(organization=organization, actor=actor, values=values)
        progress(len(rows), len(rows))
        return {"objectives": changed}


OBJECTIVES_IMPORT = ObjectivesImport()
