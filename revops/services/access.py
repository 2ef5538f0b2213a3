"""Ending access at once: a deactivated user loses every session and API token immediately.

Connected to `post_save` of User and Membership in `RevopsConfig.ready`, so every door that
deactivates someone (the admin's checkbox, a service, the shell) ends their access the same
way, in the same transaction:

- a user flipped to inactive: all their API tokens are revoked and all their sessions deleted
  (the authentication backends also refuse inactive users; this removes what is left);
- a membership flipped to inactive: the user's API tokens for that organization are revoked
  (their sessions stay: they may belong to other organizations, and tenancy no longer finds
  the inactive membership).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from revops.models import ApiToken, Membership, User

DEACTIVATING = "_revops_deactivating"  # set on the instance by pre_save, read by post_save
DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def _was_active(model, pk) -> bool:
    return pk is not None and model.objects.filter(pk=pk, is_active=True).exists()


def user_deactivation_watch(sender, instance: User, **kwargs) -> None:
    """pre_save: remember whether this save deactivates the user."""
    setattr(instance, DEACTIVATING, not instance.is_active and _was_active(User, instance.pk))


def membership_deactivation_watch(sender, instance: Membership, **kwargs) -> None:
    setattr(instance, DEACTIVATING, not instance.is_active and _was_active(Membership, instance.pk))


@transaction.atomic
def user_access_end(*, user: User) -> tuple[int, int]:
    """Revoke every API token of `user` and delete their sessions; (tokens, sessions) ended."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    sessions = 0
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        uid = str(user.pk)
        doomed = [
            s.session_key
            for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if s.get_decoded().get("_auth_user_id") == uid
        ]
        sessions, _ = Session.objects.filter(session_key__in=doomed).delete()
    return tokens, sessions


def user_deactivated(sender, instance: User, created: bool, **kwargs) -> None:
    if getattr(instance, DEACTIVATING, False):
        setattr(instance, DEACTIVATING, False)
        user_access_end(user=instance)


def membership_deactivated(sender, instance: Membership, created: bool, **kwargs) -> None:
    if getattr(instance, DEACTIVATING, False):
        setattr(instance, DEACTIVATING, False)
        ApiToken.objects.filter(
            organization_id=instance.organization_id, user_id=instance.user_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
