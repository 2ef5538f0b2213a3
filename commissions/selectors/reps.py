"""The reps a member may look at: for rep pickers (dashboard, filters) and `?rep=` checks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from commissions.models import PlanAssignment
from commissions.permissions import CommissionKind
from revops.models import Membership, Role, User
from revops.permissions import scope_user_ids


@dataclass(frozen=True)
class RepChoice:
    user_id: int
    name: str
    email: str


def rep_label(user: User) -> str:
    return user.get_full_name() or user.email


def _reps(membership: Membership, kind: str) -> QuerySet[Membership]:
    user_ids = scope_user_ids(membership, kind)
    if user_ids == []:
        return Membership.objects.none()
    organization_id = membership.organization_id
    on_plan = PlanAssignment.objects.filter(organization_id=organization_id).values("rep_id")
    members = Membership.objects.filter(organization_id=organization_id, is_active=True).filter(
        Q(role=Role.REP) | Q(user_id__in=on_plan)
    )
    if user_ids is not None:
        members = members.filter(user_id__in=user_ids)
    return members.select_related("user")


def _choice(member: Membership) -> RepChoice:
    return RepChoice(member.user_id, rep_label(member.user), member.user.email)


def reps_in_scope(*, membership: Membership, kind: str = CommissionKind.TRANSACTION) -> list[RepChoice]:
    """Members in the member's scope of `kind` who sell: reps, and anyone on a commission plan.

    One query; a rep gets themselves, a team manager their reports, admin and finance everyone.
    """
    rows = _reps(membership, kind).order_by("user__last_name", "user__first_name", "user__email")
    return [_choice(m) for m in rows]


def rep_get(*, membership: Membership, user_id: int | str | None) -> RepChoice:
    """A rep the member may look at, by user id; Http404 for anyone else (or no id)."""
    try:
        wanted = int(user_id) if user_id is not None else None
    except (TypeError, ValueError):
        wanted = None
    member = _reps(membership, CommissionKind.TRANSACTION).filter(user_id=wanted).first()
    if wanted is None or member is None:
        raise Http404
    return _choice(member)
