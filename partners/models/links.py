"""Signed registration links: a partner's way to register deals without a portal login."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel


class RegistrationLink(OrganizationOwnedModel):
    """One signed, expiring registration link of a partner (revocable).

    The URL carries a value signed with `django.core.signing` (salt
    `partners.registration-link`) holding this row's id, the partner's and the organization's
    ids, `nonce` and the expiry: changing any of them breaks the signature, and a valid value
    still has to match this row, which must be neither revoked nor past `expires_at`.
    """

    partner = models.ForeignKey("revops.Partner", on_delete=models.CASCADE, related_name="registration_links")
    label = models.CharField(max_length=120, blank=True)
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Registration link {self.pk} of {self.partner}"
