"""API tokens: create (key shown once) and revoke, by the user or an org admin."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from revops.exceptions import ApplicationError
from revops.models import ApiToken, Membership, Organization
from revops.services.audit import audit_record

TOKEN_PREFIX = "rvp_"
TOKEN_NOT_MEMBER = "The token's user is not a member of this organization."


@transaction.atomic
def api_token_create(*, organization: Organization, user, name: str, acting_user) -> tuple[ApiToken, str]:
    """Create a token for `user` in `organization`; returns (token, key). The key is not stored."""
    if not Membership.objects.filter(organization=organization, user=user, is_active=True).exists():
        raise ApplicationError(TOKEN_NOT_MEMBER)
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organization=organization,
        user=user,
        name=name.strip() or "API token",
        prefix=key[:12],
        digest=ApiToken.digest_for(key),
        created_by=acting_user,
    )
    token.full_clean()
    token.save()
    audit_record(
        organization=organization,
        actor=acting_user,
        action="api_token.create",
        obj=token,
        after={"name": token.name, "user": user.pk, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user) -> ApiToken:
    """Revoke a token; revoking a revoked token is a no-op."""
    now = timezone.now()
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now) == 1:
        audit_record(
            organization=token.organization,
            actor=acting_user,
            action="api_token.revoke",
            obj=token,
            before={"revoked_at": None},
            after={"revoked_at": now},
        )
    token.refresh_from_db()
    return token
