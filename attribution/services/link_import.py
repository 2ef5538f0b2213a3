"""Import kinds of partner links: deal–partner links and account–partner splits.

A row names its deal (or account) and partner by external id and the partner's role; that
triple is the dedupe key, so a re-upload leaves every link unchanged. The caps are checked
across the file and the links it leaves alone, at the row that crosses them: a deal's fixed
splits never pass 100 %, nor (with the organization's account cap on) an account's shares.
Links are written through `partner_links_write`, the one path that audits each change and
queues the ledger alignment of the accounts reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator

from attribution.engine import quantize_percent
from attribution.models import AccountPartner, LinkSource, LinkStatus, OpportunityPartner, PartnerRole
from attribution.permissions import AttributionCap
from attribution.services.links import HUNDRED, LinkWrite, partner_links_write
from attribution.services.settings import attribution_settings_get
from revops.imports.fields import TEXT, ImportRow, Quantity
from revops.imports.kinds import Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.models import Account, Opportunity, Organization, Partner

LOOKUP_CHUNK = 500
IMPORT_REASON = "Imported from {filename}"
ERROR_DEAL_OVER = "the deal's fixed splits would add up to {total} %, over 100 %"
ERROR_ACCOUNT_OVER = "the account's shares would add up to {total} %, over 100 %"

Key = Annotated[str, TEXT, Field(min_length=1, max_length=64)]


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _choice(choices, value: str, name: str) -> str:
    wanted = value.strip().lower()
    for choice in choices:
        if wanted in (choice.value, str(choice.label).lower()):
            return choice.value
    raise ValueError(f"unknown {name} {value!r} (use one of: {', '.join(choices.values)})")


def _percent(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not Decimal("0") <= value <= HUNDRED:
        raise ValueError("must be between 0 and 100")
    if value != quantize_percent(value):
        raise ValueError(f"{value} has more than 2 decimal places")
    return quantize_percent(value)


def _role(value: str) -> str:
    return _choice(PartnerRole, value, "role")


def _status(value: str | None) -> str | None:
    return _choice(LinkStatus, value, "status") if value else value


class DealLinkRow(ImportRow):
    opportunity_external_id: Key
    partner_external_id: Key
    role: Annotated[str, TEXT, Field(max_length=40)]
    split_percent: Quantity | None = None
    status: Annotated[str, TEXT, Field(max_length=40)] | None = None

    _check_role = field_validator("role")(_role)
    _check_status = field_validator("status")(_status)
    _check_split = field_validator("split_percent")(_percent)


class AccountSplitRow(ImportRow):
    account_external_id: Key
    partner_external_id: Key
    role: Annotated[str, TEXT, Field(max_length=40)]
    split_percent: Quantity
    status: Annotated[str, TEXT, Field(max_length=40)] | None = None

    _check_role = field_validator("role")(_role)
    _check_status = field_validator("status")(_status)
    _check_split = field_validator("split_percent")(_percent)


@dataclass
class _Links:
    parents: dict[str, int]  # external id -> deal or account id
    partners: dict[str, int]
    # (parent id, partner id, role) -> (split, status, row's line or 0 for a stored link)
    links: dict[tuple[int, int, str], tuple[Decimal | None, str]]
    stored: dict[tuple[int, int, str], tuple[Decimal | None, str]]
    enforce_cap: bool = True
    seen: set[tuple[int, int, str]] = field(default_factory=set)


class _LinkImport(ImportKind):
    parent_field: ClassVar[str]
    parent_label: ClassVar[str]
    parent_model: ClassVar[type[Opportunity] | type[Account]]
    link_model: ClassVar[type[OpportunityPartner] | type[AccountPartner]]
    link_parent: ClassVar[str]  # "opportunity_id" or "account_id"
    over_cap: ClassVar[str]
    capability = AttributionCap.EDIT
    unique_key = False  # the key is (parent, partner, role): the kind checks repeats itself
    requires = ("opportunities", "partners")

    def enforces_cap(self, organization: Organization) -> bool:
        return True

    def load(self, *, organization: Organization, rows: list[Any]) -> _Links:
        parents: dict[str, int] = {}
        partners: dict[str, int] = {}
        for chunk in _chunks(sorted({getattr(r, self.parent_field) for r in rows}), LOOKUP_CHUNK):
            parents.update(
                self.parent_model.objects.filter(organization=organization, external_id__in=chunk)
                .exclude(external_id="")
                .values_list("external_id", "id")
            )
        for chunk in _chunks(sorted({r.partner_external_id for r in rows}), LOOKUP_CHUNK):
            partners.update(
                Partner.objects.filter(organization=organization, external_id__in=chunk)
                .exclude(external_id="")
                .values_list("external_id", "id")
            )
        stored: dict[tuple[int, int, str], tuple[Decimal | None, str]] = {}
        for chunk in _chunks(sorted(parents.values()), LOOKUP_CHUNK):
            found = self.link_model.objects.filter(**{f"{self.link_parent}__in": chunk}).values_list(
                self.link_parent, "partner_id", "role", "split_percent", "status"
            )
            for parent_id, partner_id, role, split, status in found:
                stored[(parent_id, partner_id, role)] = (split, status)
        return _Links(parents, partners, dict(stored), stored, self.enforces_cap(organization))

    def resolve(self, row: Any, context: _Links) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        errors: list[tuple[str, str]] = []
        parent_ref = getattr(row, self.parent_field)
        parent_id = context.parents.get(parent_ref)
        if parent_id is None:
            errors.append((self.parent_field, f"no {self.parent_label} with external id {parent_ref!r}"))
        partner_id = context.partners.get(row.partner_external_id)
        if partner_id is None:
            errors.append(("partner_external_id", f"no partner with external id {row.partner_external_id!r}"))
        if errors or parent_id is None or partner_id is None:
            return {}, errors
        key = (parent_id, partner_id, row.role)
        if key in context.seen:
            return {}, [
                ("role", f"the same {self.parent_label}, partner and role appear earlier in the file")
            ]
        context.seen.add(key)
        status = row.status or (context.stored.get(key, (None, LinkStatus.ACTIVE))[1])
        context.links[key] = (row.split_percent, status)
        if context.enforce_cap:
            total = sum(
                (
                    s or Decimal("0")
                    for (p, _, _), (s, st) in context.links.items()
                    if p == parent_id and st == LinkStatus.ACTIVE
                ),
                Decimal("0"),
            )
            if total > HUNDRED:
                return {}, [("split_percent", self.over_cap.format(total=total))]
        values = {
            self.parent_field: parent_ref,
            "partner_external_id": row.partner_external_id,
            "role": row.role,
            "split_percent": row.split_percent,
            "status": status,
            "key": key,
        }
        return values, []

    def plan(self, values: dict[str, Any], context: _Links) -> Action:
        current = context.stored.get(values["key"])
        if current is None:
            return Action.CREATE
        return Action.UNCHANGED if current == (values["split_percent"], values["status"]) else Action.UPDATE

    def write(
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Links,
        progress: Progress,
        source: ImportSource | None = None,
    ) -> dict[str, int] | None:
        writes = [
            LinkWrite(
                partner_id=item.values["key"][1],
                role=item.values["role"],
                split_percent=item.values["split_percent"],
                status=item.values["status"],
                **{self.link_parent: item.values["key"][0]},
            )
            for item in rows
            if item.action != Action.UNCHANGED
        ]
        filename = source.filename if source and source.filename else "a file"
        partner_links_write(
            organization=organization,
            actor=actor if actor is not None and actor.is_authenticated else None,
            links=writes,
            reason=IMPORT_REASON.format(filename=filename),
            source=LinkSource.MANUAL,
        )
        progress(len(rows), len(rows))
        return None


_ROLE_NOTE = "one of: " + ", ".join(PartnerRole.values)
_STATUS_NOTE = "one of: " + ", ".join(LinkStatus.values) + f" (default {LinkStatus.ACTIVE.value})"


class DealLinkImport(_LinkImport):
    name = "deal_partner_links"
    label = "Deal–partner links"
    audit_action = "opportunity_partner.import"
    schema = DealLinkRow
    key_field = "opportunity_external_id"
    parent_field = "opportunity_external_id"
    parent_label = "opportunity"
    parent_model = Opportunity
    link_model = OpportunityPartner
    link_parent = "opportunity_id"
    over_cap = ERROR_DEAL_OVER
    total_fields = ()
    preview_fields = ("opportunity_external_id", "partner_external_id", "role", "split_percent", "status")
    example: ClassVar[dict[str, str]] = {
        "opportunity_external_id": "OPP-1",
        "partner_external_id": "PRT-1",
        "role": PartnerRole.SI.value,
        "split_percent": "20",
        "status": LinkStatus.ACTIVE.value,
    }
    column_notes: ClassVar[dict[str, str]] = {
        "opportunity_external_id": "External id of an existing opportunity.",
        "partner_external_id": "External id of an existing partner.",
        "role": _ROLE_NOTE + "; deal, partner and role are the dedupe key.",
        "split_percent": "Fixed share of the deal, 0-100 with at most 2 decimals; blank: the rules decide. "
        "A deal's active fixed splits add up to 100 at most.",
        "status": _STATUS_NOTE,
    }


class AccountSplitImport(_LinkImport):
    name = "account_partner_splits"
    label = "Account–partner splits"
    audit_action = "account_partner.import"
    schema = AccountSplitRow
    key_field = "account_external_id"
    parent_field = "account_external_id"
    parent_label = "account"
    parent_model = Account
    link_model = AccountPartner
    link_parent = "account_id"
    over_cap = ERROR_ACCOUNT_OVER
    requires = ("accounts", "partners")
    total_fields = ()
    preview_fields = ("account_external_id", "partner_external_id", "role", "split_percent", "status")
    example: ClassVar[dict[str, str]] = {
        "account_external_id": "ACC-1",
        "partner_external_id": "PRT-1",
        "role": PartnerRole.REFERRAL.value,
        "split_percent": "10",
        "status": LinkStatus.ACTIVE.value,
    }
    column_notes: ClassVar[dict[str, str]] = {
        "account_external_id": "External id of an existing account.",
        "partner_external_id": "External id of an existing partner.",
        "role": _ROLE_NOTE + "; account, partner and role are the dedupe key.",
        "split_percent": "The partner's share of all the account's revenue, 0-100 with at most 2 decimals. "
        "With the account cap on, an account's active shares add up to 100 at most.",
        "status": _STATUS_NOTE,
    }

    def enforces_cap(self, organization: Organization) -> bool:
        return attribution_settings_get(organization=organization).enforce_account_cap


DEAL_LINK_IMPORT = DealLinkImport()
ACCOUNT_SPLIT_IMPORT = AccountSplitImport()
