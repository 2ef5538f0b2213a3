"""API tokens for integrations: one user may hold several, each revocable."""

import hashlib

from django.conf import settings
from django.db import models

from revops.models.base import OrganizationOwnedModel


class ApiToken(OrganizationOwnedModel):
    """A named secret that authenticates an integration as a user in one organization.

    Only a SHA-256 digest is stored; the key is shown once, when the token is created.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters of the key, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Not a column: the plain key, set only on the instance that api_token_create returns.
    key: str

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_for(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """An API write sent with an `Idempotency-Key` header, and the answer it got.

    `scope` is a digest of the caller's credential (its API token, or its signed-in user), so
    two callers never share keys. While the first request runs, `status_code` is null: a second
    request with the key waits for nothing and is told so (409). Afterwards the stored answer is
    replayed for the same request, and a different request with the key is refused (422).
    See `revops.api.idempotency`.
    """

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotencykey_scope_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
