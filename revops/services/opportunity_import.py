"""The opportunity import kind: create or update opportunities by external id.

Rows are matched on `external_id` within the organization: new ids are created, known ids
are updated, identical rows are left alone (so a re-upload changes nothing), and a stage move
appends to the opportunity's stage history like an edit in the app would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.utils import timezone
from pydantic import Field, field_validator

from revops.imports.fields import TEXT, Day, ImportRow, Money
from revops.imports.kinds import Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.imports.pipeline import import_apply
from revops.imports.profiles import ProfileSpec
from revops.models import (
    Account,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Organization,
    ProductLine,
    Role,
)
from revops.models.crm import CLOSED_STAGES, Stage
from revops.money import quantize_money
from revops.permissions import Cap

# Fields compared to decide whether a known opportunity changed.
UPSERT_FIELDS = (
    "name",
    "account_id",
    "owner_id",
    "stage",
    "amount",
    "currency",
    "created_date",
    "expected_close_date",
    "close_date",
    "product_line_id",
    "lead_source",
)
# Rows per write and per progress report: a 10,000-row file costs a few dozen round trips,
# and the progress bar still moves on a file of a few hundred.
BATCH_SIZE = 250
# Lookups by external id go in chunks so the IN list stays under SQLite's variable limit.
LOOKUP_CHUNK = 500

_STAGES_BY_NAME = {**{s.value: s.value for s in Stage}, **{s.label.lower(): s.value for s in Stage}}


class OpportunityRow(ImportRow):
    external_id: Annotated[str, TEXT, Field(max_length=64)]
    name: Annotated[str, TEXT, Field(max_length=200)]
    account_external_id: Annotated[str, TEXT, Field(max_length=64)]
    owner_email: Annotated[str, TEXT, Field(max_length=254)] | None = None
    stage: Annotated[str, TEXT, Field(max_length=40)]
    amount: Money
    currency: Annotated[str, TEXT, Field(max_length=3)] | None = None
    created_date: Day
    expected_close_date: Day | None = None
    close_date: Day | None = None
    product_line_code: Annotated[str, TEXT, Field(max_length=40)] | None = None
    lead_source: Annotated[str, TEXT, Field(max_length=60)] | None = None

    @field_validator("stage")
    @classmethod
    def _known_stage(cls, value: str) -> str:
        stage = _STAGES_BY_NAME.get(value.lower())
        if stage is None:
            raise ValueError(f"unknown stage {value!r} (use one of: {', '.join(Stage.values)})")
        return stage

    @field_validator("amount")
    @classmethod
    def _not_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("must not be negative")
        return quantize_money(value)

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str | None) -> str | None:
        if value is not None and (len(value) != 3 or not value.isalpha()):
            raise ValueError(f"{value!r} is not a 3-letter currency code")
        return value.upper() if value else value


COLUMNS = tuple(OpportunityRow.model_fields)


@dataclass
class _Lookups:
    """Everything a row may refer to: the catalog and members once per file, accounts and
    existing deals a chunk of rows at a time (queries grow with chunks, not rows)."""

    currency: str
    accounts: dict[str, int]
    product_lines: dict[str, int]
    members: dict[str, int]
    existing: dict[str, Opportunity]


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class OpportunityImport(ImportKind):
    name = "opportunities"
    label = "Opportunities"
    capability = Cap.OPPORTUNITY_IMPORT
    audit_action = "opportunity.import"
    schema = OpportunityRow
    total_fields = ("amount",)
    default_profile = ProfileSpec()
    preview_fields = ("external_id", "name", "stage", "amount", "close_date")
    requires = ("accounts", "product_lines")
    example: ClassVar[dict[str, str]] = {
        "external_id": "OPP-1",
        "name": "Initech analytics rollout",
        "account_external_id": "ACC-1",
        "owner_email": "rep1@acme.test",
        "stage": Stage.QUALIFICATION.value,
        "amount": "48000.00",
        "currency": "USD",
        "created_date": "2026-01-15",
        "expected_close_date": "2026-04-30",
        "close_date": "",
        "product_line_code": "analytics",
        "lead_source": "Webinar",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "external_id": "Your id of the deal (use case); the dedupe key (a known id updates the deal).",
        "account_external_id": "External id of an existing account.",
        "owner_email": "E-mail of a member of the organization (not a partner user).",
        "stage": "one of: " + ", ".join(Stage.values) + " (a move is added to the stage history)",
        "currency": "3-letter code; default the organization's currency.",
        "close_date": "Required for closed_won and closed_lost.",
        "product_line_code": "Code of an existing product line.",
    }

    def load(self, *, organization: Organization, rows: list[OpportunityRow]) -> _Lookups:  # type: ignore[override]
        product_lines = dict(ProductLine.objects.filter(organization=organization).values_list("code", "id"))
        members = (
            Membership.objects.filter(organization=organization, is_active=True)
            .exclude(role=Role.PARTNER)
            .values_list("user__email", "user_id")
        )
        lookups = _Lookups(organization.currency, {}, product_lines, {k.lower(): v for k, v in members}, {})
        self.load_more(organization=organization, context=lookups, rows=rows)
        return lookups

    def load_more(self, *, organization: Organization, context: _Lookups, rows: list[OpportunityRow]) -> None:  # type: ignore[override]
        """The accounts and existing opportunities the rows name, added to `context`.

        Loaded a chunk of rows at a time (`revops.imports.pipeline.CHUNK_ROWS`): a file of a
        million rows never holds a million parsed rows at once."""
        account_ids = sorted({r.account_external_id for r in rows} - context.accounts.keys())
        external_ids = sorted({r.external_id for r in rows} - context.existing.keys())
        for chunk in _chunks(account_ids, LOOKUP_CHUNK):
            context.accounts.update(
                Account.objects.filter(organization=organization, external_id__in=chunk)
                .exclude(external_id="")
                .values_list("external_id", "id")
            )
        for chunk in _chunks(external_ids, LOOKUP_CHUNK):
            for opp in Opportunity.objects.filter(organization=organization, external_id__in=chunk).exclude(
                external_id=""
            ):
                context.existing[opp.external_id] = opp

    def resolve(self, row: OpportunityRow, context: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        account_id = context.accounts.get(row.account_external_id)
        if account_id is None:
            errors.append(("account_external_id", f"no account with external id {row.account_external_id!r}"))
        owner_id = None
        if row.owner_email:
            owner_id = context.members.get(row.owner_email.lower())
            if owner_id is None:
                errors.append(
                    ("owner_email", f"{row.owner_email.lower()!r} is not a member of this organization")
                )
        product_line_id = None
        if row.product_line_code:
            product_line_id = context.product_lines.get(row.product_line_code)
            if product_line_id is None:
                errors.append(("product_line_code", f"no product line with code {row.product_line_code!r}"))
        if row.stage in CLOSED_STAGES and row.close_date is None:
            errors.append(("close_date", "is required for a closed opportunity"))
        if row.close_date and row.close_date < row.created_date:
            errors.append(("close_date", "is before created_date"))
        values = {
            "external_id": row.external_id,
            "name": row.name,
            "account_id": account_id,
            "owner_id": owner_id,
            "stage": row.stage,
            "amount": row.amount,
            "currency": row.currency or context.currency,
            "created_date": row.created_date,
            "expected_close_date": row.expected_close_date,
            "close_date": row.close_date,
            "product_line_id": product_line_id,
            "lead_source": row.lead_source or "",
        }
        return values, errors

    def plan(self, values: dict[str, Any], context: _Lookups) -> Action:
        opp = context.existing.get(values["external_id"])
        if opp is None:
            return Action.CREATE
        if any(getattr(opp, f) != values[f] for f in UPSERT_FIELDS):
            return Action.UPDATE
        return Action.UNCHANGED

    def write(
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Lookups,
        progress: Progress,
        source: ImportSource | None = None,
    ) -> None:
        actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        now = timezone.now()
        for done, batch in enumerate(_chunks(rows, BATCH_SIZE), start=1):
            new: list[Opportunity] = []
            changed: list[Opportunity] = []
            moves: list[OpportunityStageChange] = []
            for item in batch:
                if item.action == Action.CREATE:
                    new.append(Opportunity(organization=organization, **item.values))
                elif item.action == Action.UPDATE:
                    opp = context.existing[item.values["external_id"]]
                    old_stage = opp.stage
                    for f in UPSERT_FIELDS:
                        setattr(opp, f, item.values[f])
                    opp.updated_at = now
                    changed.append(opp)
                    if opp.stage != old_stage:
                        moves.append(_stage_change(opp, old_stage, actor_id, now))
            Opportunity.objects.bulk_create(new)
            Opportunity.objects.bulk_update(changed, [*UPSERT_FIELDS, "updated_at"])
            moves.extend(_stage_change(opp, "", actor_id, now) for opp in new)
            OpportunityStageChange.objects.bulk_create(moves)
            progress(min(done * BATCH_SIZE, len(rows)), len(rows))


def _stage_change(
    opp: Opportunity, from_stage: str, actor_id: int | None, now: dt.datetime
) -> OpportunityStageChange:
    return OpportunityStageChange(
        organization_id=opp.organization_id,
        opportunity=opp,
        from_stage=from_stage,
        to_stage=opp.stage,
        amount=opp.amount,
        changed_at=now,
        changed_by_id=actor_id,
    )


OPPORTUNITY_IMPORT = OpportunityImport()


def opportunity_import(
    *, organization: Organization, content: bytes, actor, spec: ProfileSpec | None = None, job_run_id=None
):
    """Create or update the opportunities in `content`, all or nothing (see `import_apply`)."""
    return import_apply(
        kind=OPPORTUNITY_IMPORT,
        organization=organization,
        actor=actor,
        content=content,
        spec=spec or OPPORTUNITY_IMPORT.default_profile,
        job_run_id=job_run_id,
    )
