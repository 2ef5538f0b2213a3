"""Leads in any layout → Lead, through the core import framework (kind `leads`).

One import kind for every door: the upload page, the API, the admin and
`manage.py import_leads FILE --org SLUG --mapping MAPPING.yaml` (a mapping is an import profile
written as YAML: columns, value maps, constants, date formats). Rows are keyed by
`external_id`: a lead already imported with that id is updated when its values changed and
left alone otherwise, so importing the same file twice changes nothing. A lead's owner is
never set by an import (distribution runs assign leads); a matching account is linked through
the core's account matching (domain of the e-mail, else the company's name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from django.utils import timezone
from pydantic import BeforeValidator, Field

from distribution.models import Campaign, Lead
from distribution.permissions import DistributionCap
from revops.imports.fields import TEXT, Day, ImportRow
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.imports.profiles import ProfileSpec
from revops.models import Organization
from revops.selectors.account_matching import AccountIndex

IMPORT_KIND = "leads"
BATCH_SIZE = 2000
TRUE = frozenset({"1", "true", "yes", "y", "t"})
FALSE = frozenset({"0", "false", "no", "n", "f", ""})


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{value!r} is not yes/no (map the source's values in the profile)")


def _to_int(value: Any) -> int:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_integer() or not -1000 <= number <= 1000:
        raise ValueError("must be a whole number from -1000 to 1000")
    return int(number)


def _to_float(value: Any) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _to_tags(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [t.strip() for t in str(value).replace(",", ";").split(";") if t.strip()]


Bool = Annotated[bool, BeforeValidator(_to_bool)]
Text = Annotated[str, TEXT]


class LeadRow(ImportRow):
    external_id: Annotated[str, TEXT, Field(max_length=64)]
    name: Annotated[str, TEXT, Field(max_length=200)] | None = None
    email: Annotated[str, TEXT, Field(max_length=254)] | None = None
    phone: Annotated[str, TEXT, Field(max_length=40)] | None = None
    company: Annotated[str, TEXT, Field(max_length=200)] | None = None
    web_source: Annotated[str, TEXT, Field(max_length=120)] | None = None
    campaign: Annotated[str, TEXT, Field(max_length=120)] | None = None
    status: Annotated[str, TEXT, Field(max_length=60)] | None = None
    tags: Annotated[list[str], BeforeValidator(_to_tags)] | None = None
    do_not_call: Bool | None = None
    converted: Bool | None = None
    priority: Annotated[int, BeforeValidator(_to_int)] | None = None
    score: Annotated[float, BeforeValidator(_to_float)] | None = None
    segment: Annotated[str, TEXT, Field(max_length=40)] | None = None
    received_on: Day | None = None


COMPARED = (
    "name",
    "email",
    "phone",
    "company",
    "web_source",
    "campaign",
    "status",
    "tags",
    "do_not_call",
    "converted",
    "priority",
    "score",
    "segment",
)


@dataclass
class _Lookups:
    campaigns: dict[str, int] = field(default_factory=dict)
    existing: dict[str, tuple[int, tuple]] = field(default_factory=dict)


class LeadImport(ImportKind):
    name = IMPORT_KIND
    label = "Leads"
    capability = DistributionCap.LEAD_EDIT
    audit_action = "leads.import"
    schema = LeadRow
    key_field = "external_id"
    default_profile = ProfileSpec()
    preview_fields = ("external_id", "name", "email", "web_source", "campaign", "status")
    example: ClassVar[dict[str, str]] = {
        "external_id": "LEAD-1",
        "name": "Dana Whitfield",
        "email": "dana@initech.example",
        "company": "Initech",
        "web_source": "Website form",
        "received_on": "2026-02-01",
    }

    def load(self, *, organization: Organization, rows: list[LeadRow]) -> _Lookups:  # type: ignore[override]
        lookups = _Lookups()
        lookups.campaigns = {
            name.casefold(): pk
            for pk, name in Campaign.objects.filter(organization=organization).values_list("id", "name")
        }
        keys = [r.external_id for r in rows]
        for start in range(0, len(keys), BATCH_SIZE):
            found = Lead.objects.filter(
                organization=organization, external_id__in=keys[start : start + BATCH_SIZE]
            ).exclude(external_id="")
            for pk, ext, *values in found.values_list("id", "external_id", *[_db(f) for f in COMPARED]):
                lookups.existing[ext] = (pk, tuple(values))
        return lookups

    def resolve(self, row: LeadRow, context: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        values = {
            "external_id": row.external_id,
            "name": row.name or "",
            "email": (row.email or "").lower(),
            "phone": row.phone or "",
            "company": row.company or "",
            "web_source": row.web_source or "",
            "campaign": row.campaign or "",
            "status": row.status or "New",
            "tags": row.tags or [],
            "do_not_call": bool(row.do_not_call),
            "converted": bool(row.converted),
            "priority": row.priority or 0,
            "score": row.score or 0.0,
            "segment": row.segment or "",
            "received_on": row.received_on,
        }
        return values, []

    def plan(self, values: dict[str, Any], context: _Lookups) -> Action:  # type: ignore[override]
        existing = context.existing.get(values["external_id"])
        if existing is None:
            return Action.CREATE
        campaign_id = context.campaigns.get(values["campaign"].casefold()) if values["campaign"] else None
        now = tuple(campaign_id if f == "campaign" else values[f] for f in COMPARED)
        return Action.UNCHANGED if now == existing[1] else Action.UPDATE

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
        campaigns = dict(context.campaigns)
        for row in rows:
            name = row.values["campaign"]
            if name and name.casefold() not in campaigns:
                campaigns[name.casefold()] = Campaign.objects.create(organization=organization, name=name).pk
        index = AccountIndex(organization)
        now = timezone.now()
        new, changed = [], []
        for row in rows:
            v = dict(row.values)
            received_on = v.pop("received_on")
            campaign = v.pop("campaign")
            lead = Lead(
                organization=organization,
                campaign_id=campaigns.get(campaign.casefold()) if campaign else None,
                external_source="import",
                received_at=dt.datetime.combine(received_on, dt.time(12), tzinfo=dt.UTC)
                if received_on
                else now,
                **v,
            )
            match = index.best(name=lead.company, email=lead.email) if (lead.company or lead.email) else None
            lead.account_id = match.account_id if match else None
            lead.updated_at = now
            if row.action == Action.CREATE:
                new.append(lead)
            elif row.action == Action.UPDATE:
                lead.pk = context.existing[row.values["external_id"]][0]
                changed.append(lead)
        Lead.objects.bulk_create(new, batch_size=BATCH_SIZE)
        progress(len(new), len(new) + len(changed))
        fields = [f for f in COMPARED if f != "campaign"] + ["campaign", "account", "updated_at"]
        Lead.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
        progress(len(new) + len(changed), len(new) + len(changed))
        return {"leads": len(new) + len(changed)}


def _db(name: str) -> str:
    return "campaign_id" if name == "campaign" else name


LEAD_IMPORT = LeadImport()
