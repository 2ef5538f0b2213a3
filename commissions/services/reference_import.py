"""Rep aliases and territories from files, through the core import framework.

The sales and objectives files name their rep by e-mail, "First Last", "Last, First" or an
alias, or leave the rep to a territory (a ZIP code or region that belongs to a rep, for one
product line or for all of them). These two kinds load those references from files too:

- `rep_aliases`: `alias` (the dedupe key, compared case-insensitively as the sales import
  compares names) and `rep_email` (an active rep of the organization);
- `territories`: `code`, optional `product_line_code` (blank: every product line) and
  `rep_email`; the dedupe key is code and product line together.

A new key creates the row; a known key naming another rep moves it to that rep; an identical
row is unchanged, so a re-upload changes nothing. All rows or none. Finance and admins
(the plan-edit capability, as for aliases and territories in the admin and objectives).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from pydantic import Field

from commissions.models import RepAlias, Territory
from commissions.permissions import CommissionCap
from commissions.services.sales_import import key
from revops.imports.fields import TEXT, ImportRow
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.models import Membership, Organization, ProductLine, Role

ALIAS_KIND = "rep_aliases"
TERRITORY_KIND = "territories"
ERROR_NOT_A_REP = "{email!r} is not an active rep of this organization"
ERROR_NO_LINE = "no product line with code {code!r}"
ERROR_REPEATED_ALIAS = "the same alias (case and spaces ignored) appears earlier in the file"
ERROR_REPEATED_TERRITORY = "the same territory (code and product line) appears earlier in the file"

Email = Annotated[str, TEXT, Field(min_length=3, max_length=254)]


def _reps(organization: Organization) -> dict[str, int]:
    """Active reps by lower-cased e-mail (the members the sales import credits)."""
    rows = Membership.objects.filter(organization=organization, role=Role.REP, is_active=True).values_list(
        "user__email", "user_id"
    )
    return {email.lower(): user_id for email, user_id in rows}


def _rep(email: str, reps: dict[str, int], errors: list[tuple[str, str]]) -> int | None:
    rep_id = reps.get(email.lower())
    if rep_id is None:
        errors.append(("rep_email", ERROR_NOT_A_REP.format(email=email.lower())))
    return rep_id


def _write_moves(model, rows: list[PlannedRow], existing: dict, progress: Progress) -> None:
    """Create the new rows and move the changed ones to their rep."""
    new = [
        model(**{k: v for k, v in r.values.items() if k != "key"}) for r in rows if r.action == Action.CREATE
    ]
    model.objects.bulk_create(new)
    moved = [r for r in rows if r.action == Action.UPDATE]
    for row in moved:
        current = existing[row.values["key"]]
        current.rep_id = row.values["rep_id"]
        current.save(update_fields=["rep"])
    progress(len(rows), len(rows))


# --- Rep aliases ----------------------------------------------------------------------------------


class AliasRow(ImportRow):
    alias: Annotated[str, TEXT, Field(min_length=1, max_length=160)]
    rep_email: Email


@dataclass
class _Aliases:
    reps: dict[str, int]
    existing: dict[str, RepAlias] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)


class RepAliasImport(ImportKind):
    name = ALIAS_KIND
    label = "Rep aliases"
    capability = CommissionCap.PLAN_EDIT
    audit_action = "commissions.rep_aliases.import"
    schema = AliasRow
    key_field = "alias"
    preview_fields = ("alias", "rep_id")
    example: ClassVar[dict[str, str]] = {"alias": "J. Rep", "rep_email": "rep1@acme.test"}
    column_notes: ClassVar[dict[str, str]] = {
        "alias": "Another name a source uses for the rep; the dedupe key (case and spaces ignored).",
        "rep_email": "E-mail of an active rep of the organization.",
    }

    def load(self, *, organization: Organization, rows: list[AliasRow]) -> _Aliases:  # type: ignore[override]
        found = _Aliases(reps=_reps(organization))
        for alias in RepAlias.objects.filter(organization=organization):
            found.existing[key(alias.alias)] = alias
        return found

    def resolve(self, row: AliasRow, context: _Aliases) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        rep_id = _rep(row.rep_email, context.reps, errors)
        current = context.existing.get(key(row.alias))
        if key(row.alias) in context.seen:
            errors.append(("alias", ERROR_REPEATED_ALIAS))
        context.seen.add(key(row.alias))
        values = {
            "key": key(row.alias),
            "alias": current.alias if current else row.alias,
            "rep_id": rep_id,
            "organization_id": None,
        }
        return values, errors

    def plan(self, values: dict[str, Any], context: _Aliases) -> Action:  # type: ignore[override]
        current = context.existing.get(values["key"])
        if current is None:
            return Action.CREATE
        return Action.UNCHANGED if current.rep_id == values["rep_id"] else Action.UPDATE

    def write(  # type: ignore[override]
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Aliases,
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> None:
        for row in rows:
            row.values["organization_id"] = organization.pk
        _write_moves(RepAlias, rows, context.existing, progress)


# --- Territories ----------------------------------------------------------------------------------


class TerritoryRow(ImportRow):
    code: Annotated[str, TEXT, Field(min_length=1, max_length=40)]
    product_line_code: Annotated[str, TEXT, Field(max_length=40)] | None = None
    rep_email: Email


@dataclass
class _Territories:
    reps: dict[str, int]
    lines: dict[str, int]
    existing: dict[tuple[str, int | None], Territory] = field(default_factory=dict)
    seen: set[tuple[str, int | None]] = field(default_factory=set)


class TerritoryImport(ImportKind):
    name = TERRITORY_KIND
    label = "Sales territories"
    capability = CommissionCap.PLAN_EDIT
    audit_action = "commissions.territories.import"
    schema = TerritoryRow
    key_field = "code"
    unique_key = False  # a code repeats once per product line: the kind checks (code, line) itself
    preview_fields = ("code", "product_line_id", "rep_id")
    requires = ("product_lines",)
    example: ClassVar[dict[str, str]] = {
        "code": "10115",
        "product_line_code": "analytics",
        "rep_email": "rep1@acme.test",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "code": "ZIP/postal code or region name, as the sales files write it; with the product "
        "line, the dedupe key.",
        "product_line_code": "Code of an existing product line; blank: every product line.",
        "rep_email": "E-mail of an active rep of the organization.",
    }

    def load(self, *, organization: Organization, rows: list[TerritoryRow]) -> _Territories:  # type: ignore[override]
        found = _Territories(
            reps=_reps(organization),
            lines=dict(ProductLine.objects.filter(organization=organization).values_list("code", "id")),
        )
        for territory in Territory.objects.filter(organization=organization):
            found.existing[(key(territory.code), territory.product_line_id)] = territory
        return found

    def resolve(
        self, row: TerritoryRow, context: _Territories
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        line_id = None
        if row.product_line_code:
            line_id = context.lines.get(row.product_line_code)
            if line_id is None:
                errors.append(("product_line_code", ERROR_NO_LINE.format(code=row.product_line_code)))
        rep_id = _rep(row.rep_email, context.reps, errors)
        territory = (key(row.code), line_id)
        if not errors and territory in context.seen:
            errors.append(("code", ERROR_REPEATED_TERRITORY))
        context.seen.add(territory)
        values = {
            "key": territory,
            "code": row.code,
            "product_line_id": line_id,
            "rep_id": rep_id,
            "organization_id": None,
        }
        return values, errors

    def plan(self, values: dict[str, Any], context: _Territories) -> Action:  # type: ignore[override]
        current = context.existing.get(values["key"])
        if current is None:
            return Action.CREATE
        return Action.UNCHANGED if current.rep_id == values["rep_id"] else Action.UPDATE

    def write(  # type: ignore[override]
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Territories,
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> None:
        for row in rows:
            row.values["organization_id"] = organization.pk
        _write_moves(Territory, rows, context.existing, progress)


REP_ALIAS_IMPORT = RepAliasImport()
TERRITORY_IMPORT = TerritoryImport()
