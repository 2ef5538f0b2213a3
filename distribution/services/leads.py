"""Writes on leads from the API and pages: one lead, or many at once idempotent by external id."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from distribution.models import Campaign, Lead
from revops.models import Organization
from revops.services.audit import audit_record

# What a bulk row may set; the owner is never set here (distribution runs assign leads).
BULK_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "web_source",
    "status",
    "tags",
    "do_not_call",
    "priority",
    "score",
    "segment",
    "converted",
)


def campaign_resolve(*, organization: Organization, name: str) -> Campaign | None:
    """The organization's campaign of that name, created on first use."""
    if not name:
        return None
    campaign, _ = Campaign.objects.get_or_create(organization=organization, name=name)
    return campaign


@transaction.atomic
def leads_bulk_upsert(
    *, organization: Organization, rows: list[dict[str, Any]], acting_user=None
) -> dict[str, int]:
    """Create or update leads by `external_id`: a row equal to its lead changes nothing.

    The rows are already validated (serializer); a duplicate external id within the batch is
    refused with its index, and nothing is written.
    """
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        ext = row["external_id"]
        if ext in seen:
            raise ValidationError(
                {
                    f"{index}.external_id": f"{ext!r} appears twice in the batch (rows {seen[ext]} and {index})."
                }
            )
        seen[ext] = index
    existing = {
        lead.external_id: lead
        for lead in Lead.objects.filter(organization=organization, external_id__in=seen).exclude(
            external_id=""
        )
    }
    campaigns: dict[str, Campaign | None] = {}
    created, updated, unchanged = [], [], 0
    for row in rows:
        name = row.get("campaign_name") or ""
        if name not in campaigns:
            campaigns[name] = campaign_resolve(organization=organization, name=name)
        values = {f: row[f] for f in BULK_FIELDS if f in row}
        values["campaign"] = campaigns[name]
        lead = existing.get(row["external_id"])
        if lead is None:
            created.append(
                Lead(
                    organization=organization, external_id=row["external_id"], external_source="api", **values
                )
            )
            continue
        changed = [f for f, v in values.items() if getattr(lead, f) != v]
        if not changed:
            unchanged += 1
            continue
        for f in changed:
            setattr(lead, f, values[f])
        updated.append((lead, changed))
    Lead.objects.bulk_create(created, batch_size=2000)
    for lead, changed in updated:
        lead.save(update_fields=[*changed, "updated_at"])
    counts = {"created": len(created), "updated": len(updated), "unchanged": unchanged}
    audit_record(
        organization=organization, actor=acting_user, action="lead.bulk_upsert", obj=None, after=counts
    )
    return counts
