"""Abstract bases: timestamps, and the organization every domain row belongs to."""

from django.db import models
from django.utils import timezone


class BaseModel(models.Model):
    """Timestamps every row carries."""

    created_at = models.DateTimeField(db_index=True, default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OrganizationOwnedModel(BaseModel):
    """A row that belongs to exactly one organization (the tenant)."""

    organization = models.ForeignKey("revops.Organization", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
