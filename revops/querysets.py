"""Org- and role-scoped querysets: the one place that decides which rows a member sees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from revops.models import Membership


def team_user_ids(membership: Membership) -> models.QuerySet | None:
    """User ids whose deals this member may see; None means the whole organization."""
    from revops.models import Membership as MembershipModel

    role = membership.role
    if role in ("admin", "finance") or (role == "manager" and membership.org_wide):
        return None
    if role == "manager":
        return MembershipModel.objects.filter(
            models.Q(manager_id=membership.pk) | models.Q(pk=membership.pk),
            organization_id=membership.organization_id,
        ).values("user_id")
    if role == "rep":
        return MembershipModel.objects.filter(pk=membership.pk).values("user_id")
    return MembershipModel.objects.none().values("user_id")


class OrganizationQuerySet(models.QuerySet):
    def for_organization(self, organization) -> OrganizationQuerySet:
        return self.filter(organization=organization)


class OpportunityQuerySet(OrganizationQuerySet):
    def visible_to(self, membership: Membership | None) -> OpportunityQuerySet:
        if membership is None or membership.role == "partner":
            return self.none()
        qs = self.filter(organization_id=membership.organization_id)
        users = team_user_ids(membership)
        return qs if users is None else qs.filter(owner_id__in=users)

    def open(self) -> OpportunityQuerySet:
        return self.exclude(stage__in=("closed_won", "closed_lost"))

    def won(self) -> OpportunityQuerySet:
        return self.filter(stage="closed_won")


class AccountQuerySet(OrganizationQuerySet):
    def visible_to(self, membership: Membership | None) -> AccountQuerySet:
        from revops.models import Opportunity

        if membership is None or membership.role == "partner":
            return self.none()
        qs = self.filter(organization_id=membership.organization_id)
        users = team_user_ids(membership)
        if users is None:
            return qs
        deal_accounts = Opportunity.objects.filter(
            organization_id=membership.organization_id, owner_id__in=users
        ).values("account_id")
        return qs.filter(models.Q(owner_id__in=users) | models.Q(id__in=deal_accounts))


class PartnerQuerySet(OrganizationQuerySet):
    def visible_to(self, membership: Membership | None) -> PartnerQuerySet:
        if membership is None:
            return self.none()
        qs = self.filter(organization_id=membership.organization_id)
        if membership.role == "partner":
            return qs.filter(pk=membership.partner_id)
        return qs
