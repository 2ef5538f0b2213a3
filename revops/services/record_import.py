"""Import kinds of the core records: accounts, partners, product lines, products, stage history.

Each kind matches rows on its dedupe key inside the organization (accounts and partners on
`external_id`, product lines on `code`, products on `sku`, a stage change on its deal, stages
and day): new keys are created, known keys whose values differ are updated through
`record_update` (audited, and the hooks that queue the ledger alignment run), identical rows
are left alone, so a re-upload changes nothing. References are resolved by external id, code
or member e-mail, for all rows at once; an unknown one is a row error and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.db import models
from pydantic import BeforeValidator, Field, field_validator

from revops.imports.fields import TEXT, Day, ImportRow, Money
from revops.imports.kinds import Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.models import (
    Account,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Organization,
    Partner,
    Product,
    ProductLine,
    Role,
)
from revops.models.crm import PartnerType, Region, Segment, Stage
from revops.money import quantize_money
from revops.permissions import Cap
from revops.services.crm import record_update

# Rows per INSERT and per progress report.
BATCH_SIZE = 500
# Lookups by key go in chunks so the IN list stays under SQLite's variable limit.
LOOKUP_CHUNK = 500

TRUE = {"true", "yes", "y", "1", "ja", "oui", "x"}
FALSE = {"false", "no", "n", "0", "nein", "non", ""}


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _choice(choices: type[models.TextChoices], value: str, name: str) -> str:
    """The choice's value, given as its value or its label (case-insensitive)."""
    wanted = value.strip().lower()
    for choice in choices:
        if wanted in (choice.value, str(choice.label).lower()):
            return choice.value
    raise ValueError(f"unknown {name} {value!r} (use one of: {', '.join(choices.values)})")


def _allowed(choices: type[models.TextChoices]) -> str:
    return "one of: " + ", ".join(choices.values)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{value!r} is not yes/no")


YesNo = Annotated[bool, BeforeValidator(_to_bool)]
Key = Annotated[str, TEXT, Field(min_length=1, max_length=64)]


def _members(organization: Organization) -> dict[str, int]:
    """Internal members by lower-cased e-mail (partner users own nothing)."""
    rows = (
        Membership.objects.filter(organization=organization, is_active=True)
        .exclude(role=Role.PARTNER)
        .values_list("user__email", "user_id")
    )
    return {email.lower(): user_id for email, user_id in rows}


def _existing(model: type[models.Model], organization: Organization, key: str, keys: list[str]) -> dict:
    found: dict[str, Any] = {}
    for chunk in _chunks(sorted(set(keys)), LOOKUP_CHUNK):
        for obj in model._default_manager.filter(organization=organization, **{f"{key}__in": chunk}):
            found[getattr(obj, key)] = obj
    return found


@dataclass
class _Upsert:
    """What an upsert kind's rows refer to: existing rows by key, and its references."""

    existing: dict[str, Any]
    refs: dict[str, dict[str, int]] = field(default_factory=dict)


class _UpsertKind(ImportKind):
    """A kind whose rows create or update one model by its key; subclasses map the fields."""

    model: ClassVar[type[models.Model]]
    compared: ClassVar[tuple[str, ...]]
    capability = Cap.RECORD_IMPORT

    def references(self, organization: Organization, rows: list[Any]) -> dict[str, dict[str, int]]:
        return {}

    def load(self, *, organization: Organization, rows: list[Any]) -> _Upsert:
        keys = [getattr(r, self.key_field) for r in rows]
        return _Upsert(
            _existing(self.model, organization, self.key_field, keys), self.references(organization, rows)
        )

    def plan(self, values: dict[str, Any], context: _Upsert) -> Action:
        current = context.existing.get(values[self.key_field])
        if current is None:
            return Action.CREATE
        if any(getattr(current, f) != values[f] for f in self.compared):
            return Action.UPDATE
        return Action.UNCHANGED

    def prepare_new(self, obj: models.Model) -> None:
        """Fill what `save()` would (bulk_create skips it)."""

    def _by_field(self, values: dict[str, Any]) -> dict[str, Any]:
        """The compared values keyed by field name (`owner`, not `owner_id`), as `record_update` takes."""
        data: dict[str, Any] = {}
        for name in self.compared:
            if name.endswith("_id"):
                related = self.model._meta.get_field(name).related_model
                assert related is not None and not isinstance(related, str)
                data[name.removesuffix("_id")] = related(pk=values[name]) if values[name] else None
            else:
                data[name] = values[name]
        return data

    def write(
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Upsert,
        progress: Progress,
        source: ImportSource | None = None,
    ) -> None:
        for done, batch in enumerate(_chunks(rows, BATCH_SIZE), start=1):
            new = []
            for item in batch:
                if item.action == Action.CREATE:
                    obj = self.model(organization=organization, **item.values)
                    self.prepare_new(obj)
                    new.append(obj)
                elif item.action == Action.UPDATE:
                    current = context.existing[item.values[self.key_field]]
                    # The one update path: audited, and apps' hooks (ledger alignment) run.
                    record_update(instance=current, actor=actor, data=self._by_field(item.values))
            self.model._default_manager.bulk_create(new)
            progress(min(done * BATCH_SIZE, len(rows)), len(rows))


# --- Accounts -------------------------------------------------------------------------------------


class AccountRow(ImportRow):
    external_id: Key
    name: Annotated[str, TEXT, Field(min_length=1, max_length=200)]
    domain: Annotated[str, TEXT, Field(max_length=200)] | None = None
    industry: Annotated[str, TEXT, Field(max_length=100)] | None = None
    segment: Annotated[str, TEXT, Field(max_length=40)] | None = None
    region: Annotated[str, TEXT, Field(max_length=40)] | None = None
    owner_email: Annotated[str, TEXT, Field(max_length=254)] | None = None

    @field_validator("segment")
    @classmethod
    def _segment(cls, value: str | None) -> str | None:
        return _choice(Segment, value, "segment") if value else value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return _choice(Region, value, "region") if value else value


class AccountImport(_UpsertKind):
    name = "accounts"
    label = "Accounts"
    audit_action = "account.import"
    schema = AccountRow
    model = Account
    compared = ("name", "domain", "industry", "segment", "region", "owner_id")
    preview_fields = ("external_id", "name", "segment", "region")
    example: ClassVar[dict[str, str]] = {
        "external_id": "ACC-1",
        "name": "Initech",
        "domain": "initech.example",
        "industry": "Software",
        "segment": Segment.MID_MARKET.value,
        "region": Region.EMEA.value,
        "owner_email": "rep1@acme.test",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "external_id": "Your id of the account; the dedupe key (a known id updates the account).",
        "segment": _allowed(Segment),
        "region": _allowed(Region),
        "owner_email": "E-mail of a member of the organization (not a partner user).",
    }

    def references(self, organization: Organization, rows: list[Any]) -> dict[str, dict[str, int]]:
        return {"members": _members(organization)}

    def resolve(self, row: AccountRow, context: _Upsert) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        owner_id = None
        if row.owner_email:
            owner_id = context.refs["members"].get(row.owner_email.lower())
            if owner_id is None:
                errors.append(
                    ("owner_email", f"{row.owner_email.lower()!r} is not a member of this organization")
                )
        values = {
            "external_id": row.external_id,
            "name": row.name,
            "domain": row.domain or "",
            "industry": row.industry or "",
            "segment": row.segment or "",
            "region": row.region or "",
            "owner_id": owner_id,
        }
        return values, errors

    def prepare_new(self, obj: models.Model) -> None:
        assert isinstance(obj, Account)
        obj.fill_match_keys()


# --- Partners -------------------------------------------------------------------------------------


def _to_types(value: Any) -> list[str]:
    parts = [p.strip() for p in str(value).replace(";", ",").split(",") if p.strip()]
    return sorted({_choice(PartnerType, p, "partner type") for p in parts})


class PartnerRow(ImportRow):
    external_id: Key
    name: Annotated[str, TEXT, Field(min_length=1, max_length=200)]
    domain: Annotated[str, TEXT, Field(max_length=200)] | None = None
    types: Annotated[list[str], BeforeValidator(_to_types)] | None = None
    tier: Annotated[str, TEXT, Field(max_length=40)] | None = None
    status: Annotated[str, TEXT, Field(max_length=40)] | None = None
    lifecycle_stage: Annotated[str, TEXT, Field(max_length=40)] | None = None

    @field_validator("tier")
    @classmethod
    def _tier(cls, value: str | None) -> str | None:
        return _choice(Partner.Tier, value, "tier") if value else value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        return _choice(Partner.Status, value, "status") if value else value

    @field_validator("lifecycle_stage")
    @classmethod
    def _lifecycle(cls, value: str | None) -> str | None:
        return _choice(Partner.Lifecycle, value, "lifecycle stage") if value else value


class PartnerImport(_UpsertKind):
    name = "partners"
    label = "Partners"
    audit_action = "partner.import"
    schema = PartnerRow
    model = Partner
    compared = ("name", "domain", "types", "tier", "status", "lifecycle_stage")
    preview_fields = ("external_id", "name", "tier", "status")
    example: ClassVar[dict[str, str]] = {
        "external_id": "PRT-1",
        "name": "Northwind Consulting",
        "domain": "northwind.example",
        "types": f"{PartnerType.SI.value}, {PartnerType.REFERRAL.value}",
        "tier": Partner.Tier.GOLD.value,
        "status": Partner.Status.ACTIVE.value,
        "lifecycle_stage": Partner.Lifecycle.ACTIVE.value,
    }
    column_notes: ClassVar[dict[str, str]] = {
        "external_id": "Your id of the partner; the dedupe key (a known id updates the partner).",
        "types": "Roles the partner can play, comma-separated; " + _allowed(PartnerType),
        "tier": _allowed(Partner.Tier) + f" (default {Partner.Tier.REGISTERED.value})",
        "status": _allowed(Partner.Status) + f" (default {Partner.Status.ACTIVE.value})",
        "lifecycle_stage": _allowed(Partner.Lifecycle) + f" (default {Partner.Lifecycle.PROSPECT.value})",
    }

    def resolve(self, row: PartnerRow, context: _Upsert) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        current = context.existing.get(row.external_id)
        # A blank optional column keeps what a known partner has, and gives a new one the default.
        values = {
            "external_id": row.external_id,
            "name": row.name,
            "domain": row.domain or "",
            "types": row.types if row.types is not None else (current.types if current else []),
            "tier": row.tier or (current.tier if current else Partner.Tier.REGISTERED),
            "status": row.status or (current.status if current else Partner.Status.ACTIVE),
            "lifecycle_stage": row.lifecycle_stage
            or (current.lifecycle_stage if current else Partner.Lifecycle.PROSPECT),
        }
        return values, []


# --- Product lines and products -------------------------------------------------------------------


class ProductLineRow(ImportRow):
    code: Annotated[str, TEXT, Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
    name: Annotated[str, TEXT, Field(min_length=1, max_length=120)]


class ProductLineImport(_UpsertKind):
    name = "product_lines"
    label = "Product lines"
    audit_action = "productline.import"
    schema = ProductLineRow
    model = ProductLine
    key_field = "code"
    compared = ("name",)
    preview_fields = ("code", "name")
    example: ClassVar[dict[str, str]] = {"code": "analytics", "name": "Analytics"}
    column_notes: ClassVar[dict[str, str]] = {
        "code": "Short code (letters, digits, - and _); the dedupe key, referred to by products and deals.",
    }

    def resolve(self, row: ProductLineRow, context: _Upsert) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        return {"code": row.code, "name": row.name}, []


class ProductRow(ImportRow):
    sku: Annotated[str, TEXT, Field(min_length=1, max_length=60)]
    name: Annotated[str, TEXT, Field(min_length=1, max_length=160)]
    product_line_code: Annotated[str, TEXT, Field(max_length=40)]
    list_price: Money | None = None
    is_active: YesNo | None = None

    @field_validator("list_price")
    @classmethod
    def _not_negative(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError("must not be negative")
        return quantize_money(value) if value is not None else value


class ProductImport(_UpsertKind):
    name = "products"
    label = "Products"
    audit_action = "product.import"
    schema = ProductRow
    model = Product
    key_field = "sku"
    compared = ("name", "product_line_id", "list_price", "is_active")
    total_fields = ("list_price",)
    preview_fields = ("sku", "name", "list_price")
    requires = ("product_lines",)
    example: ClassVar[dict[str, str]] = {
        "sku": "AN-PRO",
        "name": "Analytics Pro",
        "product_line_code": "analytics",
        "list_price": "1200.00",
        "is_active": "yes",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "sku": "Stock-keeping unit; the dedupe key.",
        "product_line_code": "Code of an existing product line.",
        "list_price": "Default 0.",
        "is_active": "yes or no (default yes).",
    }

    def references(self, organization: Organization, rows: list[Any]) -> dict[str, dict[str, int]]:
        lines = ProductLine.objects.filter(organization=organization).values_list("code", "id")
        return {"lines": dict(lines)}

    def resolve(self, row: ProductRow, context: _Upsert) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        line_id = context.refs["lines"].get(row.product_line_code)
        errors = (
            [] if line_id else [("product_line_code", f"no product line with code {row.product_line_code!r}")]
        )
        values = {
            "sku": row.sku,
            "name": row.name,
            "product_line_id": line_id,
            "list_price": row.list_price if row.list_price is not None else Decimal("0.00"),
            "is_active": True if row.is_active is None else row.is_active,
        }
        return values, errors


# --- Stage history --------------------------------------------------------------------------------

ERROR_REPEATED_CHANGE = "the same stage change (deal, stages, day) appears earlier in the file"


class StageChangeRow(ImportRow):
    opportunity_external_id: Key
    from_stage: Annotated[str, TEXT, Field(max_length=40)] | None = None
    to_stage: Annotated[str, TEXT, Field(max_length=40)]
    changed_on: Day
    amount: Money

    @field_validator("from_stage", "to_stage")
    @classmethod
    def _stage(cls, value: str | None) -> str | None:
        return _choice(Stage, value, "stage") if value else value


@dataclass
class _History:
    opportunities: dict[str, int]
    existing: set[tuple[int, str, str, dt.date]]
    seen: set[tuple[int, str, str, dt.date]] = field(default_factory=set)


class StageHistoryImport(ImportKind):
    """Past stage moves of deals (the history a CRM kept), appended; never edited."""

    name = "stage_history"
    label = "Opportunity stage history"
    capability = Cap.OPPORTUNITY_IMPORT
    audit_action = "opportunity_stage_change.import"
    schema = StageChangeRow
    key_field = "opportunity_external_id"
    unique_key = False  # a deal moves many times: the kind checks (deal, stages, day) itself
    total_fields = ()
    preview_fields = ("opportunity_external_id", "from_stage", "to_stage", "changed_on")
    requires = ("opportunities",)
    example: ClassVar[dict[str, str]] = {
        "opportunity_external_id": "OPP-1",
        "from_stage": Stage.PROSPECTING.value,
        "to_stage": Stage.QUALIFICATION.value,
        "changed_on": "2026-01-20",
        "amount": "48000.00",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "opportunity_external_id": "External id of an existing opportunity.",
        "from_stage": "Blank for the first stage; otherwise " + _allowed(Stage),
        "to_stage": _allowed(Stage),
        "changed_on": "Day of the move; a move already recorded (deal, stages, day) is left unchanged.",
        "amount": "The deal's amount at the move.",
    }

    def load(self, *, organization: Organization, rows: list[StageChangeRow]) -> _History:  # type: ignore[override]
        wanted = sorted({r.opportunity_external_id for r in rows})
        opportunities: dict[str, int] = {}
        for chunk in _chunks(wanted, LOOKUP_CHUNK):
            opportunities.update(
                Opportunity.objects.filter(organization=organization, external_id__in=chunk)
                .exclude(external_id="")
                .values_list("external_id", "id")
            )
        existing = set()
        for chunk in _chunks(sorted(opportunities.values()), LOOKUP_CHUNK):
            for opp_id, from_stage, to_stage, changed_at in OpportunityStageChange.objects.filter(
                opportunity_id__in=chunk
            ).values_list("opportunity_id", "from_stage", "to_stage", "changed_at"):
                existing.add((opp_id, from_stage, to_stage, changed_at.astimezone(dt.UTC).date()))
        return _History(opportunities, existing)

    def resolve(self, row: StageChangeRow, context: _History) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        opp_id = context.opportunities.get(row.opportunity_external_id)
        if opp_id is None:
            message = f"no opportunity with external id {row.opportunity_external_id!r}"
            return {}, [("opportunity_external_id", message)]
        key = (opp_id, row.from_stage or "", row.to_stage, row.changed_on)
        if key in context.seen:
            return {}, [("to_stage", ERROR_REPEATED_CHANGE)]
        context.seen.add(key)
        values = {
            "opportunity_external_id": row.opportunity_external_id,
            "opportunity_id": opp_id,
            "from_stage": row.from_stage or "",
            "to_stage": row.to_stage,
            "changed_on": row.changed_on,
            "amount": row.amount,
            "key": key,
        }
        return values, []

    def plan(self, values: dict[str, Any], context: _History) -> Action:
        return Action.UNCHANGED if values["key"] in context.existing else Action.CREATE

    def write(
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _History,
        progress: Progress,
        source: ImportSource | None = None,
    ) -> None:
        actor_id = actor.pk if actor is not None and actor.is_authenticated else None
        for done, batch in enumerate(_chunks(rows, BATCH_SIZE), start=1):
            OpportunityStageChange.objects.bulk_create(
                OpportunityStageChange(
                    organization=organization,
                    opportunity_id=item.values["opportunity_id"],
                    from_stage=item.values["from_stage"],
                    to_stage=item.values["to_stage"],
                    amount=item.values["amount"],
                    changed_at=dt.datetime.combine(item.values["changed_on"], dt.time(), tzinfo=dt.UTC),
                    changed_by_id=actor_id,
                )
                for item in batch
                if item.action == Action.CREATE
            )
            progress(min(done * BATCH_SIZE, len(rows)), len(rows))


ACCOUNT_IMPORT = AccountImport()
PARTNER_IMPORT = PartnerImport()
PRODUCT_LINE_IMPORT = ProductLineImport()
PRODUCT_IMPORT = ProductImport()
STAGE_HISTORY_IMPORT = StageHistoryImport()
RECORD_IMPORTS = (ACCOUNT_IMPORT, PARTNER_IMPORT, PRODUCT_LINE_IMPORT, PRODUCT_IMPORT, STAGE_HISTORY_IMPORT)
