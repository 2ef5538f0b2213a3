"""Organization-scoped querysets; which rows a member sees is decided by `revops.permissions`.

`visible_to(membership)` is `permissions.scoped(self, membership, kind=...)`: the scope of each
role on each record kind lives in the permission table, never here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models

if TYPE_CHECKING:
    from revops.models import Membership


class OrganizationQuerySet(models.QuerySet):
    def for_organization(self, organization) -> OrganizationQuerySet:
        return self.filter(organization=organization)


class ScopedQuerySet(OrganizationQuerySet):
    """A queryset whose rows are one record kind of the permission table."""

    record_kind: ClassVar[str]

    def visible_to(self, membership: Membership | None):
        # Imported here: revops.permissions imports the models these querysets are attached to.
        from revops.permissions import scoped

        return scoped(self, membership, kind=self.record_kind)


class OpportunityQuerySet(ScopedQuerySet):
    record_kind = "opportunity"

    def open(self) -> OpportunityQuerySet:
        return self.exclude(stage__in=("closed_won", "closed_lost"))

    def won(self) -> OpportunityQuerySet:
        return self.filter(stage="closed_won")


class AccountQuerySet(ScopedQuerySet):
    record_kind = "account"

    def bulk_create(self, objs, *args, **kwargs):
        """Bulk creates keep the matching keys in step, as ``Account.save`` does."""
        objs = list(objs)
        for obj in objs:
            obj.fill_match_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if {"name", "domain"} & set(fields):
            for obj in objs:
                obj.fill_match_keys()
            fields = [*fields, "name_key", "name_prefix", "domain_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class PartnerQuerySet(ScopedQuerySet):
    record_kind = "partner"
