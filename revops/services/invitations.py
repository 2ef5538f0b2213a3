"""Inviting people: a user with no usable password, their membership, and an e-mail with a link
to set the password.

The link is allauth's password-reset link (the same token the "forgot password" page mails):
it works once (setting the password changes what the token is made from) and expires after
`PASSWORD_RESET_TIMEOUT` seconds (Django's setting; three days by default). The e-mail is
sent after commit through Django's mail (console in development). Apps call `member_invite`
with their own role, fields and audit action (commissions invites reps, the partner portal
invites partner users); `invitation_resend` mails a fresh link to someone who has not set a
password yet.
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

ERROR_EXISTS = (
    "An account with the e-mail {email} already exists; ask an admin to add it to the organization."
)
ERROR_ACCEPTED = "{email} has already set a password: there is no invitation to resend."


def set_password_link(user: User, base_url: str) -> str:
    """The one-time, expiring link that lets `user` set their password."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return base_url.rstrip("/") + path


def _mail_invitation(membership: Membership, *, base_url: str, greeting_name: str) -> None:
    user, organization = membership.user, membership.organization
    where = (
        f"{membership.partner.name} on the {organization.name} partner portal"
        if membership.partner
        else organization.name
    )
    message = EmailMessage(
        subject=f"You are invited to {organization.name} on revops",
        body=(
            f"Hello {greeting_name or user.email},\n\n"
            f"You have an account as {Role(membership.role).label.lower()} of {where}. "
            f"Set your password here to sign in:\n\n{set_password_link(user, base_url)}\n\n"
            "The link works once and expires in a few days. Your sign-in is this e-mail address.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    transaction.on_commit(message.send)


@transaction.atomic
def member_invite(
    *,
    organization: Organization,
    actor,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    audit_action: str,
    base_url: str,
    **membership_fields,
) -> Membership:
    """Create the user (no usable password) and their membership, audit, and mail the link."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(ERROR_EXISTS.format(email=email))
    user = User.objects.create_user(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    user.set_unusable_password()
    user.save(update_fields=["password"])
    membership = Membership.objects.create(
        organization=organization, user=user, role=role, **membership_fields
    )
    audit_record(
        organization=organization,
        actor=actor,
        action=audit_action,
        obj=membership,
        after={"email": email, "role": role}
        | {name: getattr(value, "pk", value) for name, value in membership_fields.items()},
    )
    _mail_invitation(membership, base_url=base_url, greeting_name=first_name.strip())
    return membership


@transaction.atomic
def invitation_resend(*, membership: Membership, actor, audit_action: str, base_url: str) -> Membership:
    """Mail a fresh link to a member who has not set a password yet (audited)."""
    if membership.user.has_usable_password():
        raise ApplicationError(ERROR_ACCEPTED.format(email=membership.user.email))
    audit_record(
        organization=membership.organization,
        actor=actor,
        action=audit_action,
        obj=membership,
        after={"email": membership.user.email},
    )
    _mail_invitation(membership, base_url=base_url, greeting_name=membership.user.first_name)
    return membership
