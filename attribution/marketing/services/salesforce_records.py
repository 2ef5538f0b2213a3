"""Salesforce campaigns and campaign members from the Salesforce sync, as marketing campaigns
and touches.

Registered as the `crm_marketing_campaigns_upsert` and `crm_campaign_members_upsert`
providers: the core's sync maps each record's fields and hands a page of them here, inside
the page's transaction. Campaigns are read before their members in every run.

* **Campaign** → the marketing `Campaign` whose `external_id` is ``"salesforce:<Id>"`` (a
  campaign of the same name not linked to Salesforce yet is adopted, its spend kept). Its
  channel is the mapped `channel` value (Salesforce's Type, or a value map onto your channel
  names); an empty one is the channel ``DEFAULT_CHANNEL``. A channel not seen before is created
  (grouping ``CHANNEL_GROUPING``). A campaign whose channel changes takes its synced touches
  along. A campaign deleted in Salesforce is kept (touches and past runs name it).
* **CampaignMember** → one `Touchpoint` with source CRM and `external_id` ``"salesforce:<Id>"``:
  occurred at the mapped `responded_at` (standard mapping: CreatedDate), on the campaign's
  channel, contact key ``"salesforce:<ContactId>"`` (else the LeadId), account and deal from the
  optional `account` / `opportunity` mappings when those Salesforce ids are synced here (a
  deal alone gives its account). A member whose campaign has no marketing campaign (not
  synced, or refused) is that record's error, naming the field; the others are stored.
* **Deleted member** (queryAll's `IsDeleted`): the touch is marked `removed_at` (the deletion's
  SystemModstamp), never deleted, so a finished run's per-touch credit still drills down to it;
  journeys built afterwards leave it out. A member restored in Salesforce clears the mark.

Idempotent by Salesforce id: a record that comes back unchanged is unchanged. A dry run
answers what it would do and writes nothing. Per page: one keyed read of the touches, one of
the campaigns, one each of the accounts and deals named; new touches in one bulk insert,
changed ones in one bulk update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.utils import timezone

from attribution.marketing.models import Campaign, Channel, Touchpoint, TouchSource
from revops.bulk import bulk_insert, rows_by_key
from revops.models import Account, Opportunity
from revops.providers import CrmOutcome, CrmRecord

SOURCE = "salesforce"
DEFAULT_CHANNEL = "Salesforce campaign"
CHANNEL_GROUPING = "CRM"
# The provider whose preview creates are this app's campaigns (a member of one of them is not
# an error in a preview).
CAMPAIGNS_PROVIDER = "crm_marketing_campaigns_upsert"
BATCH = 1000
NAME_LIMIT = Campaign._meta.get_field("name").max_length or 120
CHANNEL_LIMIT = Channel._meta.get_field("name").max_length or 80
CONTACT_LIMIT = Touchpoint._meta.get_field("contact_key").max_length or 120
NO_CAMPAIGN = (
    "campaign: Salesforce campaign {sfid} has no marketing campaign (not synced, or refused: "
    "see the Campaign records of the sync log)"
)


def external_id(salesforce_id: str) -> str:
    return f"{SOURCE}:{salesforce_id}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# -- campaigns ----------------------------------------------------------------------------------


def salesforce_marketing_campaigns_upsert(
    organization_id: int,
    records: Sequence[CrmRecord],
    *,
    dry_run: bool,
    pending: Mapping[str, set[str]] | None = None,
) -> list[CrmOutcome]:
    """Store the page's Salesforce campaigns as marketing campaigns (the
    `crm_marketing_campaigns_upsert` provider)."""
    keys = [external_id(r.salesforce_id) for r in records]
    live = [r for r in records if not r.deleted]
    names = {_text(r.values.get("name")).strip() for r in live}
    rows = {
        c.external_id: c
        for c in Campaign.objects.filter(organization_id=organization_id, external_id__in=keys).exclude(
            external_id=""
        )
    }
    by_name = {
        c.name: c for c in Campaign.objects.filter(organization_id=organization_id, name__in=names - {""})
    }
    wanted = {_text(r.values.get("channel")).strip() or DEFAULT_CHANNEL for r in live}
    channels = dict(
        Channel.objects.filter(organization_id=organization_id, name__in=wanted).values_list("name", "id")
    )
    channel_names = {pk: name for name, pk in channels.items()}
    theirs = {c.channel_id for c in (*rows.values(), *by_name.values())} - set(channel_names)
    if theirs:
        channel_names.update(Channel.objects.filter(pk__in=theirs).values_list("id", "name"))
    outcomes: list[CrmOutcome] = []
    moved: list[tuple[int, int]] = []  # (campaign id, new channel id): its touches follow
    for record, key in zip(records, keys, strict=True):
        row = rows.get(key)
        if record.deleted:
            if row is not None:
                outcomes.append(
                    CrmOutcome(record.salesforce_id, "unchanged", "deleted in Salesforce; campaign kept")
                )
            continue
        name = _text(record.values.get("name")).strip()
        channel = _text(record.values.get("channel")).strip() or DEFAULT_CHANNEL
        problem = _campaign_problem(name, channel, row, by_name)
        if problem:
            outcomes.append(CrmOutcome(record.salesforce_id, "error", problem))
            continue
        if channel not in channels:
            channels[channel] = 0 if dry_run else _channel_create(organization_id, channel)
            channel_names[channels[channel]] = channel
        if row is None and name in by_name:
            row = by_name[name]  # adopted: a marketing campaign of that name, not linked yet
        if row is None:
            row = Campaign(organization_id=organization_id, name=name, channel_id=channels[channel])
            row.external_id = key
            changes = {"name": name, "channel": channel}
            if not dry_run:
                row.save()
            rows[key] = by_name[name] = row
            outcomes.append(CrmOutcome(record.salesforce_id, "create", "", changes if dry_run else None))
            continue
        old_channel = channel_names.get(row.channel_id, "")
        changes = {}
        if row.name != name:
            changes["name"] = [row.name, name]
        if old_channel != channel:
            changes["channel"] = [old_channel, channel]
        if row.external_id != key:
            changes["external_id"] = [row.external_id, key]
        if not changes:
            outcomes.append(CrmOutcome(record.salesforce_id, "unchanged"))
            continue
        if not dry_run:
            by_name.pop(row.name, None)
            row.name, row.external_id = name, key
            if "channel" in changes:
                row.channel_id = channels[channel]
                moved.append((row.pk, row.channel_id))
            row.save(update_fields=["name", "external_id", "channel", "updated_at"])
            by_name[name] = row
        outcomes.append(CrmOutcome(record.salesforce_id, "update", "", changes))
    for campaign_id, channel_id in moved:
        Touchpoint.objects.filter(
            organization_id=organization_id, campaign_id=campaign_id, source=TouchSource.CRM
        ).update(channel_id=channel_id, updated_at=timezone.now())
    return outcomes


def _campaign_problem(name: str, channel: str, row: Campaign | None, by_name: dict[str, Campaign]) -> str:
    if not name:
        return "name: empty"
    if len(name) > NAME_LIMIT:
        return f"name: longer than {NAME_LIMIT} characters"
    if len(channel) > CHANNEL_LIMIT:
        return f"channel: {channel[:40]!r} is longer than {CHANNEL_LIMIT} characters"
    other = by_name.get(name)
    # A campaign of that name not linked to Salesforce is adopted by a new record; any other
    # holder of the name refuses it (names are unique per organization).
    same = other is row or (other is not None and row is not None and row.pk and other.pk == row.pk)
    if other is not None and not same and (row is not None or other.external_id):
        return f"name: another marketing campaign is called {name!r}"
    return ""


def _channel_create(organization_id: int, name: str) -> int:
    return Channel.objects.create(organization_id=organization_id, name=name, grouping=CHANNEL_GROUPING).pk


# -- campaign members ---------------------------------------------------------------------------

TOUCH_COLUMNS = (
    "id",
    "occurred_at",
    "channel_id",
    "campaign_id",
    "contact_key",
    "account_id",
    "opportunity_id",
    "removed_at",
)
INSERT_FIELDS = (
    "organization_id",
    "external_id",
    "source",
    "occurred_at",
    "channel_id",
    "campaign_id",
    "contact_key",
    "account_id",
    "opportunity_id",
    "removed_at",
)


class Stored(NamedTuple):
    """A touch as the page's keyed read returns it."""

    id: int
    occurred_at: dt.datetime
    channel_id: int
    campaign_id: int | None
    contact_key: str
    account_id: int | None
    opportunity_id: int | None
    removed_at: dt.datetime | None


class Refs(NamedTuple):
    """The page's references resolved to our ids (one keyed read each)."""

    campaigns: dict[str, tuple[int, int]]  # Salesforce campaign id → (campaign id, channel id)
    accounts: dict[str, int]
    opportunities: dict[str, tuple[int, int]]  # Salesforce deal id → (deal id, its account id)
    pending_campaigns: set[str]


def _refs(organization_id: int, records: Sequence[CrmRecord], pending: Mapping[str, set[str]]) -> Refs:
    def wanted(name: str) -> list[str]:
        return sorted({_text(r.values.get(name)) for r in records if not r.deleted} - {""})

    campaigns = {
        key.removeprefix(f"{SOURCE}:"): (pk, channel_id)
        for key, pk, channel_id in rows_by_key(
            Campaign,
            organization_id=organization_id,
            key="external_id",
            keys=[external_id(c) for c in wanted("campaign")],
            columns=("id", "channel_id"),
        )
    }
    account_ids, deal_ids = wanted("account"), wanted("opportunity")
    accounts: dict[str, int] = (
        dict(
            rows_by_key(
                Account, organization_id=organization_id, key="external_id", keys=account_ids, columns=("id",)
            )
        )
        if account_ids
        else {}
    )
    deals = (
        {
            key: (pk, account_id)
            for key, pk, account_id in rows_by_key(
                Opportunity,
                organization_id=organization_id,
                key="external_id",
                keys=deal_ids,
                columns=("id", "account_id"),
            )
        }
        if deal_ids
        else {}
    )
    return Refs(campaigns, accounts, deals, set(pending.get(CAMPAIGNS_PROVIDER, ())))


def _member_values(record: CrmRecord, refs: Refs) -> dict[str, Any]:
    """The touch's columns for a live member; raises ValueError naming the field."""
    values = record.values
    campaign_sfid = _text(values.get("campaign"))
    if not campaign_sfid:
        raise ValueError("campaign: empty")
    occurred = values.get("responded_at")
    if not isinstance(occurred, dt.datetime):
        raise ValueError("responded_at: empty")
    person = _text(values.get("contact")) or _text(values.get("lead"))
    contact_key = f"{SOURCE}:{person}" if person else ""
    if len(contact_key) > CONTACT_LIMIT:
        raise ValueError("contact: longer than a contact key holds")
    deal = refs.opportunities.get(_text(values.get("opportunity")))
    account_id = refs.accounts.get(_text(values.get("account"))) or (deal[1] if deal else None)
    if not contact_key and account_id is None:
        raise ValueError(
            "lead, contact: both empty, and no synced account (a touch needs a contact or account)"
        )
    found = refs.campaigns.get(campaign_sfid)
    if found is None:
        if campaign_sfid in refs.pending_campaigns:
            found = (0, 0)  # a preview: the campaign is created by this run
        else:
            raise ValueError(NO_CAMPAIGN.format(sfid=campaign_sfid))
    return {
        "occurred_at": occurred,
        "channel_id": found[1] or None,
        "campaign_id": found[0] or None,
        "contact_key": contact_key,
        "account_id": account_id,
        "opportunity_id": deal[0] if deal else None,
        "removed_at": None,
    }


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def salesforce_campaign_members_upsert(
    organization_id: int,
    records: Sequence[CrmRecord],
    *,
    dry_run: bool,
    pending: Mapping[str, set[str]] | None = None,
) -> list[CrmOutcome]:
    """Store the page's Salesforce campaign members as touches (the `crm_campaign_members_upsert`
    provider): one keyed read of the touches, bulk writes."""
    keys = [external_id(r.salesforce_id) for r in records]
    stored = {
        row[0]: Stored(*row[1:])
        for row in rows_by_key(
            Touchpoint, organization_id=organization_id, key="external_id", keys=keys, columns=TOUCH_COLUMNS
        )
    }
    refs = _refs(organization_id, records, pending or {})
    now = timezone.now()
    outcomes: list[CrmOutcome] = []
    creates: list[tuple] = []
    updates: list[Touchpoint] = []
    changed: set[str] = set()
    seen: set[str] = set()
    for record, key in zip(records, keys, strict=True):
        if key in seen:
            continue  # the same member twice in a page (Salesforce does not do this)
        seen.add(key)
        row = stored.get(key)
        if record.deleted:
            if row is None:
                continue  # never stored here: nothing to do
            if row.removed_at is not None:
                outcomes.append(CrmOutcome(record.salesforce_id, "unchanged"))
                continue
            values = {"removed_at": record.modstamp}
            message = "deleted in Salesforce; the touch is kept, marked removed (left out of new runs)"
        else:
            try:
                values = _member_values(record, refs)
            except ValueError as exc:
                outcomes.append(CrmOutcome(record.salesforce_id, "error", str(exc)))
                continue
            message = ""
            if row is None:
                if not dry_run:
                    creates.append(
                        (
                            organization_id,
                            key,
                            TouchSource.CRM,
                            *(values[name] for name in INSERT_FIELDS[3:]),
                        )
                    )
                outcomes.append(
                    CrmOutcome(
                        record.salesforce_id,
                        "create",
                        "",
                        {k: _jsonable(v) for k, v in values.items()} if dry_run else None,
                    )
                )
                continue
        changes = {
            name: [_jsonable(getattr(row, name)), _jsonable(value)]
            for name, value in values.items()
            if getattr(row, name) != value
        }
        if not changes:
            outcomes.append(CrmOutcome(record.salesforce_id, "unchanged"))
            continue
        if not dry_run:
            # bulk_update writes every listed column: the row's current values, then the new ones.
            updates.append(Touchpoint(**{**row._asdict(), **values, "updated_at": now}))
            changed.update(changes)
        action = "delete" if record.deleted else "update"
        outcomes.append(CrmOutcome(record.salesforce_id, action, message, changes))
    if creates:
        bulk_insert(Touchpoint, INSERT_FIELDS, creates)
    if updates:
        Touchpoint.objects.bulk_update(updates, [*sorted(changed), "updated_at"], batch_size=BATCH)
    return outcomes
