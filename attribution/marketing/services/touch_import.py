"""Touchpoints in long format (one touch per row) through the core import framework.

Columns: ``external_id`` (the dedupe key), ``occurred_at`` (ISO date-time; without a zone it is
UTC), ``channel`` (an existing channel's name), optional ``campaign``, ``contact_key``,
``account_external_id``, ``opportunity_external_id``; a row needs a contact or an account.
A row whose external id was imported before is unchanged when its values match and refused
(naming the row) when they differ. Conversions come from the CRM's opportunities, so a
``converted``/``revenue`` column is ignored here; `manage.py mta_paths` reads it from files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator

from attribution.marketing.models import Campaign, Channel, Touchpoint, TouchSource
from attribution.marketing.permissions import MarketingCap
from revops.bulk import bulk_insert
from revops.imports.fields import TEXT, ImportRow
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.models import Account, Opportunity, Organization

IMPORT_KIND = "touchpoints"
BATCH = 2000
ERROR_NO_KEY = "give a contact_key or an account_external_id"
WRITTEN = (
    "external_id",
    "occurred_at",
    "channel_id",
    "campaign_id",
    "contact_key",
    "account_id",
    "opportunity_id",
)
COMPARED = WRITTEN[1:]


class TouchRow(ImportRow):
    external_id: Annotated[str, TEXT, Field(max_length=120)]
    occurred_at: dt.datetime
    channel: Annotated[str, TEXT, Field(max_length=80)]
    campaign: Annotated[str, TEXT, Field(max_length=120)] | None = None
    contact_key: Annotated[str, TEXT, Field(max_length=120)] | None = None
    account_external_id: Annotated[str, TEXT, Field(max_length=64)] | None = None
    opportunity_external_id: Annotated[str, TEXT, Field(max_length=64)] | None = None

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass
class _Lookups:
    channels: dict[str, int] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    opportunities: dict[str, int] = field(default_factory=dict)
    existing: dict[str, tuple] = field(default_factory=dict)


class TouchpointImport(ImportKind):
    name = IMPORT_KIND
    label = "Marketing touchpoints"
    capability = MarketingCap.IMPORT
    audit_action = "marketing.touchpoints.import"
    schema = TouchRow
    key_field = "external_id"
    preview_fields = ("external_id", "occurred_at", "channel_id", "contact_key", "account_id")
    requires = ("marketing_channels", "opportunities")
    example: ClassVar[dict[str, str]] = {
        "external_id": "TP-1",
        "occurred_at": "2026-01-10T09:30:00+00:00",
        "channel": "Paid search",
        "contact_key": "lead-1@initech.example",
        "account_external_id": "ACC-1",
        "opportunity_external_id": "OPP-1",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "external_id": "Your id of the touch; the dedupe key (a re-upload with other values is refused).",
        "occurred_at": "Without a zone the time is UTC.",
        "channel": "Name of an existing marketing channel.",
        "campaign": "Name of an existing campaign.",
        "contact_key": "The contact's key (e.g. an e-mail); a row needs a contact or an account.",
        "account_external_id": "External id of an existing account.",
        "opportunity_external_id": "External id of an existing opportunity.",
    }

    def load(self, *, organization: Organization, rows: list[TouchRow]) -> _Lookups:  # type: ignore[override]
        found = _Lookups(
            channels=dict(Channel.objects.filter(organization=organization).values_list("name", "id")),
            campaigns=dict(Campaign.objects.filter(organization=organization).values_list("name", "id")),
        )
        accounts = {r.account_external_id for r in rows if r.account_external_id}
        found.accounts = dict(
            Account.objects.filter(organization=organization, external_id__in=accounts)
            .exclude(external_id="")
            .values_list("external_id", "id")
        )
        opps = {r.opportunity_external_id for r in rows if r.opportunity_external_id}
        found.opportunities = dict(
            Opportunity.objects.filter(organization=organization, external_id__in=opps)
            .exclude(external_id="")
            .values_list("external_id", "id")
        )
        keys = [r.external_id for r in rows]
        for start in range(0, len(keys), BATCH):
            for values in (
                Touchpoint.objects.filter(
                    organization=organization, external_id__in=keys[start : start + BATCH]
                )
                .exclude(external_id="")
                .values_list(*WRITTEN)
            ):
                found.existing[values[0]] = values[1:]
        return found

    def resolve(self, row: TouchRow, context: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        channel_id = context.channels.get(row.channel)
        if channel_id is None:
            errors.append(("channel", f"no channel named {row.channel!r}"))
        campaign_id = None
        if row.campaign:
            campaign_id = context.campaigns.get(row.campaign)
            if campaign_id is None:
                errors.append(("campaign", f"no campaign named {row.campaign!r}"))
        account_id = None
        if row.account_external_id:
            account_id = context.accounts.get(row.account_external_id)
            if account_id is None:
                errors.append(
                    ("account_external_id", f"no account with external id {row.account_external_id!r}")
                )
        opportunity_id = None
        if row.opportunity_external_id:
            opportunity_id = context.opportunities.get(row.opportunity_external_id)
            if opportunity_id is None:
                errors.append(
                    (
                        "opportunity_external_id",
                        f"no opportunity with external id {row.opportunity_external_id!r}",
                    )
                )
        if not row.contact_key and not row.account_external_id:
            errors.append(("contact_key", ERROR_NO_KEY))
        values = {
            "external_id": row.external_id,
            "occurred_at": row.occurred_at,
            "channel_id": channel_id,
            "campaign_id": campaign_id,
            "contact_key": row.contact_key or "",
            "account_id": account_id,
            "opportunity_id": opportunity_id,
        }
        existing = context.existing.get(row.external_id)
        if existing is not None and not errors and tuple(existing) != tuple(values[f] for f in COMPARED):
            errors.append(("external_id", f"{row.external_id!r} was imported before with other values"))
        return values, errors

    def plan(self, values: dict[str, Any], context: _Lookups) -> Action:  # type: ignore[override]
        return Action.UNCHANGED if values["external_id"] in context.existing else Action.CREATE

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
        new = [row for row in rows if row.action == Action.CREATE]
        bulk_insert(
            Touchpoint,
            ("organization_id", *WRITTEN, "source"),
            ((organization.pk, *(r.values[f] for f in WRITTEN), TouchSource.IMPORT) for r in new),
        )
        progress(len(new), len(new))
        return {"touchpoints": len(new)}


TOUCHPOINT_IMPORT = TouchpointImport()
