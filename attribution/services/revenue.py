"""Revenue events: one import kind for every door (file page, API, command), then posted.

Rows name a deal (`opportunity_external_id`, split by its partners) or an account
(`account_external_id`), or both when they agree. Rows are matched on `external_id`: one
already imported is left unchanged, so sending a file or a list twice adds nothing. New events
are attributed in the same transaction as they are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from attribution.models import RevenueEvent
from attribution.permissions import AttributionCap
from attribution.services.recompute import attribution_recompute
from revops.imports.fields import TEXT, Day, ImportRow, Money
from revops.imports.kinds import Action, ImportKind, PlannedRow, Progress
from revops.imports.pipeline import Preview, import_apply
from revops.imports.profiles import NumberFormat, ProfileSpec
from revops.models import Account, Opportunity, Organization

IMPORT_KIND = "revenue_events"
ERROR_NO_TARGET = "give an account_external_id or an opportunity_external_id"
# Sources an import may declare (a profile constant): files are "import", the API's list "api".
IMPORT_SOURCES = (RevenueEvent.Source.IMPORT.value, RevenueEvent.Source.API.value)


class RevenueEventRow(ImportRow):
    external_id: Annotated[str, TEXT, Field(max_length=64)]
    opportunity_external_id: Annotated[str, TEXT, Field(max_length=64)] | None = None
    # Checked after the opportunity (validate_default), so a row with neither names this field.
    account_external_id: Annotated[str, TEXT, Field(max_length=64)] | None = Field(
        default=None, validate_default=True
    )
    date: Day
    amount: Money
    source: Annotated[str, TEXT, Field(max_length=24)] = RevenueEvent.Source.IMPORT.value

    @field_validator("source")
    @classmethod
    def _import_source(cls, value: str) -> str:
        if value not in IMPORT_SOURCES:
            raise ValueError(f"must be one of {', '.join(IMPORT_SOURCES)}")
        return value

    @field_validator("account_external_id")
    @classmethod
    def _has_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and not info.data.get("opportunity_external_id"):
            raise ValueError(ERROR_NO_TARGET)
        return value


@dataclass
class _Lookups:
    accounts: dict[str, int]
    deals: dict[str, tuple[int, int]]
    existing: set[str]


class RevenueEventImport(ImportKind):
    name = IMPORT_KIND
    label = "Revenue events"
    capability = AttributionCap.EDIT
    audit_action = "revenue_event.import"
    schema = RevenueEventRow
    total_fields = ("amount",)
    # Amounts may be negative (credit notes); plain numbers with a dot, no thousands separator.
    default_profile = ProfileSpec(number=NumberFormat(thousands=""))
    requires = ("opportunities",)
    example: ClassVar[dict[str, str]] = {
        "external_id": "REV-1",
        "opportunity_external_id": "OPP-1",
        "account_external_id": "ACC-1",
        "date": "2026-02-10",
        "amount": "48000.00",
        "source": RevenueEvent.Source.IMPORT.value,
    }
    column_notes: ClassVar[dict[str, str]] = {
        "external_id": "Your id of the event; the dedupe key (an event already imported is never changed).",
        "opportunity_external_id": "External id of the deal the revenue belongs to (split by its partners).",
        "account_external_id": "External id of the account; required without a deal, else the deal's account.",
        "source": "one of: " + ", ".join(IMPORT_SOURCES) + " (default import).",
    }
    preview_fields = ("external_id", "date", "amount", "source")

    def load(self, *, organization: Organization, rows: list[RevenueEventRow]) -> _Lookups:  # type: ignore[override]
        account_keys = {r.account_external_id for r in rows if r.account_external_id}
        deal_keys = {r.opportunity_external_id for r in rows if r.opportunity_external_id}
        accounts = dict(
            Account.objects.filter(organization=organization, external_id__in=account_keys)
            .exclude(external_id="")
            .values_list("external_id", "id")
        )
        deals = {
            ext: (pk, account_id)
            for ext, pk, account_id in Opportunity.objects.filter(
                organization=organization, external_id__in=deal_keys
            )
            .exclude(external_id="")
            .values_list("external_id", "id", "account_id")
        }
        existing = set(
            RevenueEvent.objects.filter(
                organization=organization, external_id__in=[r.external_id for r in rows]
            )
            .exclude(external_id="")
            .values_list("external_id", flat=True)
        )
        return _Lookups(accounts, deals, existing)

    def resolve(
        self, row: RevenueEventRow, context: _Lookups
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        account_id = deal_id = None
        if row.opportunity_external_id:
            if row.opportunity_external_id not in context.deals:
                errors.append(
                    (
                        "opportunity_external_id",
                        f"no opportunity with external id {row.opportunity_external_id!r}",
                    )
                )
            else:
                deal_id, account_id = context.deals[row.opportunity_external_id]
        if row.account_external_id:
            if row.account_external_id not in context.accounts:
                errors.append(
                    ("account_external_id", f"no account with external id {row.account_external_id!r}")
                )
            elif deal_id is not None and context.accounts[row.account_external_id] != account_id:
                errors.append(("account_external_id", "is not the account of the opportunity"))
            else:
                account_id = context.accounts[row.account_external_id]
        values = {
            "external_id": row.external_id,
            "account_id": account_id,
            "opportunity_id": deal_id,
            "date": row.date,
            "amount": row.amount,
            "source": row.source,
        }
        return values, errors

    def plan(self, values: dict[str, Any], context: _Lookups) -> Action:  # type: ignore[override]
        # Events are facts: one already imported is never changed by a later file.
        return Action.UNCHANGED if values["external_id"] in context.existing else Action.CREATE

    def write(
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Lookups,
        progress: Progress,
        source=None,
    ):  # type: ignore[override]
        new = [
            RevenueEvent(organization=organization, **row.values)
            for row in rows
            if row.action == Action.CREATE
        ]
        RevenueEvent.objects.bulk_create(new, batch_size=2000)
        progress(len(rows) // 2, len(rows))
        event_ids = list(
            RevenueEvent.objects.filter(
                organization=organization, external_id__in=[e.external_id for e in new]
            )
            .exclude(external_id="")
            .values_list("id", flat=True)
        )
        posting = None
        if event_ids:
            posting = attribution_recompute(organization=organization, actor=actor, event_ids=event_ids)
        return {"posted_entries": posting.entries if posting else 0}


REVENUE_EVENT_IMPORT = RevenueEventImport()


def revenue_events_import(
    *, organization: Organization, lines: Iterable[str], actor=None, spec: ProfileSpec | None = None
) -> Preview:
    """Import revenue events from CSV text lines without a job (scripts, tests); all or nothing."""
    content = "\n".join(line.rstrip("\r\n") for line in lines).encode()
    return import_apply(
        kind=REVENUE_EVENT_IMPORT,
        organization=organization,
        actor=actor,
        content=content,
        spec=spec or REVENUE_EVENT_IMPORT.default_profile,
    )
