"""Invite a rep or a sales manager: the account, the membership, and an e-mail to set a password.

The new user has no usable password; the e-mail carries allauth's password-reset link (the
same token the "forgot password" page mails), valid as long as allauth's reset links are.
Sent after commit through Django's mail (console in development). Audited.
"""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from revops.exceptions import ApplicationError
from revops.models import Membership, Organization, Role, User
from revops.services.audit import audit_record

INVITABLE = (Role.REP, Role.MANAGER)
ERROR_EXISTS = (
    "An account with the e-mail {email} already exists; ask an admin to add it to the organization."
)
ERROR_ROLE = "Only reps and managers are invited here."
ERROR_MANAGER = "The manager must be a manager of this organization."


def _set_password_link(user: User, base_url: str) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return base_url.rstrip("/") + path


def rep_invite(
    *,
    organization: Organization,
    actor,
    email: str,
    first_name: str,
    last_name: str,
    role: str = Role.REP,
    manager: Membership | None = None,
    team: str = "",
    base_url: str,
) -> Membership:
    """Create the user and their membership, and mail them the link to set their password."""
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in INVITABLE:
        raise ApplicationError(ERROR_ROLE)
    if manager is not None and (manager.organization_id != organization.pk or manager.role != Role.MANAGER):
        raise ApplicationError(ERROR_MANAGER)
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise ApplicationError(ERROR_EXISTS.format(email=email))
        user = User.objects.create_user(
            email=email, first_name=first_name.strip(), last_name=last_name.strip()
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        membership = Membership.objects.create(
            organization=organization, user=user, role=role, manager=manager, team=team.strip()
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="commissions.rep.invite",
            obj=membership,
            after={"email": email, "role": role, "manager": manager.pk if manager else None, "team": team},
        )
        message = EmailMessage(
            subject=f"You are invited to {organization.name} on revops",
            body=(
                f"Hello {first_name.strip() or email},\n\n"
                f"You have an account as {Role(role).label.lower()} of {organization.name}. "
                f"Set your password here to sign in:\n\n{_set_password_link(user, base_url)}\n\n"
                "Your sign-in is this e-mail address.\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
        )
        transaction.on_commit(message.send)
    return membership
