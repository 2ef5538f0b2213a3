"""Commissions' part of the permission table: its capabilities and record kinds.

Registered with the core table (`revops.permissions`) from `CommissionsConfig.ready`.

- `VIEW`: commission pages; a rep sees their own transactions, objectives and statements, a
  team manager those of their reports, admin and finance the organization's.
- `IMPORT`: upload sales data (finance and admin).
- `PLAN_EDIT`: plans, assignments, objectives, territories, aliases (finance and admin); with
  `IMPORT`, it also lets a member compute a month's statements (`can_compute`).
- `APPROVE`: approve statements (managers and admin); `PAY`: mark them paid (finance only).
  Nobody approves their own statement (`can_approve`); the statement must be in the member's
  scope, which the caller has already checked by fetching it through the scoped selector.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from revops.models import Membership, Role
from revops.permissions import RecordKind, Scope, UserIds, has_cap


class CommissionCap(StrEnum):
    VIEW = "commissions.view"
    IMPORT = "commissions.import"
    PLAN_EDIT = "commissions.plan_edit"
    APPROVE = "commissions.approve"
    PAY = "commissions.pay"
    # Settle disputes: an adjustment through the next computation, or a reasoned rejection.
    RESOLVE = "commissions.resolve"


class CommissionKind(StrEnum):
    TRANSACTION = "commissions.transaction"
    OBJECTIVE = "commissions.objective"
    STATEMENT = "commissions.statement"
    DISPUTE = "commissions.dispute"


CAPABILITIES: dict[Role, frozenset[CommissionCap]] = {
    Role.ADMIN: frozenset(
        {
            CommissionCap.VIEW,
            CommissionCap.IMPORT,
            CommissionCap.PLAN_EDIT,
            CommissionCap.APPROVE,
            CommissionCap.RESOLVE,
        }
    ),
    Role.MANAGER: frozenset({CommissionCap.VIEW, CommissionCap.APPROVE}),
    Role.FINANCE: frozenset(
        {
            CommissionCap.VIEW,
            CommissionCap.IMPORT,
            CommissionCap.PLAN_EDIT,
            CommissionCap.PAY,
            CommissionCap.RESOLVE,
        }
    ),
    Role.REP: frozenset({CommissionCap.VIEW}),
}


def _rep_in(user_ids: UserIds) -> Q:
    return Q(rep_id__in=user_ids)


TRANSACTION = RecordKind(CommissionKind.TRANSACTION, owned_by=_rep_in)
OBJECTIVE = RecordKind(CommissionKind.OBJECTIVE, owned_by=_rep_in)
STATEMENT = RecordKind(CommissionKind.STATEMENT, owned_by=_rep_in)
DISPUTE = RecordKind(CommissionKind.DISPUTE, owned_by=_rep_in)

_REP_SCOPE = {
    Role.ADMIN: Scope.ORGANIZATION,
    Role.MANAGER: Scope.TEAM,
    Role.FINANCE: Scope.ORGANIZATION,
    Role.REP: Scope.OWN,
}
SCOPES: tuple[tuple[RecordKind, dict[Role, Scope]], ...] = (
    (TRANSACTION, _REP_SCOPE),
    (OBJECTIVE, _REP_SCOPE),
    (STATEMENT, _REP_SCOPE),
    (DISPUTE, _REP_SCOPE),
)


def can_compute(membership: Membership | None) -> bool:
    """Whether the member may (re)compute a month's statements: whoever edits plans or loads sales."""
    return has_cap(membership, CommissionCap.PLAN_EDIT) or has_cap(membership, CommissionCap.IMPORT)


def can_approve(membership: Membership | None, *, rep_id: int) -> bool:
    """Whether the member may approve a statement of `rep_id` they can see: never their own."""
    return (
        has_cap(membership, CommissionCap.APPROVE) and membership is not None and membership.user_id != rep_id
    )


def can_pay(membership: Membership | None) -> bool:
    return has_cap(membership, CommissionCap.PAY)


def can_dispute(membership: Membership | None, *, rep_id: int) -> bool:
    """Only the rep a statement pays flags its lines."""
    return has_cap(membership, CommissionCap.VIEW) and membership is not None and membership.user_id == rep_id


def can_resolve(membership: Membership | None) -> bool:
    return has_cap(membership, CommissionCap.RESOLVE)
