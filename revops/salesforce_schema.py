"""What the Salesforce sync may map and how values are turned into ours (no database access).

Targets are the revops fields a mapping may write, per Salesforce object, with their kind:
`text`, `choice` (needs a value map onto the field's choices unless the values already are
ours), `date`, `datetime`, `money`, or a reference (`account`, `opportunity`, `owner`) that
is resolved by Salesforce id (`AccountId` → the account whose external id it is; `OwnerId` →
the member whose e-mail the Salesforce user has). Every check names the mapping it refuses.

Segment conditions are checked here too, and values rendered as SOQL literals
(`revops.services.salesforce_segments` builds the WHERE clauses).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from revops.models.crm import Partner, PartnerType, Region, Segment, Stage
from revops.models.salesforce import API_NAME, SyncObject, Transform
from revops.providers import CRM_PROVIDER_APPS, CRM_PROVIDERS, crm_providers_registered

# kind, and for choices the allowed values
TARGETS: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    SyncObject.ACCOUNT: {
        "name": ("text", frozenset()),
        "domain": ("text", frozenset()),
        "industry": ("text", frozenset()),
        "segment": ("choice", frozenset(Segment.values)),
        "region": ("choice", frozenset(Region.values)),
        "owner": ("owner", frozenset()),
    },
    SyncObject.PARTNER: {
        "name": ("text", frozenset()),
        "domain": ("text", frozenset()),
        "tier": ("choice", frozenset(Partner.Tier.values)),
        "status": ("choice", frozenset(Partner.Status.values)),
        "lifecycle_stage": ("choice", frozenset(Partner.Lifecycle.values)),
    },
    SyncObject.OPPORTUNITY: {
        "name": ("text", frozenset()),
        "account": ("account", frozenset()),
        "owner": ("owner", frozenset()),
        "stage": ("choice", frozenset(Stage.values)),
        "amount": ("money", frozenset()),
        "currency": ("text", frozenset()),
        "created_date": ("date", frozenset()),
        "expected_close_date": ("date", frozenset()),
        "close_date": ("date", frozenset()),
        "lead_source": ("text", frozenset()),
    },
    SyncObject.OPPORTUNITY_HISTORY: {
        "opportunity": ("opportunity", frozenset()),
        "to_stage": ("choice", frozenset(Stage.values)),
        "amount": ("money", frozenset()),
        "changed_at": ("datetime", frozenset()),
    },
    SyncObject.CAMPAIGN: {
        "name": ("text", frozenset()),
        "active": ("flag", frozenset()),
        "description": ("text", frozenset()),
        # The marketing channel's name (Type, or a value map onto your channels' names).
        "channel": ("text", frozenset()),
    },
    SyncObject.LEAD: {
        "name": ("text", frozenset()),
        "email": ("text", frozenset()),
        "phone": ("text", frozenset()),
        "company": ("text", frozenset()),
        "status": ("text", frozenset()),
        "web_source": ("text", frozenset()),
        "owner": ("owner", frozenset()),
    },
    SyncObject.CAMPAIGN_MEMBER: {
        "campaign": ("sfid", frozenset()),
        "lead": ("sfid", frozenset()),
        "contact": ("sfid", frozenset()),
        "status": ("text", frozenset()),
        "responded_at": ("datetime", frozenset()),
        # The member's account and deal when known (a formula field such as Contact.AccountId
        # or Lead.ConvertedAccountId): resolved by marketing against the synced rows.
        "account": ("sfid", frozenset()),
        "opportunity": ("sfid", frozenset()),
    },
    # Deal–partner links (written by partner attribution through `crm_partner_links`).
    SyncObject.OPPORTUNITY_PARTNER: {
        "opportunity": ("opportunity", frozenset()),
        "partner": ("partner", frozenset()),
        "role": ("choice", frozenset(PartnerType.values)),
        "primary": ("flag", frozenset()),
    },
}
# References: a Salesforce id resolved to one of our rows, or copied as a Salesforce id
# ("sfid": the object's app resolves it); never transformed.
REFERENCE_KINDS = ("account", "opportunity", "owner", "partner", "sfid")
REQUIRED: dict[str, frozenset[str]] = {
    SyncObject.ACCOUNT: frozenset({"name"}),
    SyncObject.PARTNER: frozenset({"name"}),
    SyncObject.OPPORTUNITY: frozenset({"name", "account", "stage", "amount", "created_date"}),
    SyncObject.OPPORTUNITY_HISTORY: frozenset({"opportunity", "to_stage", "changed_at"}),
    SyncObject.CAMPAIGN: frozenset({"name"}),
    SyncObject.LEAD: frozenset({"name"}),
    SyncObject.CAMPAIGN_MEMBER: frozenset({"campaign", "responded_at"}),
    SyncObject.OPPORTUNITY_PARTNER: frozenset({"opportunity", "partner", "role"}),
}
TEXT_LIMITS = {
    "name": 200,
    "domain": 200,
    "industry": 100,
    "currency": 3,
    "lead_source": 60,
    "email": 254,
    "phone": 40,
    "company": 200,
    "status": 60,
    "web_source": 120,
    "channel": 80,
}

SALESFORCE_STAGES = {
    "Prospecting": Stage.PROSPECTING,
    "Qualification": Stage.QUALIFICATION,
    "Needs Analysis": Stage.QUALIFICATION,
    "Value Proposition": Stage.PROPOSAL,
    "Proposal/Price Quote": Stage.PROPOSAL,
    "Negotiation/Review": Stage.NEGOTIATION,
    "Closed Won": Stage.CLOSED_WON,
    "Closed Lost": Stage.CLOSED_LOST,
}
# Salesforce's standard OpportunityPartner roles onto our partner roles.
SALESFORCE_PARTNER_ROLES = {
    "System Integrator": PartnerType.SI,
    "Consultant": PartnerType.SI,
    "Contractor": PartnerType.SI,
    "Developer": PartnerType.ISV,
    "Supplier": PartnerType.ISV,
    "VAR/Reseller": PartnerType.REFERRAL,
    "Distributor": PartnerType.REFERRAL,
    "Dealer": PartnerType.REFERRAL,
    "Broker": PartnerType.REFERRAL,
    "Agency": PartnerType.INFLUENCE,
    "Advertiser": PartnerType.INFLUENCE,
    "Lender": PartnerType.INFLUENCE,
    "Institution": PartnerType.INFLUENCE,
}
# (object, salesforce field, target, transform, value map): Salesforce's standard fields.
DEFAULT_MAPPINGS: tuple[tuple[str, str, str, str, dict], ...] = (
    (SyncObject.ACCOUNT, "Name", "name", Transform.COPY, {}),
    (SyncObject.ACCOUNT, "Website", "domain", Transform.COPY, {}),
    (SyncObject.ACCOUNT, "Industry", "industry", Transform.COPY, {}),
    (SyncObject.ACCOUNT, "OwnerId", "owner", Transform.COPY, {}),
    (SyncObject.PARTNER, "Name", "name", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "Name", "name", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "AccountId", "account", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "OwnerId", "owner", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "StageName", "stage", Transform.VALUE_MAP, SALESFORCE_STAGES),
    (SyncObject.OPPORTUNITY, "Amount", "amount", Transform.NUMBER, {}),
    (SyncObject.OPPORTUNITY, "CreatedDate", "created_date", Transform.DATE, {}),
    (SyncObject.OPPORTUNITY, "CloseDate", "expected_close_date", Transform.DATE, {}),
    (SyncObject.OPPORTUNITY, "LeadSource", "lead_source", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY_HISTORY, "OpportunityId", "opportunity", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY_HISTORY, "StageName", "to_stage", Transform.VALUE_MAP, SALESFORCE_STAGES),
    (SyncObject.OPPORTUNITY_HISTORY, "Amount", "amount", Transform.NUMBER, {}),
    (SyncObject.OPPORTUNITY_HISTORY, "CreatedDate", "changed_at", Transform.DATE, {}),
    (SyncObject.OPPORTUNITY_PARTNER, "OpportunityId", "opportunity", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY_PARTNER, "AccountToId", "partner", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY_PARTNER, "Role", "role", Transform.VALUE_MAP, SALESFORCE_PARTNER_ROLES),
    (SyncObject.OPPORTUNITY_PARTNER, "IsPrimary", "primary", Transform.COPY, {}),
)
# The standard mappings of the objects other apps store (installed when asked for: a connection
# syncs them only once they are mapped).
SALESFORCE_LEAD_STATUSES = {
    "Open - Not Contacted": "New",
    "Working - Contacted": "Contacted",
    "Closed - Converted": "Converted",
    "Closed - Not Converted": "Lost",
}
APP_DEFAULT_MAPPINGS: tuple[tuple[str, str, str, str, dict], ...] = (
    (SyncObject.CAMPAIGN, "Name", "name", Transform.COPY, {}),
    (SyncObject.CAMPAIGN, "IsActive", "active", Transform.COPY, {}),
    (SyncObject.CAMPAIGN, "Description", "description", Transform.COPY, {}),
    (SyncObject.CAMPAIGN, "Type", "channel", Transform.COPY, {}),
    (SyncObject.LEAD, "Name", "name", Transform.COPY, {}),
    (SyncObject.LEAD, "Email", "email", Transform.COPY, {}),
    (SyncObject.LEAD, "Phone", "phone", Transform.COPY, {}),
    (SyncObject.LEAD, "Company", "company", Transform.COPY, {}),
    (SyncObject.LEAD, "Status", "status", Transform.VALUE_MAP, SALESFORCE_LEAD_STATUSES),
    (SyncObject.LEAD, "LeadSource", "web_source", Transform.COPY, {}),
    (SyncObject.LEAD, "OwnerId", "owner", Transform.COPY, {}),
    (SyncObject.CAMPAIGN_MEMBER, "CampaignId", "campaign", Transform.COPY, {}),
    (SyncObject.CAMPAIGN_MEMBER, "LeadId", "lead", Transform.COPY, {}),
    (SyncObject.CAMPAIGN_MEMBER, "ContactId", "contact", Transform.COPY, {}),
    (SyncObject.CAMPAIGN_MEMBER, "Status", "status", Transform.COPY, {}),
    (SyncObject.CAMPAIGN_MEMBER, "CreatedDate", "responded_at", Transform.DATE, {}),
)


NOT_STORED = (
    "{sobject}: no app here stores Salesforce {sobject} records (the app that does — {app} — "
    "is not installed); remove the {sobject} mappings."
)


def provided(sobject: str) -> bool:
    """Whether other apps store the object (the sync hands its pages to their providers)."""
    return sobject in CRM_PROVIDERS


def provider_missing(sobject: str) -> str:
    """The refusal for an object no installed app stores; empty when one does (or it is core)."""
    if sobject not in CRM_PROVIDERS or crm_providers_registered(sobject):
        return ""
    apps = " or ".join(dict.fromkeys(CRM_PROVIDER_APPS[name] for name in CRM_PROVIDERS[sobject]))
    return NOT_STORED.format(sobject=sobject, app=apps)


class TransformError(ValueError):
    """A record's value the mapping cannot turn into ours (names the field and the value)."""


def mapping_row_check(
    *, sobject: str, salesforce_field: str, target_field: str, transform: str, value_map: Any, constant: str
) -> None:
    """Refuse a mapping row that cannot work, naming it (no Salesforce call: see `mapping_describe_check`)."""
    label = f"{sobject} {salesforce_field or 'constant'} → {target_field}"
    targets = TARGETS.get(sobject)
    if targets is None:
        raise ValidationError({"sobject": f"{label}: unknown object {sobject!r}."})
    if target_field not in targets:
        raise ValidationError(
            {"target_field": f"{label}: unknown target field; use one of {', '.join(sorted(targets))}."}
        )
    kind, choices = targets[target_field]
    if transform == Transform.CONSTANT:
        if not constant:
            raise ValidationError({"constant": f"{label}: a constant mapping needs its value."})
        if kind == "choice" and constant not in choices:
            raise ValidationError(
                {"constant": f"{label}: {constant!r} is not one of {', '.join(sorted(choices))}."}
            )
    elif not salesforce_field:
        raise ValidationError({"salesforce_field": f"{label}: name the Salesforce field."})
    if salesforce_field and not API_NAME.match(salesforce_field):
        raise ValidationError(
            {"salesforce_field": f"{label}: {salesforce_field!r} is not a Salesforce field name."}
        )
    if transform == Transform.VALUE_MAP:
        if not isinstance(value_map, dict) or not value_map:
            raise ValidationError(
                {"value_map": f"{label}: give a JSON object of Salesforce value → revops value."}
            )
        if kind == "choice":
            bad = sorted(str(v) for v in value_map.values() if v not in choices)
            if bad:
                raise ValidationError(
                    {"value_map": f"{label}: {', '.join(bad)} not in {', '.join(sorted(choices))}."}
                )
    if transform == Transform.DATE and kind not in ("date", "datetime"):
        raise ValidationError({"transform": f"{label}: {target_field} is not a date."})
    if transform == Transform.NUMBER and kind != "money":
        raise ValidationError({"transform": f"{label}: {target_field} is not a number."})
    if transform in (Transform.DATE, Transform.NUMBER, Transform.VALUE_MAP) and kind == "flag":
        raise ValidationError({"transform": f"{label}: {target_field} is copied (true or false)."})
    if kind in REFERENCE_KINDS and transform != Transform.COPY:
        raise ValidationError({"transform": f"{label}: a reference is copied (a Salesforce id)."})


@dataclass(frozen=True)
class Rule:
    """One mapping, resolved for a sync: a plain value object the inner loop can use."""

    salesforce_field: str
    target_field: str
    kind: str
    transform: str
    value_map: dict
    constant: str
    conflict_policy: str

    def apply(self, record: dict) -> Any:
        if self.transform == Transform.CONSTANT:
            return self.constant
        raw = record.get(self.salesforce_field)
        if self.transform == Transform.VALUE_MAP:
            if raw is None or raw == "":
                return ""
            try:
                return self.value_map[raw]
            except (KeyError, TypeError):
                raise TransformError(f"{self.salesforce_field}: no mapping for {raw!r}") from None
        if self.transform == Transform.DATE:
            return parse_date(raw, self.salesforce_field, want_datetime=self.kind == "datetime")
        if self.transform == Transform.NUMBER:
            return parse_money(raw, self.salesforce_field)
        if self.kind in REFERENCE_KINDS:
            return raw or ""
        if self.kind == "flag":
            return raw is True or str(raw).strip().lower() in ("true", "1", "yes")
        text = "" if raw is None else str(raw).strip()
        if self.kind == "choice" and text and text not in TARGETS_CHOICES[self.target_field]:
            raise TransformError(f"{self.salesforce_field}: {text!r} is not a revops value; add a value map")
        limit = TEXT_LIMITS.get(self.target_field)
        if limit and len(text) > limit:
            raise TransformError(f"{self.salesforce_field}: longer than {limit} characters")
        return text


TARGETS_CHOICES = {t: c for targets in TARGETS.values() for t, (_k, c) in targets.items() if c}


def parse_date(raw: Any, field: str, *, want_datetime: bool = False) -> dt.date | dt.datetime | None:
    if raw is None or raw == "":
        return None
    text = str(raw)
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if want_datetime else day
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise TransformError(f"{field}: {text[:40]!r} is not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC) if want_datetime else moment.astimezone(dt.UTC).date()


def parse_money(raw: Any, field: str) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise TransformError(f"{field}: {raw!r} is not a number")
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise TransformError(f"{field}: {str(raw)[:40]!r} is not a number") from None
    if not value.is_finite() or abs(value) >= Decimal("1e16"):
        raise TransformError(f"{field}: {raw!r} is out of range")
    return value


FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$")
OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "LIKE", "IN", "NOT IN")


def soql_literal(value: Any) -> str:
    """`value` as a SOQL literal: JSON numbers, true/false and null bare; every string quoted
    (so an id such as '012000000000001' stays a string)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        if not math.isfinite(value):
            raise ValidationError({"conditions": f"{value!r} is not a number SOQL takes."})
        return str(value)
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def soql_datetime(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def field_name(name: str, where: str) -> str:
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        raise ValidationError({"conditions": f"{where}: {name!r} is not a Salesforce field name."})
    return name


def segment_conditions_check(conditions: Any) -> None:
    """Refuse conditions that are not a list of {field, operator, value}, naming the bad one."""
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": "Give a JSON list of {field, operator, value}."})
    for number, cond in enumerate(conditions, start=1):
        where = f"condition {number}"
        if not isinstance(cond, dict) or set(cond) - {"field", "operator", "value"}:
            raise ValidationError({"conditions": f"{where}: use the keys field, operator and value."})
        field_name(cond.get("field", ""), where)
        if cond.get("operator") not in OPERATORS:
            raise ValidationError({"conditions": f"{where}: operator must be one of {', '.join(OPERATORS)}."})
        value = cond.get("value")
        if cond["operator"] in ("IN", "NOT IN"):
            if not isinstance(value, list) or not value:
                raise ValidationError({"conditions": f"{where}: IN takes a non-empty list of values."})
        elif isinstance(value, list | dict):
            raise ValidationError({"conditions": f"{where}: the value must be one value."})
