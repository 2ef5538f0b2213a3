"""Partner attribution's part of the permission table: its capabilities and record kinds.

Registered with the core table (`revops.permissions`) from `AttributionConfig.ready`; the
core table stays the one place that answers `has_cap` and `scoped`.

Revenue events and ledger entries follow the deal scope: a rep sees the revenue of the deals
they own (and, for revenue booked on an account without a deal, of the accounts they see);
a team manager that of their team; admin, finance and org-wide managers the organization's.
A partner user sees their own partner's ledger entries and no revenue events.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from revops.models import Account, Opportunity, Role
from revops.permissions import Kind, RecordKind, Scope, UserIds, owned_by


class AttributionCap(StrEnum):
    VIEW = "attribution.view"
    EDIT = "attribution.edit"
    RULE_EDIT = "attribution.rule_edit"
    # The organization's settings (defaults per role, SI mode, account cap): every split that
    # no rule or manual percent decides moves with them.
    SETTINGS_EDIT = "attribution.settings_edit"


class AttributionKind(StrEnum):
    REVENUE_EVENT = "attribution.revenue_event"
    ENTRY = "attribution.entry"


CAPABILITIES: dict[Role, frozenset[AttributionCap]] = {
    Role.ADMIN: frozenset(AttributionCap),
    Role.MANAGER: frozenset({AttributionCap.VIEW, AttributionCap.EDIT}),
    Role.FINANCE: frozenset({AttributionCap.VIEW}),
    Role.REP: frozenset({AttributionCap.VIEW}),
}


def _revenue_owned_by(user_ids: UserIds, prefix: str = "") -> Q:
    """Revenue of deals the users own; revenue booked without a deal follows its account."""
    deals = Opportunity.objects.filter(owned_by(Kind.OPPORTUNITY, user_ids)).values("id")
    accounts = Account.objects.filter(owned_by(Kind.ACCOUNT, user_ids)).values("id")
    return Q(**{f"{prefix}opportunity_id__in": deals}) | Q(
        **{f"{prefix}opportunity__isnull": True, f"{prefix}account_id__in": accounts}
    )


REVENUE_EVENT = RecordKind(AttributionKind.REVENUE_EVENT, owned_by=_revenue_owned_by)
ENTRY = RecordKind(
    AttributionKind.ENTRY,
    owned_by=lambda user_ids: _revenue_owned_by(user_ids, prefix="revenue_event__"),
    of_partner=lambda partner_id: Q(partner_id=partner_id),
)

_DEAL_SCOPE = {
    Role.ADMIN: Scope.ORGANIZATION,
    Role.MANAGER: Scope.TEAM,
    Role.FINANCE: Scope.ORGANIZATION,
    Role.REP: Scope.OWN,
}
SCOPES: tuple[tuple[RecordKind, dict[Role, Scope]], ...] = (
    (REVENUE_EVENT, _DEAL_SCOPE),
    (ENTRY, _DEAL_SCOPE | {Role.PARTNER: Scope.PARTNER}),
)
