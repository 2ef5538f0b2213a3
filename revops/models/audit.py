"""AuditEvent: who changed what, when, with the values before and after."""

from django.conf import settings
from django.db import models

from revops.models.base import OrganizationOwnedModel


class AuditEvent(OrganizationOwnedModel):
    """One audited change, written by a service in the same transaction as the change.

    Append-only: the database refuses UPDATE and DELETE (see revops.ledger).
    """

    # PROTECT: the audit trail is append-only, so a user who acted is deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"
