"""Leads and campaigns from the Salesforce sync, stored for lead distribution.

Registered as the `crm_leads_upsert` and `crm_campaigns_upsert` providers: the core's sync maps
each Salesforce record's fields and hands a page of them here, inside the page's transaction.
Idempotent by Salesforce id: a lead is the `Lead` whose `external_id` is ``"salesforce:<Id>"``
(`external_source` salesforce — the same rows a Salesforce-sourced distribution run mirrors), a
campaign the `Campaign` with that `external_id` (marketing attribution stores its own campaign
for the same record, through its provider). `pending` (ids a preview would create elsewhere)
is not needed here: leads and campaigns name no other synced record. A record that comes back unchanged is
unchanged; a dry run answers what it would do and writes nothing.

Deleted in Salesforce (queryAll's `IsDeleted`): a lead is kept, its status set to Lost (it
leaves every rep's workload and the next distribution); a campaign is made inactive. A value a
row refuses (a campaign name another campaign has) is that record's error; the rest of the page
is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from distribution.models import Campaign, Lead, LeadStatus
from revops.providers import CrmOutcome, CrmRecord

SOURCE = "salesforce"
LEAD_FIELDS = ("name", "email", "phone", "company", "status", "web_source", "owner_id")
CAMPAIGN_FIELDS = ("name", "active", "description")


def _external_id(salesforce_id: str) -> str:
    return f"{SOURCE}:{salesforce_id}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _upsert(
    model: type[models.Model],
    organization_id: int,
    records: Sequence[CrmRecord],
    *,
    fields: tuple[str, ...],
    values_of,
    deleted_values: dict[str, Any],
    extra: dict[str, Any],
    dry_run: bool,
) -> list[CrmOutcome]:
    keys = [_external_id(r.salesforce_id) for r in records]
    existing = {
        row.external_id: row  # type: ignore[attr-defined]
        for row in model._default_manager.filter(
            organization_id=organization_id, external_id__in=keys
        ).exclude(external_id="")
    }
    outcomes: list[CrmOutcome] = []
    for record, key in zip(records, keys, strict=True):
        row = existing.get(key)
        if record.deleted:
            if row is None or all(getattr(row, k) == v for k, v in deleted_values.items()):
                if row is not None:
                    outcomes.append(CrmOutcome(record.salesforce_id, "unchanged"))
                continue  # never stored here: nothing to do
            changes = {k: [_text(getattr(row, k)), _text(v)] for k, v in deleted_values.items()}
            new_values = dict(deleted_values)
            action, message = "delete", "deleted in Salesforce; kept"
        else:
            new_values = values_of(record.values)
            if row is None:
                row = model(organization_id=organization_id, external_id=key, **extra, **new_values)
                changes = {k: _text(v) for k, v in new_values.items()}
                action, message = "create", ""
            else:
                changes = {
                    k: [_text(getattr(row, k)), _text(v)]
                    for k, v in new_values.items()
                    if getattr(row, k) != v
                }
                if not changes:
                    outcomes.append(CrmOutcome(record.salesforce_id, "unchanged"))
                    continue
                action, message = "update", ""
        before = {k: getattr(row, k) for k in new_values} if row.pk else {}
        for name, value in new_values.items():
            setattr(row, name, value)
        try:
            # References are resolved by the sync (no query per record for them); the
            # constraints (a campaign's unique name) are checked with the organization.
            row.clean_fields(exclude=["organization", "owner", "account", "campaign"])
            row.clean()
            row.validate_constraints()
        except ValidationError as exc:
            for name, value in before.items():
                setattr(row, name, value)
            text = "; ".join(
                " ".join(v) if k == "__all__" else f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()
            )
            outcomes.append(CrmOutcome(record.salesforce_id, "error", text))
            continue
        if not dry_run:
            if row.pk:
                row.save(update_fields=[*new_values, "updated_at"])
            else:
                row.save()
            existing[key] = row
        outcomes.append(
            CrmOutcome(
                record.salesforce_id, action, message, changes if dry_run or action != "create" else None
            )
        )
    return outcomes


def _lead_values(values: dict[str, Any]) -> dict[str, Any]:
    out = {name: values[name] for name in LEAD_FIELDS if name in values}
    if "status" in out:
        out["status"] = out["status"] or LeadStatus.NEW
    return out


def _campaign_values(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in CAMPAIGN_FIELDS if name in values}


def salesforce_leads_upsert(
    organization_id: int,
    records: Sequence[CrmRecord],
    *,
    dry_run: bool,
    pending: Mapping[str, set[str]] | None = None,
) -> list[CrmOutcome]:
    """Store the page's Salesforce leads (the `crm_leads_upsert` provider)."""
    return _upsert(
        Lead,
        organization_id,
        records,
        fields=LEAD_FIELDS,
        values_of=_lead_values,
        deleted_values={"status": LeadStatus.LOST},
        extra={"external_source": SOURCE},
        dry_run=dry_run,
    )


def salesforce_campaigns_upsert(
    organization_id: int,
    records: Sequence[CrmRecord],
    *,
    dry_run: bool,
    pending: Mapping[str, set[str]] | None = None,
) -> list[CrmOutcome]:
    """Store the page's Salesforce campaigns (the `crm_campaigns_upsert` provider)."""
    return _upsert(
        Campaign,
        organization_id,
        records,
        fields=CAMPAIGN_FIELDS,
        values_of=_campaign_values,
        deleted_values={"active": False},
        extra={},
        dry_run=dry_run,
    )
